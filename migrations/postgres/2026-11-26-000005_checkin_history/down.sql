DROP INDEX checkins_treatment_idx;
CREATE INDEX checkins_treatment_idx ON checkins (treatment_id, observed_at, id);
ALTER TABLE checkins DROP COLUMN present_symptoms;
