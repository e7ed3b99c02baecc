-- AI gateway (sqlite): configuration documents (secrets hold only ciphertext and a wrapped data key) and usage.
CREATE TABLE gateway_documents (
    kind        VARCHAR(32)  NOT NULL,
    id          TEXT  NOT NULL,
    name        VARCHAR(256) NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE UNIQUE INDEX gateway_documents_name ON gateway_documents (kind, name);
CREATE TABLE gateway_usage (
    request_id    VARCHAR(64)  NOT NULL PRIMARY KEY,
    timestamp_ms  INTEGER NOT NULL,
    epoch_day     INTEGER NOT NULL,
    endpoint_id   VARCHAR(64)  NOT NULL,
    endpoint_name VARCHAR(256) NOT NULL,
    provider      VARCHAR(64)  NOT NULL,
    model         VARCHAR(256) NOT NULL,
    user_name     VARCHAR(256) NOT NULL,
    input_tokens  INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost          REAL NOT NULL,
    latency_ms    INTEGER NOT NULL,
    status        INTEGER NOT NULL
);
CREATE INDEX gateway_usage_time ON gateway_usage (timestamp_ms);
CREATE INDEX gateway_usage_endpoint ON gateway_usage (endpoint_id, timestamp_ms);
