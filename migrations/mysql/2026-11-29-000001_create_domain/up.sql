-- The whole RealWorld domain; see the PostgreSQL migration for the reasoning. MySQL/MariaDB
-- specifics: utf8mb4_bin so that uniqueness and lookups compare bytes exactly as on the other
-- backends (the default collations are case- and accent-insensitive), DATETIME(6) for sub-second
-- timestamps, MEDIUMTEXT for article bodies longer than TEXT's 64 KiB.
CREATE TABLE users (
    id            INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username      VARCHAR(64)  NOT NULL,
    email         VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    bio           TEXT,
    image         TEXT,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_email_key UNIQUE (email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE follows (
    follower_id INTEGER NOT NULL,
    followee_id INTEGER NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (follower_id, followee_id),
    INDEX follows_followee_id_idx (followee_id),
    FOREIGN KEY (follower_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (followee_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE articles (
    id          INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    slug        VARCHAR(320) NOT NULL,
    title       VARCHAR(255) NOT NULL,
    description TEXT         NOT NULL,
    body        MEDIUMTEXT   NOT NULL,
    author_id   INTEGER      NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    CONSTRAINT articles_slug_key UNIQUE (slug),
    INDEX articles_author_id_idx (author_id, created_at, id),
    INDEX articles_created_at_idx (created_at, id),
    FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE tags (
    id   INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    CONSTRAINT tags_name_key UNIQUE (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL,
    tag_id     INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id),
    INDEX article_tags_tag_id_idx (tag_id),
    FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE favorites (
    user_id    INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (user_id, article_id),
    INDEX favorites_article_id_idx (article_id),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE comments (
    id         INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    article_id INTEGER NOT NULL,
    author_id  INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    INDEX comments_article_id_idx (article_id, id),
    INDEX comments_author_id_idx (author_id),
    FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
