-- API tokens (only a SHA-256 of each secret is kept) and the audit log of logins, admin actions and permission changes.
CREATE TABLE auth_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    name        VARCHAR(255) NOT NULL,
    secret_hash CHAR(64) NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);
CREATE TABLE auth_audit (
    id BIGSERIAL PRIMARY KEY,
    at_ms   BIGINT NOT NULL,
    actor   VARCHAR(255) NOT NULL,
    action  VARCHAR(64) NOT NULL,
    target  VARCHAR(512) NOT NULL,
    detail  VARCHAR(1024) NOT NULL
);
CREATE INDEX auth_audit_at ON auth_audit (at_ms);
