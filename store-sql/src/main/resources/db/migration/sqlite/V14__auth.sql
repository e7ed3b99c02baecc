-- Basic auth (sqlite): users (password hashes only, Argon2id in PHC form) and per-resource permission grants.
CREATE TABLE auth_users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username      VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(512) NOT NULL,
    is_admin      SMALLINT NOT NULL
);
CREATE TABLE auth_grants (
    resource_type VARCHAR(32) NOT NULL,
    resource_id   VARCHAR(255) NOT NULL,
    user_id       INTEGER NOT NULL,
    permission    VARCHAR(32) NOT NULL,
    PRIMARY KEY (resource_type, resource_id, user_id)
);
CREATE INDEX auth_grants_user ON auth_grants (user_id);
