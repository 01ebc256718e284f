DROP INDEX refresh_tokens_user_idx;
ALTER TABLE web_sessions DROP COLUMN last_used_at;
ALTER TABLE web_sessions DROP COLUMN user_agent;
ALTER TABLE web_sessions DROP COLUMN amr;
ALTER TABLE refresh_tokens DROP COLUMN user_agent;
ALTER TABLE refresh_tokens DROP COLUMN amr;
DROP TABLE mfa_challenges;
DROP TABLE mfa_recovery_codes;
DROP TABLE mfa_totp;
