-- Assessments of traces (sqlite): feedback and expectations. The body holds the assessment's JSON fields (name, span,
-- source, value, rationale, metadata); the columns are what lookups and the override rules need.
CREATE TABLE assessments (
    assessment_id    TEXT NOT NULL PRIMARY KEY,
    trace_id         TEXT NOT NULL,
    overrides        TEXT,
    valid            INTEGER NOT NULL,
    create_time      INTEGER  NOT NULL,
    last_update_time INTEGER  NOT NULL,
    body             TEXT  NOT NULL
) WITHOUT ROWID;
CREATE INDEX assessments_trace ON assessments (trace_id, create_time);
