-- Names unique per workspace (postgresql), as MLflow 3.5 keys them: experiments by (workspace, name), registered
-- models and everything under them by (workspace, name, ...). Versions, tags and aliases take their model's workspace.
ALTER TABLE experiments DROP CONSTRAINT experiments_name_key;
ALTER TABLE experiments ADD CONSTRAINT experiments_workspace_name UNIQUE (workspace, name);
DROP INDEX experiments_workspace;

ALTER TABLE registered_model_tags ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
ALTER TABLE model_versions ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
ALTER TABLE model_version_tags ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
ALTER TABLE registered_model_aliases ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default';
UPDATE registered_model_tags t SET workspace = m.workspace FROM registered_models m
    WHERE m.name = t.name AND m.workspace <> 'default';
UPDATE model_versions v SET workspace = m.workspace FROM registered_models m
    WHERE m.name = v.name AND m.workspace <> 'default';
UPDATE model_version_tags t SET workspace = m.workspace FROM registered_models m
    WHERE m.name = t.name AND m.workspace <> 'default';
UPDATE registered_model_aliases a SET workspace = m.workspace FROM registered_models m
    WHERE m.name = a.name AND m.workspace <> 'default';

ALTER TABLE registered_models DROP CONSTRAINT registered_models_pkey, ADD PRIMARY KEY (workspace, name);
DROP INDEX registered_models_workspace;
ALTER TABLE registered_model_tags DROP CONSTRAINT registered_model_tags_pkey,
    ADD PRIMARY KEY (workspace, name, tag_key);
ALTER TABLE model_versions DROP CONSTRAINT model_versions_pkey, ADD PRIMARY KEY (workspace, name, version);
ALTER TABLE model_version_tags DROP CONSTRAINT model_version_tags_pkey,
    ADD PRIMARY KEY (workspace, name, version, tag_key);
ALTER TABLE registered_model_aliases DROP CONSTRAINT registered_model_aliases_pkey,
    ADD PRIMARY KEY (workspace, name, alias);

-- Grants on models name their workspace (dev.osprey.store.ModelGrantId): 'workspace:name' outside the default
-- workspace, and 'default:name' for default-workspace names that hold a colon.
ALTER TABLE auth_grants ALTER COLUMN resource_id TYPE VARCHAR(320);
UPDATE auth_grants SET resource_id = 'default:' || resource_id
    WHERE resource_type = 'REGISTERED_MODEL' AND resource_id LIKE '%:%'
      AND resource_id IN (SELECT name FROM registered_models WHERE workspace = 'default');
UPDATE auth_grants g SET resource_id = m.workspace || ':' || g.resource_id FROM registered_models m
    WHERE g.resource_type = 'REGISTERED_MODEL' AND m.name = g.resource_id AND m.workspace <> 'default';
