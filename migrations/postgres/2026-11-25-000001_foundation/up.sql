-- Accounts, patients, care teams, invites and refresh tokens.
CREATE TABLE patients (
    id TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    birth_year INTEGER,
    timezone TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX patients_created_at_idx ON patients (created_at, id);

CREATE TABLE users (
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

CREATE TABLE care_team_members (
    patient_id TEXT NOT NULL REFERENCES patients (id),
    physician_id TEXT NOT NULL REFERENCES users (id),
    added_by TEXT,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (patient_id, physician_id)
);
CREATE INDEX care_team_members_physician_idx ON care_team_members (physician_id, patient_id);

CREATE TABLE invites (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    code_hash TEXT NOT NULL UNIQUE,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    voided_at TIMESTAMP
);
CREATE INDEX invites_patient_idx ON invites (patient_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    spent_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP
);

CREATE TABLE service_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
