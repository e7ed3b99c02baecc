-- Model registry (PostgreSQL). Versions are never reused: a deleted version keeps its row in stage Deleted_Internal.
CREATE TABLE registered_models (
    name              VARCHAR(256) NOT NULL PRIMARY KEY,
    creation_time     BIGINT       NOT NULL,
    last_updated_time BIGINT       NOT NULL,
    description       VARCHAR(5000)
);
CREATE INDEX registered_models_updated ON registered_models (last_updated_time);

CREATE TABLE registered_model_tags (
    name      VARCHAR(256)  NOT NULL,
    tag_key   VARCHAR(250)  NOT NULL,
    tag_value VARCHAR(5000) NOT NULL,
    PRIMARY KEY (name, tag_key)
);
CREATE INDEX registered_model_tags_key_value ON registered_model_tags (tag_key, tag_value);

CREATE TABLE model_versions (
    name              VARCHAR(256)  NOT NULL,
    version           BIGINT        NOT NULL,
    creation_time     BIGINT        NOT NULL,
    last_updated_time BIGINT        NOT NULL,
    description       VARCHAR(5000),
    user_id           VARCHAR(256)  NOT NULL,
    current_stage     VARCHAR(20)   NOT NULL,
    source            TEXT          NOT NULL,
    run_id            VARCHAR(32)   NOT NULL,
    run_link          TEXT          NOT NULL,
    status            VARCHAR(20)   NOT NULL,
    storage_location  TEXT          NOT NULL,
    model_id          VARCHAR(64),
    PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_run ON model_versions (run_id);

CREATE TABLE model_version_tags (
    name      VARCHAR(256) NOT NULL,
    version   BIGINT       NOT NULL,
    tag_key   VARCHAR(250) NOT NULL,
    tag_value TEXT         NOT NULL,
    PRIMARY KEY (name, version, tag_key)
);

CREATE TABLE registered_model_aliases (
    name    VARCHAR(256) NOT NULL,
    alias   VARCHAR(256) NOT NULL,
    version BIGINT       NOT NULL,
    PRIMARY KEY (name, alias)
);
