-- Evaluation datasets (mysql): datasets, their tags and experiment links, and records keyed by a hash of their inputs.
CREATE TABLE eval_datasets (
    dataset_id       VARCHAR(64)  NOT NULL PRIMARY KEY,
    name             VARCHAR(500) NOT NULL,
    schema_json      MEDIUMTEXT,
    profile_json     MEDIUMTEXT,
    digest           VARCHAR(64)  NOT NULL,
    created_time     BIGINT NOT NULL,
    last_update_time BIGINT NOT NULL,
    created_by       VARCHAR(256),
    last_updated_by  VARCHAR(256)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX eval_datasets_created ON eval_datasets (created_time);
CREATE TABLE eval_dataset_tags (
    dataset_id VARCHAR(64)  NOT NULL,
    tag_key    VARCHAR(250) NOT NULL,
    tag_value  VARCHAR(5000),
    PRIMARY KEY (dataset_id, tag_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE eval_dataset_experiments (
    dataset_id    VARCHAR(64) NOT NULL,
    experiment_id BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, experiment_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX eval_dataset_experiments_experiment ON eval_dataset_experiments (experiment_id);
CREATE TABLE eval_dataset_records (
    record_id         VARCHAR(64) NOT NULL PRIMARY KEY,
    dataset_id        VARCHAR(64) NOT NULL,
    seq               BIGINT NOT NULL,
    inputs_key        VARCHAR(64) NOT NULL,
    inputs_json       MEDIUMTEXT NOT NULL,
    expectations_json MEDIUMTEXT NOT NULL,
    outputs_json      MEDIUMTEXT,
    tags_json         MEDIUMTEXT NOT NULL,
    source_json       MEDIUMTEXT,
    source_id         VARCHAR(256),
    source_type       VARCHAR(32) NOT NULL,
    created_time      BIGINT NOT NULL,
    last_update_time  BIGINT NOT NULL,
    created_by        VARCHAR(256),
    last_updated_by   VARCHAR(256)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE UNIQUE INDEX eval_dataset_records_inputs ON eval_dataset_records (dataset_id, inputs_key);
CREATE INDEX eval_dataset_records_seq ON eval_dataset_records (dataset_id, seq);
