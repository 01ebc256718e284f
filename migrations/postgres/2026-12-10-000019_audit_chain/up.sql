-- The audit chain: every audit row sealed, in order, into a hash chain
-- (seq, prev_hash, hash = SHA-256 over prev_hash and the row in RFC 8785
-- canonical JSON). Rows of audit_events are never updated, so the seals
-- live beside them; event_at copies the row's time for the export's range.
CREATE TABLE audit_chain (
    seq BIGINT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    event_at TIMESTAMP NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    sealed_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_chain_event_at_idx ON audit_chain (event_at, event_id);
CREATE FUNCTION audit_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain is append-only';
END
$$;
CREATE TRIGGER audit_chain_no_change BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();
