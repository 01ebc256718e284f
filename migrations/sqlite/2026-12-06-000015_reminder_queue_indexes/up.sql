-- The sender looks only for messages still waiting to be tried. An index
-- of those alone stays as small as the queue: a message leaves it when it
-- is sent or given up, instead of staying beside the waiting ones (on
-- PostgreSQL the claim had come to step over every message already sent).
-- Queries name the predicate exactly as it is written here, so that both
-- planners can use the index.
DROP INDEX reminder_sends_due_idx;
CREATE INDEX reminder_sends_waiting_idx ON reminder_sends (next_attempt_at)
    WHERE status IN ('pending', 'failed');

-- Every minute the scheduler reads the slots already recorded for the
-- local dates that are due, to tell them from the new ones.
CREATE INDEX reminder_slots_due_date_idx ON reminder_slots (due_date);
