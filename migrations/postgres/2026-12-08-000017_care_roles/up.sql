-- Care roles: nurses on care teams, caregivers who report for a patient,
-- and staff accounts an admin can deactivate.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('patient', 'caregiver', 'physician', 'nurse', 'admin'));
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;

-- A code a patient gives a family member; only its SHA-256 is kept.
CREATE TABLE caregiver_invites (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    relationship TEXT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX caregiver_invites_patient_idx ON caregiver_invites (patient_id);

-- Who may report for whom; a revoked link stays, for the record.
CREATE TABLE caregivers (
    patient_id TEXT NOT NULL REFERENCES patients (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    relationship TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    PRIMARY KEY (patient_id, user_id)
);
CREATE INDEX caregivers_user_idx ON caregivers (user_id);

-- The role of whoever recorded a check-in, as it was then.
ALTER TABLE checkins ADD COLUMN recorded_by_role TEXT;
UPDATE checkins
    SET recorded_by_role = (SELECT role FROM users WHERE users.id = checkins.recorded_by);
