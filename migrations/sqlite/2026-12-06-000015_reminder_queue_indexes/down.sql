DROP INDEX reminder_slots_due_date_idx;
DROP INDEX reminder_sends_waiting_idx;
CREATE INDEX reminder_sends_due_idx ON reminder_sends (status, next_attempt_at);
