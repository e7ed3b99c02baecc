-- Osprey tracking schema (SQLite). Our own design, shaped by the queries we run; see docs/architecture.md.
CREATE TABLE experiments (
    experiment_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT    NOT NULL UNIQUE,
    artifact_location TEXT    NOT NULL,
    lifecycle_stage   TEXT    NOT NULL,
    creation_time     INTEGER NOT NULL,
    last_update_time  INTEGER NOT NULL
);
CREATE INDEX experiments_creation_time ON experiments (creation_time);

CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id),
    tag_key       TEXT    NOT NULL,
    tag_value     TEXT    NOT NULL,
    PRIMARY KEY (experiment_id, tag_key)
) WITHOUT ROWID;

CREATE TABLE runs (
    run_id          TEXT    NOT NULL PRIMARY KEY,
    experiment_id   INTEGER NOT NULL REFERENCES experiments (experiment_id),
    run_name        TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    start_time      INTEGER NOT NULL,
    end_time        INTEGER,
    deleted_time    INTEGER,
    lifecycle_stage TEXT    NOT NULL,
    artifact_uri    TEXT    NOT NULL
);
CREATE INDEX runs_experiment_start ON runs (experiment_id, start_time DESC, run_id);

CREATE TABLE params (
    run_id      TEXT NOT NULL REFERENCES runs (run_id),
    param_key   TEXT NOT NULL,
    param_value TEXT NOT NULL,
    PRIMARY KEY (run_id, param_key)
) WITHOUT ROWID;
CREATE INDEX params_key_value ON params (param_key, param_value);

CREATE TABLE run_tags (
    run_id    TEXT NOT NULL REFERENCES runs (run_id),
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (run_id, tag_key)
) WITHOUT ROWID;

-- Full history; the primary key orders a run's points the way get-history returns them and drops exact replays.
CREATE TABLE metrics (
    run_id         TEXT    NOT NULL,
    metric_key     TEXT    NOT NULL,
    ts             INTEGER NOT NULL,
    step           INTEGER NOT NULL,
    metric_value   REAL    NOT NULL,
    is_nan         INTEGER NOT NULL,
    dataset_name   TEXT,
    dataset_digest TEXT,
    model_id       TEXT,
    PRIMARY KEY (run_id, metric_key, ts, step, metric_value, is_nan)
) WITHOUT ROWID;
CREATE INDEX metrics_by_step ON metrics (run_id, metric_key, step);

-- One row per (run, key): the value GetRun and SearchRuns show, maintained in the writing transaction.
CREATE TABLE latest_metrics (
    run_id       TEXT    NOT NULL,
    metric_key   TEXT    NOT NULL,
    metric_value REAL    NOT NULL,
    ts           INTEGER NOT NULL,
    step         INTEGER NOT NULL,
    is_nan       INTEGER NOT NULL,
    PRIMARY KEY (run_id, metric_key)
) WITHOUT ROWID;
CREATE INDEX latest_metrics_key_value ON latest_metrics (metric_key, metric_value);

CREATE TABLE datasets (
    dataset_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id  INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    digest         TEXT    NOT NULL,
    source_type    TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    dataset_schema TEXT,
    profile        TEXT,
    created_time   INTEGER NOT NULL,
    UNIQUE (experiment_id, name, digest)
);

CREATE TABLE run_dataset_inputs (
    run_id     TEXT    NOT NULL,
    dataset_id INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    PRIMARY KEY (run_id, dataset_id)
) WITHOUT ROWID;
CREATE INDEX run_dataset_inputs_dataset ON run_dataset_inputs (dataset_id);

CREATE TABLE run_dataset_input_tags (
    run_id     TEXT    NOT NULL,
    dataset_id INTEGER NOT NULL,
    tag_key    TEXT    NOT NULL,
    tag_value  TEXT    NOT NULL,
    PRIMARY KEY (run_id, dataset_id, tag_key)
) WITHOUT ROWID;

CREATE TABLE run_model_inputs (
    run_id   TEXT NOT NULL,
    model_id TEXT NOT NULL,
    PRIMARY KEY (run_id, model_id)
) WITHOUT ROWID;

CREATE TABLE run_model_outputs (
    run_id   TEXT    NOT NULL,
    model_id TEXT    NOT NULL,
    step     INTEGER NOT NULL,
    PRIMARY KEY (run_id, model_id, step)
) WITHOUT ROWID;
