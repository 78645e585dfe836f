-- One row per stored image (see service::uploads): who uploaded it, so that replacing an avatar
-- can delete the old object, and what it is, as validated from its bytes.
CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    object_key   TEXT NOT NULL CONSTRAINT uploads_object_key_key UNIQUE,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX uploads_owner_id_idx ON uploads (owner_id);
