-- Issues (sqlite, MLflow 3.11): problems found in an experiment's traces. Root causes and categories are JSON
-- arrays of strings; traces are linked to an issue by assessments whose "issue" names it.
CREATE TABLE issues (
    issue_id               VARCHAR(64)  NOT NULL PRIMARY KEY,
    experiment_id          INTEGER      NOT NULL,
    name                   VARCHAR(255) NOT NULL,
    description            TEXT         NOT NULL,
    status                 VARCHAR(32)  NOT NULL,
    severity               VARCHAR(32),
    root_causes            TEXT         NOT NULL,
    source_run_id          VARCHAR(32),
    categories             TEXT         NOT NULL,
    created_by             VARCHAR(255),
    created_timestamp      INTEGER      NOT NULL,
    last_updated_timestamp INTEGER      NOT NULL
);
CREATE INDEX issues_experiment ON issues (experiment_id, created_timestamp);
