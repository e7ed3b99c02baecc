-- Gateway usage per workspace (every dialect: the same SQL, so one file): each call is recorded with its endpoint's
-- workspace, so a workspace's usage and budgets count its own calls. Calls recorded before are the default one's.
ALTER TABLE gateway_usage ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
CREATE INDEX gateway_usage_workspace ON gateway_usage (workspace, timestamp_ms);
