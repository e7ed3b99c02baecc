-- Names unique per workspace (mysql), as MLflow 3.5 keys them: experiments by (workspace, name), registered models
-- and everything under them by (workspace, name, ...). Versions, tags and aliases take their model's workspace.
ALTER TABLE experiments DROP INDEX experiments_name, ADD UNIQUE KEY experiments_workspace_name (workspace, name),
    DROP INDEX experiments_workspace;

ALTER TABLE registered_model_tags ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE model_versions ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE model_version_tags ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default' FIRST;
ALTER TABLE registered_model_aliases ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default' FIRST;
UPDATE registered_model_tags t JOIN registered_models m ON m.name = t.name SET t.workspace = m.workspace
    WHERE m.workspace <> 'default';
UPDATE model_versions v JOIN registered_models m ON m.name = v.name SET v.workspace = m.workspace
    WHERE m.workspace <> 'default';
UPDATE model_version_tags t JOIN registered_models m ON m.name = t.name SET t.workspace = m.workspace
    WHERE m.workspace <> 'default';
UPDATE registered_model_aliases a JOIN registered_models m ON m.name = a.name SET a.workspace = m.workspace
    WHERE m.workspace <> 'default';

ALTER TABLE registered_models DROP PRIMARY KEY, ADD PRIMARY KEY (workspace, name), DROP INDEX registered_models_workspace;
ALTER TABLE registered_model_tags DROP PRIMARY KEY, ADD PRIMARY KEY (workspace, name, tag_key);
ALTER TABLE model_versions DROP PRIMARY KEY, ADD PRIMARY KEY (workspace, name, version);
ALTER TABLE model_version_tags DROP PRIMARY KEY, ADD PRIMARY KEY (workspace, name, version, tag_key);
ALTER TABLE registered_model_aliases DROP PRIMARY KEY, ADD PRIMARY KEY (workspace, name, alias);

-- Grants on models name their workspace (dev.osprey.store.ModelGrantId): 'workspace:name' outside the default
-- workspace, and 'default:name' for default-workspace names that hold a colon.
ALTER TABLE auth_grants MODIFY resource_id VARCHAR(320) NOT NULL;
UPDATE auth_grants g JOIN registered_models m ON m.name = g.resource_id AND m.workspace = 'default'
    SET g.resource_id = CONCAT('default:', g.resource_id)
    WHERE g.resource_type = 'REGISTERED_MODEL' AND g.resource_id LIKE '%:%';
UPDATE auth_grants g JOIN registered_models m ON m.name = g.resource_id AND m.workspace <> 'default'
    SET g.resource_id = CONCAT(m.workspace, ':', g.resource_id)
    WHERE g.resource_type = 'REGISTERED_MODEL';
