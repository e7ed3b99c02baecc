-- Names unique per workspace (sqlite), as MLflow 3.5 keys them: experiments by (workspace, name), registered models
-- and everything under them by (workspace, name, ...). SQLite cannot change a key in place, so each table is rebuilt
-- (https://sqlite.org/lang_altertable.html#otheralter); the store runs this migration with foreign keys off and
-- checks them afterwards. Rows keep their ids; versions, tags and aliases take their model's workspace.
CREATE TABLE experiments_v19 (
    experiment_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT    NOT NULL,
    artifact_location TEXT    NOT NULL,
    lifecycle_stage   TEXT    NOT NULL,
    creation_time     INTEGER NOT NULL,
    last_update_time  INTEGER NOT NULL,
    workspace         VARCHAR(63) NOT NULL DEFAULT 'default',
    UNIQUE (workspace, name)
);
INSERT INTO experiments_v19 (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time,
        workspace)
    SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace
    FROM experiments;
-- Ids are never reused: the new table continues the old one's sequence (deleted experiments may lie above the max).
DELETE FROM sqlite_sequence WHERE name = 'experiments_v19';
INSERT INTO sqlite_sequence (name, seq) SELECT 'experiments_v19', seq FROM sqlite_sequence WHERE name = 'experiments';
DROP TABLE experiments;
ALTER TABLE experiments_v19 RENAME TO experiments;
CREATE INDEX experiments_creation_time ON experiments (creation_time);

CREATE TABLE registered_models_v19 (
    workspace         VARCHAR(63) NOT NULL DEFAULT 'default',
    name              TEXT    NOT NULL,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    description       TEXT,
    PRIMARY KEY (workspace, name)
) WITHOUT ROWID;
INSERT INTO registered_models_v19 (workspace, name, creation_time, last_updated_time, description)
    SELECT workspace, name, creation_time, last_updated_time, description FROM registered_models;

CREATE TABLE registered_model_tags_v19 (
    workspace VARCHAR(63) NOT NULL DEFAULT 'default',
    name      TEXT NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (workspace, name, tag_key)
) WITHOUT ROWID;
INSERT INTO registered_model_tags_v19 (workspace, name, tag_key, tag_value)
    SELECT COALESCE((SELECT m.workspace FROM registered_models m WHERE m.name = t.name), 'default'), t.name,
           t.tag_key, t.tag_value
    FROM registered_model_tags t;

CREATE TABLE model_versions_v19 (
    workspace         VARCHAR(63) NOT NULL DEFAULT 'default',
    name              TEXT    NOT NULL,
    version           INTEGER NOT NULL,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    description       TEXT,
    user_id           TEXT    NOT NULL,
    current_stage     TEXT    NOT NULL,
    source            TEXT    NOT NULL,
    run_id            TEXT    NOT NULL,
    run_link          TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    storage_location  TEXT    NOT NULL,
    model_id          TEXT,
    PRIMARY KEY (workspace, name, version)
) WITHOUT ROWID;
INSERT INTO model_versions_v19 (workspace, name, version, creation_time, last_updated_time, description, user_id,
        current_stage, source, run_id, run_link, status, storage_location, model_id)
    SELECT COALESCE((SELECT m.workspace FROM registered_models m WHERE m.name = v.name), 'default'), v.name,
           v.version, v.creation_time, v.last_updated_time, v.description, v.user_id, v.current_stage, v.source,
           v.run_id, v.run_link, v.status, v.storage_location, v.model_id
    FROM model_versions v;

CREATE TABLE model_version_tags_v19 (
    workspace VARCHAR(63) NOT NULL DEFAULT 'default',
    name      TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    tag_key   TEXT    NOT NULL,
    tag_value TEXT    NOT NULL,
    PRIMARY KEY (workspace, name, version, tag_key)
) WITHOUT ROWID;
INSERT INTO model_version_tags_v19 (workspace, name, version, tag_key, tag_value)
    SELECT COALESCE((SELECT m.workspace FROM registered_models m WHERE m.name = t.name), 'default'), t.name,
           t.version, t.tag_key, t.tag_value
    FROM model_version_tags t;

CREATE TABLE registered_model_aliases_v19 (
    workspace VARCHAR(63) NOT NULL DEFAULT 'default',
    name      TEXT    NOT NULL,
    alias     TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    PRIMARY KEY (workspace, name, alias)
) WITHOUT ROWID;
INSERT INTO registered_model_aliases_v19 (workspace, name, alias, version)
    SELECT COALESCE((SELECT m.workspace FROM registered_models m WHERE m.name = a.name), 'default'), a.name,
           a.alias, a.version
    FROM registered_model_aliases a;

-- Grants on models name their workspace (dev.osprey.store.ModelGrantId): 'workspace:name' outside the default
-- workspace, and 'default:name' for default-workspace names that hold a colon. Before the old tables go.
UPDATE auth_grants SET resource_id = 'default:' || resource_id
    WHERE resource_type = 'REGISTERED_MODEL' AND resource_id LIKE '%:%'
      AND resource_id IN (SELECT name FROM registered_models WHERE workspace = 'default');
UPDATE auth_grants SET resource_id = (SELECT m.workspace FROM registered_models m WHERE m.name = auth_grants.resource_id)
        || ':' || resource_id
    WHERE resource_type = 'REGISTERED_MODEL'
      AND resource_id IN (SELECT name FROM registered_models WHERE workspace <> 'default');

DROP TABLE registered_models;
DROP TABLE registered_model_tags;
DROP TABLE model_versions;
DROP TABLE model_version_tags;
DROP TABLE registered_model_aliases;
ALTER TABLE registered_models_v19 RENAME TO registered_models;
ALTER TABLE registered_model_tags_v19 RENAME TO registered_model_tags;
ALTER TABLE model_versions_v19 RENAME TO model_versions;
ALTER TABLE model_version_tags_v19 RENAME TO model_version_tags;
ALTER TABLE registered_model_aliases_v19 RENAME TO registered_model_aliases;
CREATE INDEX registered_models_updated ON registered_models (last_updated_time);
CREATE INDEX registered_model_tags_key_value ON registered_model_tags (tag_key, tag_value);
CREATE INDEX model_versions_run ON model_versions (run_id);
