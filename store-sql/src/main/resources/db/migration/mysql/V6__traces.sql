-- Traces (MLflow 3 trace info v3) and their spans (mysql). Span content is the OTel span as protobuf JSON.
CREATE TABLE traces (
    trace_id           VARCHAR(64)     NOT NULL PRIMARY KEY,
    experiment_id      BIGINT      NOT NULL,
    client_request_id  VARCHAR(250),
    request_time       BIGINT      NOT NULL,
    execution_duration BIGINT,
    state              VARCHAR(20) NOT NULL,
    request_preview    TEXT,
    response_preview   TEXT
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX traces_experiment_time ON traces (experiment_id, request_time);

CREATE TABLE trace_tags (
    trace_id  VARCHAR(64) NOT NULL,
    tag_key   VARCHAR(250)  NOT NULL,
    tag_value VARCHAR(8000)  NOT NULL,
    PRIMARY KEY (trace_id, tag_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE trace_metadata (
    trace_id       VARCHAR(64) NOT NULL,
    metadata_key   VARCHAR(250)  NOT NULL,
    metadata_value VARCHAR(8000)  NOT NULL,
    PRIMARY KEY (trace_id, metadata_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE spans (
    trace_id       VARCHAR(64)  NOT NULL,
    span_id        VARCHAR(32) NOT NULL,
    parent_span_id VARCHAR(32),
    name           TEXT   NOT NULL,
    span_type      VARCHAR(250),
    status         VARCHAR(20) NOT NULL,
    start_time_ns  BIGINT   NOT NULL,
    end_time_ns    BIGINT,
    input_tokens   BIGINT,
    output_tokens  BIGINT,
    total_tokens   BIGINT,
    content        LONGTEXT   NOT NULL,
    PRIMARY KEY (trace_id, span_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX spans_trace_start ON spans (trace_id, start_time_ns);

CREATE TABLE trace_run_links (
    trace_id VARCHAR(64) NOT NULL,
    run_id   VARCHAR(32) NOT NULL,
    PRIMARY KEY (trace_id, run_id),
    KEY trace_run_links_run (run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
