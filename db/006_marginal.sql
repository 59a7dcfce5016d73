-- 006_marginal.sql - a measurement's `marginal` flag: within its limits but
-- close to one (the limit file's margin, docs/limit-format.md).  Runs have
-- reported it in their events (`station run --json`) since the start; from
-- this version the store keeps it.  Rows stored before it read 0 (not
-- known to be marginal).  measurement_results (002_history.sql) is
-- re-created with the column.

ALTER TABLE measurements ADD COLUMN marginal INTEGER NOT NULL DEFAULT 0
	CHECK (marginal IN (0, 1));         -- 1: PASS, but within the margin of a limit

DROP VIEW measurement_results;
CREATE VIEW measurement_results AS
SELECT r.uuid AS run_uuid, r.serial, r.model, r.firmware, r.plan, r.station,
       r.started AS run_started, r.outcome AS run_outcome, r.limits_hash,
       s.idx AS step_idx, s.name AS step, m.name, m.value, m.unit, m.low,
       m.high, m.verdict, m.marginal
FROM measurements m
JOIN runs r ON r.id = m.run_id
LEFT JOIN steps s ON s.id = m.step_id;
