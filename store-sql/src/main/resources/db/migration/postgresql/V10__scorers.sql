-- Registered scorers (postgresql): one row per (experiment, name, version); the serialized scorer is stored verbatim.
CREATE TABLE scorers (
    scorer_id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    experiment_id     BIGINT NOT NULL,
    name              VARCHAR(256) NOT NULL,
    version           INTEGER NOT NULL,
    serialized_scorer TEXT NOT NULL,
    creation_time     BIGINT NOT NULL
);
CREATE UNIQUE INDEX scorers_version ON scorers (experiment_id, name, version);
