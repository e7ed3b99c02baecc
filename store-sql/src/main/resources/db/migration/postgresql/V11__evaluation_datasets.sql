-- Evaluation datasets (postgresql): datasets, their tags and experiment links, and records keyed by a hash of their inputs.
CREATE TABLE eval_datasets (
    dataset_id       VARCHAR(64)  NOT NULL PRIMARY KEY,
    name             VARCHAR(500) NOT NULL,
    schema_json      TEXT,
    profile_json     TEXT,
    digest           VARCHAR(64)  NOT NULL,
    created_time     BIGINT NOT NULL,
    last_update_time BIGINT NOT NULL,
    created_by       VARCHAR(256),
    last_updated_by  VARCHAR(256)
);
CREATE INDEX eval_datasets_created ON eval_datasets (created_time);
CREATE TABLE eval_dataset_tags (
    dataset_id VARCHAR(64)  NOT NULL,
    tag_key    VARCHAR(250) NOT NULL,
    tag_value  VARCHAR(5000),
    PRIMARY KEY (dataset_id, tag_key)
);
CREATE TABLE eval_dataset_experiments (
    dataset_id    VARCHAR(64) NOT NULL,
    experiment_id BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, experiment_id)
);
CREATE INDEX eval_dataset_experiments_experiment ON eval_dataset_experiments (experiment_id);
CREATE TABLE eval_dataset_records (
    record_id         VARCHAR(64) NOT NULL PRIMARY KEY,
    dataset_id        VARCHAR(64) NOT NULL,
    seq               BIGINT NOT NULL,
    inputs_key        VARCHAR(64) NOT NULL,
    inputs_json       TEXT NOT NULL,
    expectations_json TEXT NOT NULL,
    outputs_json      TEXT,
    tags_json         TEXT NOT NULL,
    source_json       TEXT,
    source_id         VARCHAR(256),
    source_type       VARCHAR(32) NOT NULL,
    created_time      BIGINT NOT NULL,
    last_update_time  BIGINT NOT NULL,
    created_by        VARCHAR(256),
    last_updated_by   VARCHAR(256)
);
CREATE UNIQUE INDEX eval_dataset_records_inputs ON eval_dataset_records (dataset_id, inputs_key);
CREATE INDEX eval_dataset_records_seq ON eval_dataset_records (dataset_id, seq);
