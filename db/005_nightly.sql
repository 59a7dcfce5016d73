-- 005_nightly.sql - nightly regression of firmware builds on golden units
-- (`station nightly`, docs/nightly.md).  A night is one build tested on a
-- few golden units, each unit's run judged against its own baseline (its
-- last good builds).  Later nights read these rows to know which builds
-- were good: only units judged 'no-change' or 'no-baseline' on a PASS run
-- enter a baseline.

-- One row per night (one `station nightly` invocation).
CREATE TABLE nightly (
	id INTEGER PRIMARY KEY,
	uuid TEXT NOT NULL UNIQUE,            -- RFC 4122 v4, lower case
	started TEXT NOT NULL,                -- ISO 8601 UTC
	ended TEXT,                           -- NULL while running
	firmware TEXT NOT NULL,               -- the build under test (--firmware)
	model TEXT NOT NULL DEFAULT '',
	plan TEXT NOT NULL DEFAULT '',
	station TEXT NOT NULL DEFAULT '',
	baseline_builds INTEGER NOT NULL DEFAULT 5, -- N: builds a baseline spans
	outcome TEXT NOT NULL DEFAULT 'running'
		CHECK (outcome IN ('running', 'no-change', 'regression', 'bench-suspect', 'error')),
	summary TEXT NOT NULL DEFAULT ''      -- one line: what changed
);
CREATE INDEX nightly_started ON nightly(started);

-- One row per golden unit of a night.
CREATE TABLE nightly_units (
	id INTEGER PRIMARY KEY,
	nightly_id INTEGER NOT NULL REFERENCES nightly(id) ON DELETE CASCADE,
	serial TEXT NOT NULL,
	run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL, -- NULL: the unit never ran
	status TEXT NOT NULL
		CHECK (status IN ('no-change', 'no-baseline', 'regression', 'bench-suspect', 'error')),
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX nightly_units_serial ON nightly_units(serial);
CREATE INDEX nightly_units_run ON nightly_units(run_id);

-- One row per measurement of a unit that was not simply "same" (changed,
-- no baseline, out of limits, bench suspect): what the report marks.
CREATE TABLE nightly_changes (
	id INTEGER PRIMARY KEY,
	unit_id INTEGER NOT NULL REFERENCES nightly_units(id) ON DELETE CASCADE,
	key TEXT NOT NULL,                    -- "STEP/NAME" (docs/nightly.md)
	name TEXT NOT NULL,                   -- measurement name
	unit TEXT NOT NULL DEFAULT '',
	value REAL,                           -- tonight's value
	baseline REAL,                        -- median of the baseline (NULL: none)
	spread REAL,                          -- its robust spread
	n INTEGER NOT NULL DEFAULT 0,         -- builds in the baseline
	threshold REAL,                       -- threshold used (NULL: not compared)
	change REAL,                          -- value - baseline
	verdict TEXT NOT NULL                 -- regression bench-suspect out-of-limits no-baseline ...
);
CREATE INDEX nightly_changes_unit ON nightly_changes(unit_id);
