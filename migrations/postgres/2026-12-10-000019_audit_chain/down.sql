DROP TABLE audit_chain;
DROP FUNCTION audit_chain_append_only();
