-- 001_init.sql - the fleet's central PostgreSQL database: every station's
-- runs, steps, measurements, events and artifacts, with the station as a
-- first-class column (docs/fleet.md).
--
-- Applied by `station sync --init` (station/fleet/central.c) inside one
-- transaction; the station records each file in schema_migrations and
-- refuses a server whose schema is newer than the files it ships.  Never
-- edit a migration that has shipped: add the next numbered file instead.
--
-- Rows arrive from the stations' SQLite stores unchanged, keyed by the run's
-- uuid: a run is inserted once, with all its children, in one transaction.
-- A step keeps the id it had on its station (local_id), so measurements and
-- artifacts name their step as (run_id, step_local_id).

CREATE TABLE schema_migrations (
	version integer PRIMARY KEY,          -- the file's number (001 -> 1)
	file text NOT NULL,
	sha256 text NOT NULL,                 -- of the file as applied
	applied timestamptz NOT NULL DEFAULT now()
);

-- This central database's identity: a station remembers per fleet_id which
-- runs it has sent, so pointing it at another server sends everything again.
CREATE TABLE fleet_meta (
	key text PRIMARY KEY,
	value text NOT NULL
);
INSERT INTO fleet_meta (key, value) VALUES ('fleet_id', gen_random_uuid()::text);

-- Every station that has sent runs.
CREATE TABLE stations (
	name text PRIMARY KEY,
	host text NOT NULL DEFAULT '',
	first_sync timestamptz NOT NULL DEFAULT now(),
	last_sync timestamptz NOT NULL DEFAULT now()
);

-- Every unit seen by any station.
CREATE TABLE units (
	serial text PRIMARY KEY CHECK (serial <> ''),
	model text NOT NULL DEFAULT '',
	first_seen timestamptz NOT NULL,
	last_seen timestamptz NOT NULL
);

CREATE TABLE runs (
	id bigserial PRIMARY KEY,
	uuid text NOT NULL UNIQUE,            -- the station's run uuid: the sync key
	station text NOT NULL REFERENCES stations(name),
	host text NOT NULL DEFAULT '',
	serial text NOT NULL REFERENCES units(serial),
	model text NOT NULL DEFAULT '',
	firmware text NOT NULL DEFAULT '',
	plan text NOT NULL DEFAULT '',
	limits_path text NOT NULL DEFAULT '',
	limits_hash text NOT NULL DEFAULT '',
	operator text NOT NULL DEFAULT '',
	fixture text NOT NULL DEFAULT '',
	started timestamptz NOT NULL,
	ended timestamptz,
	outcome text NOT NULL
		CHECK (outcome IN ('PASS', 'FAIL', 'ERROR', 'ABORTED', 'interrupted')),
	disposition text NOT NULL DEFAULT '',
	reason text NOT NULL DEFAULT '',
	synced timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_started ON runs(started);
CREATE INDEX runs_station_started ON runs(station, started);
CREATE INDEX runs_model_started ON runs(model, started);
CREATE INDEX runs_serial_started ON runs(serial, started);

CREATE TABLE steps (
	run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	local_id bigint NOT NULL,             -- the step's id on its station
	idx integer NOT NULL,
	name text NOT NULL,
	kind text NOT NULL DEFAULT '',
	verdict text NOT NULL DEFAULT '',
	started_s double precision,
	duration_s double precision,
	message text NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, local_id)
);

CREATE TABLE measurements (
	id bigserial PRIMARY KEY,
	run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	step_local_id bigint,                 -- NULL: a run-level measurement
	name text NOT NULL,
	value double precision,               -- NULL: no number
	unit text NOT NULL DEFAULT '',
	low double precision,                 -- NULL: no lower limit
	high double precision,                -- NULL: no upper limit
	verdict text NOT NULL DEFAULT '',
	FOREIGN KEY (run_id, step_local_id) REFERENCES steps(run_id, local_id) ON DELETE CASCADE
);
CREATE INDEX measurements_run ON measurements(run_id);
CREATE INDEX measurements_name ON measurements(name);

CREATE TABLE events (
	id bigserial PRIMARY KEY,
	run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	t_s double precision NOT NULL,
	kind text NOT NULL DEFAULT '',
	text text NOT NULL DEFAULT ''
);
CREATE INDEX events_run ON events(run_id, t_s);

-- Files a run produced; content only when the station synced --with-captures.
CREATE TABLE artifacts (
	id bigserial PRIMARY KEY,
	run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	step_local_id bigint,
	kind text NOT NULL DEFAULT '',
	path text NOT NULL,
	sha256 text NOT NULL DEFAULT '',
	content bytea,
	FOREIGN KEY (run_id, step_local_id) REFERENCES steps(run_id, local_id) ON DELETE CASCADE
);
CREATE INDEX artifacts_run ON artifacts(run_id);

-- One row per run with its step counts, for ad-hoc questions in psql.
CREATE VIEW run_summary AS
SELECT r.id, r.uuid, r.station, r.serial, r.model, r.firmware, r.plan, r.operator,
       r.started, r.ended, r.outcome, r.disposition, r.reason,
       (SELECT count(*) FROM steps s WHERE s.run_id = r.id) AS steps,
       (SELECT count(*) FROM measurements m WHERE m.run_id = r.id) AS measurements
FROM runs r;
