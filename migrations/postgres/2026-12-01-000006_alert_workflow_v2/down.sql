DROP INDEX alert_evidence_checkin_idx;
ALTER TABLE alert_evidence DROP COLUMN superseded;
ALTER TABLE alert_evidence DROP COLUMN retriaged;
