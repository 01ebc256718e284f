-- Reminders of scheduled check-ins. A slot is one (treatment, day) whose
-- reminder came due; it is recorded once, by whichever replica got there
-- first, and in the same transaction its messages are queued: one row per
-- channel (web_push, email), leased and retried like webhook deliveries,
-- and the checkin.due webhook deliveries. Nothing is sent that was not
-- recorded here first, so no slot is reminded twice.
CREATE TABLE reminder_slots (
    treatment_id TEXT NOT NULL REFERENCES treatments (id),
    day INTEGER NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    -- The local date of the day, YYYY-MM-DD.
    due_date TEXT NOT NULL,
    queued_at TIMESTAMP NOT NULL,
    PRIMARY KEY (treatment_id, day)
);

CREATE TABLE reminder_sends (
    id TEXT PRIMARY KEY,
    treatment_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    -- pending, failed (to be retried), sent, skipped (the day was done
    -- first), expired (the local day ended first) or dead (retries spent).
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- The end of the patient's local day: nothing is sent later.
    expires_at TIMESTAMP NOT NULL,
    leased_until TIMESTAMP,
    lease_owner TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    UNIQUE (treatment_id, day, channel),
    FOREIGN KEY (treatment_id, day) REFERENCES reminder_slots (treatment_id, day)
);
CREATE INDEX reminder_sends_due_idx ON reminder_sends (status, next_attempt_at);
