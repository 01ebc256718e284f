-- Photos of the treated site, at most four per check-in. The image itself
-- is in the media store (AFTERCARE_MEDIA_STORE) under photos/{id}.jpg and
-- photos/{id}.thumb.jpg, written before the row is committed. upload_sha256
-- is the hash of the bytes as sent (the same photo sent twice is stored
-- once); sha256 that of the stored, re-encoded image.
CREATE TABLE photos (
    id TEXT PRIMARY KEY,
    checkin_id TEXT NOT NULL REFERENCES checkins (id),
    patient_id TEXT NOT NULL REFERENCES patients (id),
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    thumb_width INTEGER NOT NULL,
    thumb_height INTEGER NOT NULL,
    upload_sha256 TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    idempotency_key TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX photos_checkin_upload_idx ON photos (checkin_id, upload_sha256);
CREATE UNIQUE INDEX photos_checkin_idempotency_idx ON photos (checkin_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX photos_patient_idx ON photos (patient_id, created_at);
