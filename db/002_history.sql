-- 002_history.sql - indexes for `station history` (by serial, by time, runs
-- left running) and read-only views for querying with the sqlite3 CLI
-- (examples in docs/store.md).

CREATE INDEX runs_started ON runs(started);
CREATE INDEX runs_serial_started ON runs(serial, started);
CREATE INDEX runs_running ON runs(host) WHERE outcome = 'running';

-- Every run with its step counts: one row per run.
CREATE VIEW run_summary AS
SELECT r.id, r.uuid, r.serial, r.model, r.firmware, r.plan, r.station,
       r.operator, r.started, r.ended, r.outcome, r.disposition, r.reason,
       r.limits_hash,
       (SELECT count(*) FROM steps s WHERE s.run_id = r.id) AS steps,
       (SELECT count(*) FROM steps s WHERE s.run_id = r.id AND s.verdict = 'FAIL') AS steps_failed,
       (SELECT count(*) FROM steps s WHERE s.run_id = r.id AND s.verdict IN ('ERROR', 'ABORTED')) AS steps_errored
FROM runs r;

-- Every measurement with the run and step it belongs to: one flat row each,
-- ready for `.mode csv` export.
CREATE VIEW measurement_results AS
SELECT r.uuid AS run_uuid, r.serial, r.model, r.firmware, r.plan, r.station,
       r.started AS run_started, r.outcome AS run_outcome, r.limits_hash,
       s.idx AS step_idx, s.name AS step, m.name, m.value, m.unit, m.low,
       m.high, m.verdict
FROM measurements m
JOIN runs r ON r.id = m.run_id
LEFT JOIN steps s ON s.id = m.step_id;

-- The latest run of every unit.
CREATE VIEW unit_latest AS
SELECT u.serial, u.model, u.first_seen, u.last_seen,
       (SELECT count(*) FROM runs r WHERE r.serial = u.serial) AS runs,
       r.uuid AS last_run, r.plan AS last_plan, r.outcome AS last_outcome,
       r.disposition AS last_disposition
FROM units u
LEFT JOIN runs r ON r.id = (SELECT r2.id FROM runs r2 WHERE r2.serial = u.serial
			    ORDER BY r2.started DESC, r2.id DESC LIMIT 1);
