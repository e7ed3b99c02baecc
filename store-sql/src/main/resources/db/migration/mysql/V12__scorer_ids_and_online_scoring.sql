-- Scorers (mysql): a scorer's id is stable across its versions, as MLflow's (one id per experiment and name; V10
-- gave each version its own); online scoring configurations, one per scorer.
CREATE TABLE scorer_versions (
    scorer_id         VARCHAR(64)  NOT NULL,
    experiment_id     BIGINT NOT NULL,
    name              VARCHAR(256) NOT NULL,
    version           INTEGER NOT NULL,
    serialized_scorer MEDIUMTEXT NOT NULL,
    creation_time     BIGINT NOT NULL,
    PRIMARY KEY (experiment_id, name, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO scorer_versions (scorer_id, experiment_id, name, version, serialized_scorer, creation_time)
    SELECT (SELECT MIN(o.scorer_id) FROM scorers o WHERE o.experiment_id = s.experiment_id AND o.name = s.name),
           s.experiment_id, s.name, s.version, s.serialized_scorer, s.creation_time
    FROM scorers s;
DROP TABLE scorers;
CREATE INDEX scorer_versions_id ON scorer_versions (scorer_id);
CREATE TABLE online_scoring_configs (
    config_id     VARCHAR(64)  NOT NULL PRIMARY KEY,
    scorer_id     VARCHAR(64)  NOT NULL,
    experiment_id BIGINT NOT NULL,
    name          VARCHAR(256) NOT NULL,
    sample_rate   DOUBLE NOT NULL,
    filter_string MEDIUMTEXT,
    update_time   BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE UNIQUE INDEX online_scoring_configs_scorer ON online_scoring_configs (scorer_id);
