-- Basic auth (mysql): users (password hashes only, Argon2id in PHC form) and per-resource permission grants.
CREATE TABLE auth_users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username      VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(512) NOT NULL,
    is_admin      SMALLINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE auth_grants (
    resource_type VARCHAR(32) NOT NULL,
    resource_id   VARCHAR(255) NOT NULL,
    user_id       BIGINT NOT NULL,
    permission    VARCHAR(32) NOT NULL,
    PRIMARY KEY (resource_type, resource_id, user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX auth_grants_user ON auth_grants (user_id);
