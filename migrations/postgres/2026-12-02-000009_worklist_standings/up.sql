-- Where each treatment stands on the worklist, kept up to date in the
-- transaction of every check-in and alert change, so that the worklist is
-- one ordered read of its care team's rows rather than a computation over
-- every alert and check-in. Rows of existing treatments are computed by the
-- service when it starts (db::standings::fill_missing).
CREATE TABLE treatment_standings (
    treatment_id TEXT PRIMARY KEY REFERENCES treatments (id),
    patient_id TEXT NOT NULL REFERENCES patients (id),
    administered_at TIMESTAMP NOT NULL,
    -- Of the open and acknowledged alerts: the highest level rank (0 for
    -- none), when the oldest of them was opened, the one the row shows
    -- (most severe, then oldest) and how many there are.
    worst_rank INTEGER NOT NULL DEFAULT 0,
    waiting_since TIMESTAMP,
    worst_alert_id TEXT,
    open_alerts INTEGER NOT NULL DEFAULT 0,
    -- Alerts not resolved (snoozed ones too): they keep an older treatment
    -- on the worklist.
    active_alerts INTEGER NOT NULL DEFAULT 0,
    last_checkin_at TIMESTAMP,
    -- One bit per scheduled day (domain::schedule::SCHEDULE_DAYS) that has
    -- a check-in; how many scheduled days have passed; how many of those
    -- have none; when the next scheduled day passes.
    done_slots INTEGER NOT NULL DEFAULT 0,
    passed_slots INTEGER NOT NULL DEFAULT 0,
    missed_checkins INTEGER NOT NULL DEFAULT 0,
    recount_at TIMESTAMP
);
CREATE INDEX treatment_standings_patient_idx ON treatment_standings (patient_id);
CREATE INDEX treatment_standings_recount_idx ON treatment_standings (recount_at);
