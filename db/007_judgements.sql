-- 007_judgements.sql - a stored run judged again, later, against other
-- limits (`station rejudge`, docs/store.md): each judgement is kept beside
-- the run's original verdicts, which are never changed.  One row per
-- judgement, one row per measurement it judged.

-- One row per rejudging of a run.
CREATE TABLE judgements (
	id INTEGER PRIMARY KEY,
	uuid TEXT NOT NULL UNIQUE,            -- RFC 4122 v4, lower case
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	created TEXT NOT NULL,                -- ISO 8601 UTC
	limits_path TEXT NOT NULL,            -- the limit file judged by
	limits_hash TEXT NOT NULL,            -- SHA-256 over every file it read
	firmware TEXT NOT NULL DEFAULT '',    -- the firmware its blocks were resolved for (the run's)
	verdict TEXT NOT NULL CHECK (verdict IN ('PASS', 'FAIL', 'ERROR', 'ABORTED')),
	reason TEXT NOT NULL DEFAULT '',      -- one line: the first failure, or what was kept
	judged INTEGER NOT NULL DEFAULT 0,    -- measurements judged
	changed INTEGER NOT NULL DEFAULT 0,   -- of them, how many got another verdict than the original
	captures TEXT NOT NULL DEFAULT '',    -- the run's captures: 'none', 'N kept', 'N kept, M missing or altered'
	station TEXT NOT NULL DEFAULT '',
	operator TEXT NOT NULL DEFAULT ''
);
CREATE INDEX judgements_run ON judgements(run_id, created);

-- One row per measurement of the run, as this judgement judged it.
CREATE TABLE judgement_results (
	id INTEGER PRIMARY KEY,
	judgement_id INTEGER NOT NULL REFERENCES judgements(id) ON DELETE CASCADE,
	measurement_id INTEGER REFERENCES measurements(id) ON DELETE CASCADE,
	name TEXT NOT NULL,                   -- the measurement's name
	value REAL,                           -- the value judged (NULL: none)
	unit TEXT NOT NULL DEFAULT '',
	low REAL,                             -- the new limits (NULL: no such bound)
	high REAL,
	verdict TEXT NOT NULL,                -- PASS FAIL ERROR, or '' when no limit of the file judges it
	was TEXT NOT NULL DEFAULT '',         -- the original verdict
	limit_name TEXT NOT NULL DEFAULT '',  -- the limit or mask (with @HZ) that judged it
	limit_at TEXT NOT NULL DEFAULT ''     -- FILE:LINE that defined it
);
CREATE INDEX judgement_results_judgement ON judgement_results(judgement_id);
CREATE INDEX judgement_results_measurement ON judgement_results(measurement_id);
