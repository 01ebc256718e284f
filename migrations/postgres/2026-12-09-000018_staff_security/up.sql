-- Two-factor sign-in (TOTP) for staff, and what the sessions list shows.

-- The authenticator's secret, encrypted (AES-256-GCM under a key derived
-- from AFTERCARE_DATA_KEY or the signing secret); pending until
-- confirmed. last_step is the 30-second step of the last code accepted,
-- so that no code signs in twice.
CREATE TABLE mfa_totp (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    secret_sealed TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT
);

-- Single-use recovery codes: only their SHA-256.
CREATE TABLE mfa_recovery_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id);

-- A sign-in whose password was right, waiting for its code: the hash of
-- its single-use token, void after 5 wrong codes or when it expires.
CREATE TABLE mfa_challenges (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    used_at TIMESTAMP
);
CREATE INDEX mfa_challenges_expiry_idx ON mfa_challenges (expires_at);

-- How each session was signed in ('pwd' or 'pwd otp'), from which
-- browser, and when it was last used.
ALTER TABLE refresh_tokens ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE refresh_tokens ADD COLUMN user_agent TEXT;
ALTER TABLE web_sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE web_sessions ADD COLUMN user_agent TEXT;
ALTER TABLE web_sessions ADD COLUMN last_used_at TIMESTAMP;
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id, family_id);
