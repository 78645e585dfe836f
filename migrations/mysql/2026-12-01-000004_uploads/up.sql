-- One row per stored image (see service::uploads): who uploaded it, so that replacing an avatar
-- can delete the old object, and what it is, as validated from its bytes.
CREATE TABLE uploads (
    id           INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    object_key   VARCHAR(64) NOT NULL,
    owner_id     INTEGER NOT NULL,
    content_type VARCHAR(64) NOT NULL,
    size_bytes   INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    CONSTRAINT uploads_object_key_key UNIQUE (object_key),
    INDEX uploads_owner_id_idx (owner_id),
    FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
