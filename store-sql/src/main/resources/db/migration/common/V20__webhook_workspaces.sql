-- Webhooks join workspaces (every dialect: the same SQL, so one file). Webhooks from before are in 'default'; each
-- hears only its own workspace's events.
ALTER TABLE webhooks ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
CREATE INDEX webhooks_workspace ON webhooks (workspace, creation_time, webhook_id);
