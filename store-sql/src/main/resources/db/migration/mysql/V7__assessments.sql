-- Assessments of traces (mysql): feedback and expectations. The body holds the assessment's JSON fields (name, span,
-- source, value, rationale, metadata); the columns are what lookups and the override rules need.
CREATE TABLE assessments (
    assessment_id    VARCHAR(64) NOT NULL PRIMARY KEY,
    trace_id         VARCHAR(64) NOT NULL,
    overrides        VARCHAR(64),
    valid            BOOLEAN NOT NULL,
    create_time      BIGINT  NOT NULL,
    last_update_time BIGINT  NOT NULL,
    body             LONGTEXT  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX assessments_trace ON assessments (trace_id, create_time);
