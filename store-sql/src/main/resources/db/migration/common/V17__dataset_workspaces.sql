-- Evaluation datasets join workspaces (every dialect: the same SQL, so one file). Datasets from before are in 'default'.
ALTER TABLE eval_datasets ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
CREATE INDEX eval_datasets_workspace ON eval_datasets (workspace);
