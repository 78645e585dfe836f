-- The whole RealWorld domain. Unique constraints carry the invariants (one username, one email,
-- one slug, one favorite per user and article, one follow per pair) so that races are settled
-- here, not by check-then-insert in the service.
CREATE TABLE users (
    id            SERIAL PRIMARY KEY,
    username      VARCHAR(64)  NOT NULL CONSTRAINT users_username_key UNIQUE,
    email         VARCHAR(255) NOT NULL CONSTRAINT users_email_key UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    bio           TEXT,
    image         TEXT,
    created_at    TIMESTAMP(3) NOT NULL,
    updated_at    TIMESTAMP(3) NOT NULL
);

CREATE TABLE follows (
    follower_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee_id_idx ON follows (followee_id);

CREATE TABLE articles (
    id          SERIAL PRIMARY KEY,
    slug        VARCHAR(320) NOT NULL CONSTRAINT articles_slug_key UNIQUE,
    title       VARCHAR(255) NOT NULL,
    description TEXT         NOT NULL,
    body        TEXT         NOT NULL,
    author_id   INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMP(3) NOT NULL,
    updated_at  TIMESTAMP(3) NOT NULL
);
CREATE INDEX articles_author_id_idx ON articles (author_id, created_at, id);
CREATE INDEX articles_created_at_idx ON articles (created_at, id);

CREATE TABLE tags (
    id   SERIAL PRIMARY KEY,
    name VARCHAR(64) NOT NULL CONSTRAINT tags_name_key UNIQUE
);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_id_idx ON article_tags (tag_id);

CREATE TABLE favorites (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (user_id, article_id)
);
CREATE INDEX favorites_article_id_idx ON favorites (article_id);

CREATE TABLE comments (
    id         SERIAL PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       TEXT    NOT NULL,
    created_at TIMESTAMP(3) NOT NULL,
    updated_at TIMESTAMP(3) NOT NULL
);
CREATE INDEX comments_article_id_idx ON comments (article_id, id);
CREATE INDEX comments_author_id_idx ON comments (author_id);
