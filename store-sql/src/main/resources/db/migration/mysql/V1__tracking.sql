-- Osprey tracking schema (MySQL / MariaDB). Binary collation: MLflow's = and LIKE are case-sensitive everywhere.
CREATE TABLE experiments (
    experiment_id     BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name              VARCHAR(500)  NOT NULL,
    artifact_location VARCHAR(4096) NOT NULL,
    lifecycle_stage   VARCHAR(32)   NOT NULL,
    creation_time     BIGINT        NOT NULL,
    last_update_time  BIGINT        NOT NULL,
    UNIQUE KEY experiments_name (name),
    KEY experiments_creation_time (creation_time)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE experiment_tags (
    experiment_id BIGINT        NOT NULL,
    tag_key       VARCHAR(250)  NOT NULL,
    tag_value     VARCHAR(5000) NOT NULL,
    PRIMARY KEY (experiment_id, tag_key),
    FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE runs (
    run_id          VARCHAR(32)  NOT NULL PRIMARY KEY,
    experiment_id   BIGINT       NOT NULL,
    run_name        TEXT         NOT NULL,
    user_id         VARCHAR(256) NOT NULL,
    status          VARCHAR(20)  NOT NULL,
    start_time      BIGINT       NOT NULL,
    end_time        BIGINT,
    deleted_time    BIGINT,
    lifecycle_stage VARCHAR(32)  NOT NULL,
    artifact_uri    TEXT         NOT NULL,
    KEY runs_experiment_start (experiment_id, start_time DESC, run_id),
    FOREIGN KEY (experiment_id) REFERENCES experiments (experiment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE params (
    run_id      VARCHAR(32)   NOT NULL,
    param_key   VARCHAR(250)  NOT NULL,
    param_value VARCHAR(6000) NOT NULL,
    PRIMARY KEY (run_id, param_key),
    KEY params_key_value (param_key, param_value(200)),
    FOREIGN KEY (run_id) REFERENCES runs (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE run_tags (
    run_id    VARCHAR(32)  NOT NULL,
    tag_key   VARCHAR(250) NOT NULL,
    tag_value TEXT         NOT NULL,
    PRIMARY KEY (run_id, tag_key),
    FOREIGN KEY (run_id) REFERENCES runs (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE metrics (
    run_id         VARCHAR(32)  NOT NULL,
    metric_key     VARCHAR(250) NOT NULL,
    ts             BIGINT       NOT NULL,
    step           BIGINT       NOT NULL,
    metric_value   DOUBLE       NOT NULL,
    is_nan         BOOLEAN      NOT NULL,
    dataset_name   VARCHAR(500),
    dataset_digest VARCHAR(36),
    model_id       VARCHAR(64),
    PRIMARY KEY (run_id, metric_key, ts, step, metric_value, is_nan),
    KEY metrics_by_step (run_id, metric_key, step)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE latest_metrics (
    run_id       VARCHAR(32)  NOT NULL,
    metric_key   VARCHAR(250) NOT NULL,
    metric_value DOUBLE       NOT NULL,
    ts           BIGINT       NOT NULL,
    step         BIGINT       NOT NULL,
    is_nan       BOOLEAN      NOT NULL,
    PRIMARY KEY (run_id, metric_key),
    KEY latest_metrics_key_value (metric_key, metric_value)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE datasets (
    dataset_id     BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    experiment_id  BIGINT       NOT NULL,
    name           VARCHAR(500) NOT NULL,
    digest         VARCHAR(36)  NOT NULL,
    source_type    VARCHAR(36)  NOT NULL,
    source         TEXT         NOT NULL,
    dataset_schema MEDIUMTEXT,
    profile        MEDIUMTEXT,
    created_time   BIGINT       NOT NULL,
    UNIQUE KEY datasets_identity (experiment_id, name(200), digest)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE run_dataset_inputs (
    run_id     VARCHAR(32) NOT NULL,
    dataset_id BIGINT      NOT NULL,
    created    BIGINT      NOT NULL,
    PRIMARY KEY (run_id, dataset_id),
    KEY run_dataset_inputs_dataset (dataset_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE run_dataset_input_tags (
    run_id     VARCHAR(32)  NOT NULL,
    dataset_id BIGINT       NOT NULL,
    tag_key    VARCHAR(255) NOT NULL,
    tag_value  VARCHAR(500) NOT NULL,
    PRIMARY KEY (run_id, dataset_id, tag_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE run_model_inputs (
    run_id   VARCHAR(32) NOT NULL,
    model_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (run_id, model_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE run_model_outputs (
    run_id   VARCHAR(32) NOT NULL,
    model_id VARCHAR(64) NOT NULL,
    step     BIGINT      NOT NULL,
    PRIMARY KEY (run_id, model_id, step)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
