-- MLflow 3 logged models (PostgreSQL). Their metrics are the metric rows carrying their model_id.
CREATE TABLE logged_models (
    model_id          VARCHAR(64)   NOT NULL PRIMARY KEY,
    experiment_id     BIGINT        NOT NULL,
    name              VARCHAR(500)  NOT NULL,
    artifact_location VARCHAR(4096) NOT NULL,
    creation_time     BIGINT        NOT NULL,
    last_updated_time BIGINT        NOT NULL,
    status            INTEGER       NOT NULL,
    status_message    TEXT,
    model_type        VARCHAR(500),
    source_run_id     VARCHAR(32),
    lifecycle_stage   VARCHAR(32)   NOT NULL
);
CREATE INDEX logged_models_experiment ON logged_models (experiment_id, creation_time DESC, model_id);

CREATE TABLE logged_model_tags (
    model_id  VARCHAR(64)   NOT NULL,
    tag_key   VARCHAR(250)  NOT NULL,
    tag_value VARCHAR(8000) NOT NULL,
    PRIMARY KEY (model_id, tag_key)
);

CREATE TABLE logged_model_params (
    model_id    VARCHAR(64)  NOT NULL,
    param_key   VARCHAR(255) NOT NULL,
    param_value TEXT         NOT NULL,
    PRIMARY KEY (model_id, param_key)
);

CREATE INDEX metrics_model ON metrics (model_id) WHERE model_id IS NOT NULL;
