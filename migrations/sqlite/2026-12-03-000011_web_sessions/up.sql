-- Dashboard sign-ins: the session lives here, behind one HttpOnly cookie
-- that holds a random token; only its SHA-256 is stored, so that a copy of
-- the database signs nobody in. Signing out deletes the row, which ends the
-- session at once; csrf_token guards every state-changing request made
-- with the cookie.
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expiry_idx ON web_sessions (expires_at);
