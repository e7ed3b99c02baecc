-- Workspaces (mysql): the workspaces themselves and, on every root resource, the workspace it belongs to. Rows that
-- existed before are in 'default'; children (runs, traces, versions, ...) follow their root.
CREATE TABLE workspaces (
    name                  VARCHAR(63) NOT NULL PRIMARY KEY,
    description           TEXT,
    default_artifact_root TEXT,
    created_at            BIGINT NOT NULL
);
INSERT INTO workspaces (name, description, default_artifact_root, created_at) VALUES ('default', 'The default workspace', NULL, 0);
ALTER TABLE experiments ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
CREATE INDEX experiments_workspace ON experiments (workspace);
ALTER TABLE registered_models ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
CREATE INDEX registered_models_workspace ON registered_models (workspace);
ALTER TABLE gateway_documents ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
CREATE INDEX gateway_documents_workspace ON gateway_documents (workspace, kind);
