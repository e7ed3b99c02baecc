-- Model registry (MySQL / MariaDB). Binary collation: names and tag values compare case-sensitively, as in MLflow.
CREATE TABLE registered_models (
    name              VARCHAR(256)  NOT NULL PRIMARY KEY,
    creation_time     BIGINT        NOT NULL,
    last_updated_time BIGINT        NOT NULL,
    description       VARCHAR(5000),
    KEY registered_models_updated (last_updated_time)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE registered_model_tags (
    name      VARCHAR(256)  NOT NULL,
    tag_key   VARCHAR(250)  NOT NULL,
    tag_value VARCHAR(5000) NOT NULL,
    PRIMARY KEY (name, tag_key),
    KEY registered_model_tags_key_value (tag_key, tag_value(191))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

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
    PRIMARY KEY (name, version),
    KEY model_versions_run (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE model_version_tags (
    name      VARCHAR(256) NOT NULL,
    version   BIGINT       NOT NULL,
    tag_key   VARCHAR(250) NOT NULL,
    tag_value TEXT         NOT NULL,
    PRIMARY KEY (name, version, tag_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE registered_model_aliases (
    name    VARCHAR(256) NOT NULL,
    alias   VARCHAR(256) NOT NULL,
    version BIGINT       NOT NULL,
    PRIMARY KEY (name, alias)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
