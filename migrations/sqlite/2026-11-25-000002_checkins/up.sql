-- Treatments, check-ins with their symptoms and findings, alerts with
-- their evidence and history, and the outbox of alert events.
CREATE TABLE treatments (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    physician_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    sites TEXT NOT NULL,
    product TEXT NOT NULL,
    lot TEXT,
    administered_at TIMESTAMP NOT NULL,
    cancer_treatment BOOLEAN NOT NULL,
    pregnant BOOLEAN NOT NULL,
    breastfeeding BOOLEAN NOT NULL,
    planning_pregnancy BOOLEAN NOT NULL,
    override_reason TEXT,
    warnings TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX treatments_patient_idx ON treatments (patient_id, administered_at, id);
CREATE INDEX treatments_administered_idx ON treatments (administered_at);

CREATE TABLE checkins (
    id TEXT PRIMARY KEY NOT NULL,
    treatment_id TEXT NOT NULL REFERENCES treatments (id),
    patient_id TEXT NOT NULL REFERENCES patients (id),
    client_id TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    day INTEGER NOT NULL,
    observed_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    glucose_value DOUBLE PRECISION,
    glucose_unit TEXT,
    glucose_mg_dl DOUBLE PRECISION,
    systolic_bp DOUBLE PRECISION,
    temperature_c DOUBLE PRECISION,
    missed_normal_activities BOOLEAN,
    missed_work BOOLEAN,
    medical_care TEXT,
    note TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    triage_level TEXT NOT NULL,
    response TEXT NOT NULL,
    UNIQUE (patient_id, client_id)
);
CREATE INDEX checkins_treatment_idx ON checkins (treatment_id, observed_at, id);

CREATE TABLE checkin_symptoms (
    checkin_id TEXT NOT NULL REFERENCES checkins (id),
    symptom TEXT NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4),
    PRIMARY KEY (checkin_id, symptom)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    checkin_id TEXT NOT NULL REFERENCES checkins (id),
    rule TEXT NOT NULL,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL
);
CREATE INDEX findings_checkin_idx ON findings (checkin_id);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    treatment_id TEXT NOT NULL REFERENCES treatments (id),
    rule TEXT NOT NULL,
    level TEXT NOT NULL,
    level_rank INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at TIMESTAMP,
    snoozed_until TIMESTAMP,
    snooze_reason TEXT,
    resolved_by TEXT,
    resolved_at TIMESTAMP,
    resolution_outcome TEXT,
    resolution_note TEXT,
    overdue_notified_at TIMESTAMP
);
-- One active (not resolved) alert per treatment and rule.
CREATE UNIQUE INDEX alerts_active_key ON alerts (treatment_id, rule) WHERE status <> 'resolved';
CREATE INDEX alerts_patient_idx ON alerts (patient_id, created_at);
CREATE INDEX alerts_status_idx ON alerts (status, level_rank, created_at, id);

CREATE TABLE alert_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    checkin_id TEXT REFERENCES checkins (id),
    observed_at TIMESTAMP NOT NULL,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX alert_evidence_alert_idx ON alert_evidence (alert_id, observed_at);

CREATE TABLE alert_events (
    id TEXT PRIMARY KEY NOT NULL,
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    action TEXT NOT NULL,
    actor_id TEXT,
    from_status TEXT,
    to_status TEXT NOT NULL,
    level TEXT NOT NULL,
    detail TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, at);

CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    patient_id TEXT NOT NULL,
    treatment_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    dispatched_at TIMESTAMP
);
CREATE INDEX outbox_events_pending_idx ON outbox_events (dispatched_at, created_at);
