-- 008_reanalysis.sql - a judgement that re-analysed the run's captures
-- (`station rejudge`, docs/export.md): which analysis it ran, what it
-- re-analysed and what it could not, and per measurement whether the value
-- judged came from the run as stored or from re-analysing its captures
-- (then the run's own value is kept beside it).  Judgements stored before
-- this version read: no re-analysis.

ALTER TABLE judgements ADD COLUMN analysis INTEGER NOT NULL DEFAULT 0;      -- this station's analysis version (ST_AN_VERSION; 0: before versions)
ALTER TABLE judgements ADD COLUMN run_analysis INTEGER NOT NULL DEFAULT 0;  -- the highest version the run's captures name (0: none named)
ALTER TABLE judgements ADD COLUMN reanalysed TEXT NOT NULL DEFAULT '';      -- steps and captures re-analysed: "anc (step 5): anc-open anc-off anc-on; ..."
ALTER TABLE judgements ADD COLUMN not_reanalysed TEXT NOT NULL DEFAULT '';  -- what could not be, and why ("" none)

ALTER TABLE judgement_results ADD COLUMN source TEXT NOT NULL DEFAULT 'stored'
	CHECK (source IN ('stored', 'reanalysed'));                         -- where `value` came from
ALTER TABLE judgement_results ADD COLUMN stored REAL;                       -- the run's own value (NULL: none)
