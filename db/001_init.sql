-- 001_init.sql - the station's result store: units, runs, steps,
-- measurements, events and artifacts (docs/store.md).
--
-- Applied by station/store/store.c inside one transaction with foreign keys
-- off; the store sets PRAGMA user_version and application_id itself and
-- records this file in schema_migrations.  Never edit a migration that has
-- shipped: add the next numbered file instead.
--
-- Times: `started`, `ended`, `first_seen`, `last_seen`, `applied` are ISO 8601
-- UTC text with milliseconds ("2026-11-22T17:30:01.123Z"), so they sort as
-- text.  `started_s`, `duration_s`, `t_s` are seconds since the run started.
-- A measurement value or limit that is not a number (NaN, "no limit") is NULL.

-- Which migration files built this database, and when.
CREATE TABLE schema_migrations (
	version INTEGER PRIMARY KEY,          -- the file's number (001 -> 1)
	file TEXT NOT NULL,                   -- file name, e.g. "001_init.sql"
	sha256 TEXT NOT NULL,                 -- of the file as applied
	applied TEXT NOT NULL                 -- ISO 8601 UTC
);

-- One row per headset ever tested, by serial.
CREATE TABLE units (
	serial TEXT PRIMARY KEY NOT NULL CHECK (serial <> ''),
	model TEXT NOT NULL DEFAULT '',       -- last model the unit was run as
	first_seen TEXT NOT NULL,             -- start of its first run
	last_seen TEXT NOT NULL               -- start of its latest run
);

-- One row per run of a plan on a unit.  Inserted at the start with outcome
-- 'running'; the station that owns it sets the outcome at the end.  A run
-- still 'running' whose process (pid on host) is gone is marked
-- 'interrupted' by the next station that opens the database.
CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	uuid TEXT NOT NULL UNIQUE,            -- RFC 4122 v4, lower case
	serial TEXT NOT NULL REFERENCES units(serial),
	model TEXT NOT NULL DEFAULT '',
	firmware TEXT NOT NULL DEFAULT '',    -- as read from the unit, may be set later
	plan TEXT NOT NULL DEFAULT '',
	limits_path TEXT NOT NULL DEFAULT '',
	limits_hash TEXT NOT NULL DEFAULT '', -- SHA-256 of the limits file judged by
	station TEXT NOT NULL DEFAULT '',     -- station (bench) name
	operator TEXT NOT NULL DEFAULT '',
	fixture TEXT NOT NULL DEFAULT '',     -- fixture driver and port
	started TEXT NOT NULL,
	ended TEXT,                           -- NULL while running
	outcome TEXT NOT NULL DEFAULT 'running'
		CHECK (outcome IN ('PASS', 'FAIL', 'ERROR', 'ABORTED', 'running', 'interrupted')),
	disposition TEXT NOT NULL DEFAULT '', -- e.g. 'fixed-by-soft-reset', 'service-centre'
	reason TEXT NOT NULL DEFAULT '',      -- one line: why this outcome
	pid INTEGER,                          -- station process that wrote the run
	host TEXT NOT NULL DEFAULT '',        -- its host name
	pid_tag TEXT NOT NULL DEFAULT ''      -- "<boot id>/<process start ticks>": tells a reused pid apart
);

-- Steps of a run, committed one by one as they happen.
CREATE TABLE steps (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	idx INTEGER NOT NULL,                 -- position in the plan (a retried step repeats it)
	name TEXT NOT NULL,
	kind TEXT NOT NULL DEFAULT '',        -- e.g. 'reset', 'anc', 'mics'
	verdict TEXT NOT NULL DEFAULT '',     -- PASS FAIL ERROR ABORTED SKIP (or 'running')
	started_s REAL,
	duration_s REAL,
	message TEXT NOT NULL DEFAULT '',
	UNIQUE (run_id, id)                   -- target of measurements' and artifacts' (run_id, step_id)
);
CREATE INDEX steps_run ON steps(run_id, idx);

-- Measurements, judged against limits; step_id NULL = a run-level measurement.
-- (run_id, step_id) must name a step of the same run.
CREATE TABLE measurements (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	step_id INTEGER,
	name TEXT NOT NULL,
	value REAL,                           -- NULL: no number (NaN)
	unit TEXT NOT NULL DEFAULT '',
	low REAL,                             -- NULL: no lower limit
	high REAL,                            -- NULL: no upper limit
	verdict TEXT NOT NULL DEFAULT '',
	FOREIGN KEY (run_id, step_id) REFERENCES steps(run_id, id) ON DELETE CASCADE
);
CREATE INDEX measurements_run ON measurements(run_id, step_id);
CREATE INDEX measurements_step ON measurements(step_id);

-- Timeline of a run: operator prompts, fixture actions, unit feedback, faults.
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	t_s REAL NOT NULL,
	kind TEXT NOT NULL DEFAULT '',
	text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_run ON events(run_id, t_s);

-- Files a run produced (raw WAV captures to re-judge later, reports).
CREATE TABLE artifacts (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	step_id INTEGER,
	kind TEXT NOT NULL DEFAULT '',        -- e.g. 'capture', 'report'
	path TEXT NOT NULL,
	sha256 TEXT NOT NULL DEFAULT '',
	FOREIGN KEY (run_id, step_id) REFERENCES steps(run_id, id) ON DELETE CASCADE
);
CREATE INDEX artifacts_run ON artifacts(run_id, step_id);
CREATE INDEX artifacts_step ON artifacts(step_id);
