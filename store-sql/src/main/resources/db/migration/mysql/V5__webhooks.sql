-- Registry webhooks (mysql). The secret column holds the signing secret encrypted (AES-GCM), never in plaintext.
CREATE TABLE webhooks (
    webhook_id        VARCHAR(64)     NOT NULL PRIMARY KEY,
    name              VARCHAR(256) NOT NULL,
    description       TEXT,
    url               TEXT    NOT NULL,
    events            TEXT    NOT NULL,
    status            VARCHAR(20) NOT NULL,
    secret            TEXT,
    creation_time     BIGINT    NOT NULL,
    last_updated_time BIGINT    NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX webhooks_created ON webhooks (creation_time, webhook_id);
