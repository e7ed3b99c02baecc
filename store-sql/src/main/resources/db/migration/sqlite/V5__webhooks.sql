-- Registry webhooks (sqlite). The secret column holds the signing secret encrypted (AES-GCM), never in plaintext.
CREATE TABLE webhooks (
    webhook_id        TEXT     NOT NULL PRIMARY KEY,
    name              VARCHAR(256) NOT NULL,
    description       TEXT,
    url               TEXT    NOT NULL,
    events            TEXT    NOT NULL,
    status            VARCHAR(20) NOT NULL,
    secret            TEXT,
    creation_time     INTEGER    NOT NULL,
    last_updated_time INTEGER    NOT NULL
);
CREATE INDEX webhooks_created ON webhooks (creation_time, webhook_id);
