-- Spans move from a WITHOUT ROWID table keyed by (trace_id, span_id) to a rowid table with that key as a unique
-- index. Trace ids are random, so in the keyed table every new span's whole row (its JSON content included) went to
-- a random place in one large B-tree; now rows are appended and only the small key index takes random inserts.
-- TRC-1 (docs/benchmarks.md, session 12) measured the difference.
CREATE TABLE spans_by_rowid (
    trace_id       TEXT    NOT NULL,
    span_id        TEXT    NOT NULL,
    parent_span_id TEXT,
    name           TEXT    NOT NULL,
    span_type      TEXT,
    status         VARCHAR(20) NOT NULL,
    start_time_ns  INTEGER NOT NULL,
    end_time_ns    INTEGER,
    input_tokens   INTEGER,
    output_tokens  INTEGER,
    total_tokens   INTEGER,
    content        TEXT    NOT NULL,
    input_cost     REAL,
    output_cost    REAL,
    total_cost     REAL
);
INSERT INTO spans_by_rowid (trace_id, span_id, parent_span_id, name, span_type, status, start_time_ns, end_time_ns,
    input_tokens, output_tokens, total_tokens, content, input_cost, output_cost, total_cost)
SELECT trace_id, span_id, parent_span_id, name, span_type, status, start_time_ns, end_time_ns, input_tokens,
    output_tokens, total_tokens, content, input_cost, output_cost, total_cost FROM spans ORDER BY trace_id, start_time_ns;
DROP TABLE spans;
ALTER TABLE spans_by_rowid RENAME TO spans;
CREATE UNIQUE INDEX spans_key ON spans (trace_id, span_id);
CREATE INDEX spans_trace_start ON spans (trace_id, start_time_ns);
