-- The live event stream (GET /v1/events) reads the outbox in the order its
-- events became visible: stream_seq is given after commit, in batches, by
-- one sequencer at a time (db::outbox::sequence), so that a reader resuming
-- after seq N never misses an event that committed late with an earlier
-- timestamp. The stream's data is the webhook body in its clinical shape.
ALTER TABLE outbox_events ADD COLUMN stream_seq BIGINT;
ALTER TABLE outbox_events ADD COLUMN clinical_payload TEXT;
CREATE UNIQUE INDEX outbox_events_stream_seq_idx ON outbox_events (stream_seq);
CREATE INDEX outbox_events_unsequenced_idx ON outbox_events (created_at, id) WHERE stream_seq IS NULL;
