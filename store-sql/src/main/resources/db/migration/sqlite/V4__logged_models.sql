-- MLflow 3 logged models (SQLite). Their metrics are the metric rows carrying their model_id.
CREATE TABLE logged_models (
    model_id          TEXT    NOT NULL PRIMARY KEY,
    experiment_id     INTEGER NOT NULL,
    name              TEXT    NOT NULL,
    artifact_location TEXT    NOT NULL,
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    status            INTEGER NOT NULL,
    status_message    TEXT,
    model_type        TEXT,
    source_run_id     TEXT,
    lifecycle_stage   TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX logged_models_experiment ON logged_models (experiment_id, creation_time DESC, model_id);

CREATE TABLE logged_model_tags (
    model_id  TEXT NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (model_id, tag_key)
) WITHOUT ROWID;

CREATE TABLE logged_model_params (
    model_id    TEXT NOT NULL,
    param_key   TEXT NOT NULL,
    param_value TEXT NOT NULL,
    PRIMARY KEY (model_id, param_key)
) WITHOUT ROWID;

CREATE INDEX metrics_model ON metrics (model_id) WHERE model_id IS NOT NULL;
