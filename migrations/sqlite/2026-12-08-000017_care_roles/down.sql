PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
ALTER TABLE checkins DROP COLUMN recorded_by_role;
DROP TABLE caregivers;
DROP TABLE caregiver_invites;
DELETE FROM users WHERE role IN ('caregiver', 'nurse');
CREATE TABLE users_prev (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('patient', 'physician', 'admin')),
    display_name TEXT NOT NULL,
    patient_id TEXT UNIQUE REFERENCES patients (id),
    timezone TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO users_prev
    SELECT id, email, password_hash, role, display_name, patient_id,
           timezone, locale, created_at, updated_at
    FROM users;
DROP TABLE users;
ALTER TABLE users_prev RENAME TO users;
COMMIT;
PRAGMA foreign_keys = ON;
