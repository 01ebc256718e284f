-- The physician's views: when an alert reached its level (for overdue
-- timing), indexes behind the worklist, alert list and timeline, and the
-- append-only audit trail.
ALTER TABLE alerts ADD COLUMN raised_at TIMESTAMP;
UPDATE alerts SET raised_at = created_at;
CREATE INDEX alerts_order_idx ON alerts (level_rank DESC, created_at, id);
CREATE INDEX alerts_patient_order_idx ON alerts (patient_id, level_rank DESC, created_at, id);
CREATE INDEX alerts_treatment_status_idx ON alerts (treatment_id, status, level_rank);
CREATE INDEX checkins_treatment_day_idx ON checkins (treatment_id, day);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    request_id TEXT
);
CREATE INDEX audit_events_at_idx ON audit_events (at, id);
CREATE INDEX audit_events_patient_idx ON audit_events (patient_id, at, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, at, id);
-- Nobody, not even a bug in this service, rewrites the audit trail.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
