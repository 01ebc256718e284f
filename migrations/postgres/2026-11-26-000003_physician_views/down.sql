DROP TABLE audit_events;
DROP INDEX checkins_treatment_day_idx;
DROP INDEX alerts_treatment_status_idx;
DROP INDEX alerts_patient_order_idx;
DROP INDEX alerts_order_idx;
ALTER TABLE alerts DROP COLUMN raised_at;
DROP FUNCTION audit_events_append_only();
