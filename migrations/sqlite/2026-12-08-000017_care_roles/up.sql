-- Care roles: nurses on care teams, caregivers who report for a patient,
-- and staff accounts an admin can deactivate.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE users_next (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL
        CHECK (role IN ('patient', 'caregiver', 'physician', 'nurse', 'admin')),
    display_name TEXT NOT NULL,
    patient_id TEXT UNIQUE REFERENCES patients (id),
    timezone TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deactivated_at TIMESTAMP
);
INSERT INTO users_next (id, email, password_hash, role, display_name, patient_id,
                        timezone, locale, created_at, updated_at)
    SELECT id, email, password_hash, role, display_name, patient_id,
           timezone, locale, created_at, updated_at
    FROM users;
DROP TABLE users;
ALTER TABLE users_next RENAME TO users;

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
COMMIT;
PRAGMA foreign_keys = ON;
