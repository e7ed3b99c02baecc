-- Model registry (SQLite). Versions are never reused: a deleted version keeps its row in stage Deleted_Internal.
CREATE TABLE registered_models (
    name              TEXT    NOT NULL PRIMARY KEY,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    description       TEXT
) WITHOUT ROWID;
CREATE INDEX registered_models_updated ON registered_models (last_updated_time);

CREATE TABLE registered_model_tags (
    name      TEXT NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (name, tag_key)
) WITHOUT ROWID;
CREATE INDEX registered_model_tags_key_value ON registered_model_tags (tag_key, tag_value);

CREATE TABLE model_versions (
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
    PRIMARY KEY (name, version)
) WITHOUT ROWID;
CREATE INDEX model_versions_run ON model_versions (run_id);

CREATE TABLE model_version_tags (
    name      TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    tag_key   TEXT    NOT NULL,
    tag_value TEXT    NOT NULL,
    PRIMARY KEY (name, version, tag_key)
) WITHOUT ROWID;

CREATE TABLE registered_model_aliases (
    name    TEXT    NOT NULL,
    alias   TEXT    NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias)
) WITHOUT ROWID;
