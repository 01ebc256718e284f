-- Evidence flags of clinical rules version 2: a finding made by triaging a
-- check-in again after an earlier one arrived late (retriaged), and a
-- finding the check-in no longer has after such a triage (superseded).
ALTER TABLE alert_evidence ADD COLUMN retriaged BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE alert_evidence ADD COLUMN superseded BOOLEAN NOT NULL DEFAULT 0;
-- Superseding finds a check-in's evidence without a scan.
CREATE INDEX alert_evidence_checkin_idx ON alert_evidence (checkin_id);
