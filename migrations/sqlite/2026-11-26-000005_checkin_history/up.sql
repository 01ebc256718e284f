-- The symptoms a check-in reported above 0, on the check-in itself
-- ("swelling=2;redness=1"), so that a treatment's history, read for every
-- new check-in, is one range of one index instead of three row lookups per
-- earlier check-in. checkin_symptoms stays the queryable form.
ALTER TABLE checkins ADD COLUMN present_symptoms TEXT NOT NULL DEFAULT '';
UPDATE checkins SET present_symptoms = COALESCE(
    (SELECT group_concat(s.symptom || '=' || s.severity, ';')
     FROM checkin_symptoms s WHERE s.checkin_id = checkins.id AND s.severity > 0),
    '');
-- The list of a treatment's check-ins and its history, from one index.
DROP INDEX checkins_treatment_idx;
CREATE INDEX checkins_treatment_idx ON checkins (treatment_id, observed_at, id, day, present_symptoms);
