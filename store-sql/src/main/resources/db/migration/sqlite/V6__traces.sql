-- Traces (MLflow 3 trace info v3) and their spans (sqlite). Span content is the OTel span as protobuf JSON.
CREATE TABLE traces (
    trace_id           TEXT     NOT NULL PRIMARY KEY,
    experiment_id      INTEGER      NOT NULL,
    client_request_id  TEXT,
    request_time       INTEGER      NOT NULL,
    execution_duration INTEGER,
    state              VARCHAR(20) NOT NULL,
    request_preview    TEXT,
    response_preview   TEXT
) WITHOUT ROWID;
CREATE INDEX traces_experiment_time ON traces (experiment_id, request_time);

CREATE TABLE trace_tags (
    trace_id  TEXT NOT NULL,
    tag_key   TEXT  NOT NULL,
    tag_value TEXT  NOT NULL,
    PRIMARY KEY (trace_id, tag_key)
) WITHOUT ROWID;

CREATE TABLE trace_metadata (
    trace_id       TEXT NOT NULL,
    metadata_key   TEXT  NOT NULL,
    metadata_value TEXT  NOT NULL,
    PRIMARY KEY (trace_id, metadata_key)
) WITHOUT ROWID;

CREATE TABLE spans (
    trace_id       TEXT  NOT NULL,
    span_id        TEXT NOT NULL,
    parent_span_id TEXT,
    name           TEXT   NOT NULL,
    span_type      TEXT,
    status         VARCHAR(20) NOT NULL,
    start_time_ns  INTEGER   NOT NULL,
    end_time_ns    INTEGER,
    input_tokens   INTEGER,
    output_tokens  INTEGER,
    total_tokens   INTEGER,
    content        TEXT   NOT NULL,
    PRIMARY KEY (trace_id, span_id)
) WITHOUT ROWID;
CREATE INDEX spans_trace_start ON spans (trace_id, start_time_ns);

CREATE TABLE trace_run_links (
    trace_id TEXT NOT NULL,
    run_id   TEXT NOT NULL,
    PRIMARY KEY (trace_id, run_id)
) WITHOUT ROWID;
CREATE INDEX trace_run_links_run ON trace_run_links (run_id);
