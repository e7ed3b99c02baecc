-- Server jobs (postgresql), such as evaluations: what to do (params, JSON), where they are, how far they got; unfinished
-- ones are resumed when the server starts.
CREATE TABLE jobs (
    job_id        VARCHAR(64) NOT NULL PRIMARY KEY,
    kind          VARCHAR(64) NOT NULL,
    experiment_id BIGINT NOT NULL,
    run_id        VARCHAR(32),
    status        VARCHAR(32) NOT NULL,
    params_json   TEXT NOT NULL,
    completed     BIGINT NOT NULL,
    total         BIGINT NOT NULL,
    result_json   TEXT,
    error_message TEXT,
    created_time  BIGINT NOT NULL,
    updated_time  BIGINT NOT NULL
);
CREATE INDEX jobs_experiment ON jobs (experiment_id, created_time);
CREATE INDEX jobs_status ON jobs (status);
