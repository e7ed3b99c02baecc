-- AI gateway (mysql): configuration documents (secrets hold only ciphertext and a wrapped data key) and usage.
CREATE TABLE gateway_documents (
    kind        VARCHAR(32)  NOT NULL,
    id          VARCHAR(64)  NOT NULL,
    name        VARCHAR(256) NOT NULL,
    body        MEDIUMTEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE UNIQUE INDEX gateway_documents_name ON gateway_documents (kind, name);
CREATE TABLE gateway_usage (
    request_id    VARCHAR(64)  NOT NULL PRIMARY KEY,
    timestamp_ms  BIGINT NOT NULL,
    epoch_day     BIGINT NOT NULL,
    endpoint_id   VARCHAR(64)  NOT NULL,
    endpoint_name VARCHAR(256) NOT NULL,
    provider      VARCHAR(64)  NOT NULL,
    model         VARCHAR(256) NOT NULL,
    user_name     VARCHAR(256) NOT NULL,
    input_tokens  BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    cost          DOUBLE NOT NULL,
    latency_ms    BIGINT NOT NULL,
    status        INTEGER NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX gateway_usage_time ON gateway_usage (timestamp_ms);
CREATE INDEX gateway_usage_endpoint ON gateway_usage (endpoint_id, timestamp_ms);
