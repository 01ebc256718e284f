-- Browsers' Web Push subscriptions (POST /v1/me/push-subscriptions), at
-- most 10 per user; a 404 or 410 from the push service removes one. auth
-- is the secret the browser shares with the service for the payload's
-- encryption: it is never shown again.
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    expiration_time BIGINT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX push_subscriptions_user_endpoint_idx ON push_subscriptions (user_id, endpoint);
