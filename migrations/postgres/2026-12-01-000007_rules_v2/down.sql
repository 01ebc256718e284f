DROP INDEX checkins_treatment_idx;
CREATE INDEX checkins_treatment_idx ON checkins (treatment_id, observed_at, id) INCLUDE (day, present_symptoms);
ALTER TABLE findings DROP COLUMN superseded_at;
ALTER TABLE findings DROP COLUMN retriaged;
ALTER TABLE findings DROP COLUMN rules_version;
ALTER TABLE treatments DROP COLUMN baseline_systolic_bp;
