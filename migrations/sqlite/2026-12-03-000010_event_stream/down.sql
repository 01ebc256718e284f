DROP INDEX outbox_events_unsequenced_idx;
DROP INDEX outbox_events_stream_seq_idx;
ALTER TABLE outbox_events DROP COLUMN clinical_payload;
ALTER TABLE outbox_events DROP COLUMN stream_seq;
