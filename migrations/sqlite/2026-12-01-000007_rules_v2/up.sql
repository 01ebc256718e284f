-- Clinical rules version 2: the treatment's baseline blood pressure, and
-- findings that say which rules made them, whether a late check-in made
-- them by triaging this one again, and when they stopped being current.
ALTER TABLE treatments ADD COLUMN baseline_systolic_bp INTEGER;
ALTER TABLE findings ADD COLUMN rules_version TEXT NOT NULL DEFAULT '1';
ALTER TABLE findings ADD COLUMN retriaged BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN superseded_at TIMESTAMP;
-- The history (now with the blood pressure the allergic patterns need and
-- the arrival time that orders ties) from one index range.
DROP INDEX checkins_treatment_idx;
CREATE INDEX checkins_treatment_idx ON checkins (treatment_id, observed_at, id, day, present_symptoms, received_at, systolic_bp);
