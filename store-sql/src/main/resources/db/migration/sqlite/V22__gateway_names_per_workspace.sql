-- Gateway names unique per workspace (MLflow 3.5): two workspaces may each have an endpoint, secret or model
-- definition called the same; calls find them by name in their own workspace.
DROP INDEX gateway_documents_name;
CREATE UNIQUE INDEX gateway_documents_name ON gateway_documents (kind, workspace, name);
