DROP TABLE outbox_events;
DROP TABLE alert_events;
DROP TABLE alert_evidence;
DROP TABLE alerts;
DROP TABLE findings;
DROP TABLE checkin_symptoms;
DROP TABLE checkins;
DROP TABLE treatments;
