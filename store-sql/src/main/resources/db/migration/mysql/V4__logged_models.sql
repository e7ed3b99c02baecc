-- MLflow 3 logged models (MySQL / MariaDB). Their metrics are the metric rows carrying their model_id.
CREATE TABLE logged_models (
    model_id          VARCHAR(64)   NOT NULL PRIMARY KEY,
    experiment_id     BIGINT        NOT NULL,
    name              VARCHAR(500)  NOT NULL,
    artifact_location VARCHAR(4096) NOT NULL,
    creation_time     BIGINT        NOT NULL,
    last_updated_time BIGINT        NOT NULL,
    status            INT           NOT NULL,
    status_message    TEXT,
    model_type        VARCHAR(500),
    source_run_id     VARCHAR(32),
    lifecycle_stage   VARCHAR(32)   NOT NULL,
    KEY logged_models_experiment (experiment_id, creation_time, model_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE logged_model_tags (
    model_id  VARCHAR(64)   NOT NULL,
    tag_key   VARCHAR(250)  NOT NULL,
    tag_value VARCHAR(8000) NOT NULL,
    PRIMARY KEY (model_id, tag_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE logged_model_params (
    model_id    VARCHAR(64)  NOT NULL,
    param_key   VARCHAR(255) NOT NULL,
    param_value TEXT         NOT NULL,
    PRIMARY KEY (model_id, param_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE INDEX metrics_model ON metrics (model_id);
