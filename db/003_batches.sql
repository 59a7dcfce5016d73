-- 003_batches.sql - batch RMA triage (docs/triage.md): a batch is one CSV
-- file of returned units walked unit by unit by `station triage`; each row
-- of the file is a batch unit, linked to the run that tested it, and every
-- run made for a batch is linked to it (batch_runs).  A batch
-- interrupted (Ctrl-C, power loss, kill -9) is resumed from these rows, so
-- a unit already tested is never tested again unless asked.

-- One row per batch.
CREATE TABLE batches (
	id INTEGER PRIMARY KEY,
	uuid TEXT NOT NULL UNIQUE,            -- RFC 4122 v4, lower case
	started TEXT NOT NULL,                -- ISO 8601 UTC
	ended TEXT,                           -- NULL until every row is done
	operator TEXT NOT NULL DEFAULT '',
	station TEXT NOT NULL DEFAULT '',
	file TEXT NOT NULL,                   -- the CSV file as given
	file_sha256 TEXT NOT NULL,            -- SHA-256 of the file as read
	rows_total INTEGER NOT NULL CHECK (rows_total >= 0),
	rows_done INTEGER NOT NULL DEFAULT 0 CHECK (rows_done >= 0), -- units with a disposition
	confirm TEXT NOT NULL DEFAULT '',     -- 'yes': prompts were assumed (headless)
	state TEXT NOT NULL DEFAULT 'running'
		CHECK (state IN ('running', 'stopped', 'done'))
);
CREATE INDEX batches_started ON batches(started);

-- One row per unit (CSV row) of a batch.
CREATE TABLE batch_units (
	id INTEGER PRIMARY KEY,
	batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
	idx INTEGER NOT NULL,                 -- 1-based position in the file's data rows
	line INTEGER NOT NULL,                -- line of the CSV file the row starts on
	rma TEXT NOT NULL,
	serial TEXT NOT NULL,
	model TEXT NOT NULL,
	symptom TEXT NOT NULL,
	faults TEXT NOT NULL DEFAULT '',      -- faults injected on the simulated bench
	notes TEXT NOT NULL DEFAULT '',
	plan TEXT NOT NULL DEFAULT '',        -- chosen from the symptom table
	status TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'testing', 'done', 'stopped')),
	-- done: tested, has a disposition; stopped: not tested (serial mismatch,
	-- operator skipped), the reason says why; testing: begun, not finished.
	outcome TEXT NOT NULL DEFAULT '',     -- the run's outcome, or '' when not run
	disposition TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL, -- the run that tested it
	assumed TEXT NOT NULL DEFAULT '',     -- prompts taken as done: 'placement,serial'
	human INTEGER NOT NULL DEFAULT 0,     -- 1: needed a person (a prompt answered, a stop)
	started TEXT,                         -- ISO 8601 UTC, when testing began
	ended TEXT,
	attempts INTEGER NOT NULL DEFAULT 0,  -- runs begun (an interrupted run counts)
	UNIQUE (batch_id, idx),
	UNIQUE (batch_id, serial)
);
CREATE INDEX batch_units_run ON batch_units(run_id);

-- The run -> batch link: every run made for a unit of a batch (an
-- interrupted one too), so a run's report finds its RMA row and a batch its
-- runs.  A table of its own, so the runs table is not rebuilt.
CREATE TABLE batch_runs (
	run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
	batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
	unit_id INTEGER NOT NULL REFERENCES batch_units(id) ON DELETE CASCADE
);
CREATE INDEX batch_runs_batch ON batch_runs(batch_id);
