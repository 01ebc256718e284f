-- What a webhook body carries: `minimal` (identifiers, level and status)
-- or `clinical` (also the rule). Endpoints that existed before keep the
-- body they were built against; new ones are created minimal.
ALTER TABLE webhook_endpoints ADD COLUMN payload TEXT NOT NULL DEFAULT 'clinical';
