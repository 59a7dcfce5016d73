-- 004_sync.sql - which runs this station has sent to which central fleet
-- database (`station sync`, docs/fleet.md).  A run is recorded here only
-- after the central database committed it; the central side is keyed by the
-- run's uuid, so a run sent but not yet recorded (a sync killed between the
-- two commits) is recognised and not stored twice.

CREATE TABLE sync_log (
	run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	fleet_id TEXT NOT NULL,               -- the central database's fleet_meta.fleet_id
	synced TEXT NOT NULL,                 -- ISO 8601 UTC
	PRIMARY KEY (run_id, fleet_id)
);
