-- Counters that lists read instead of counting rows; see the PostgreSQL migration.
ALTER TABLE users ADD COLUMN articles_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN favorites_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN favorites_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tags ADD COLUMN articles_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE site_counters (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    articles_count INTEGER NOT NULL
);

UPDATE users SET
    articles_count  = (SELECT COUNT(*) FROM articles WHERE articles.author_id = users.id),
    favorites_count = (SELECT COUNT(*) FROM favorites WHERE favorites.user_id = users.id);
UPDATE articles SET
    favorites_count = (SELECT COUNT(*) FROM favorites WHERE favorites.article_id = articles.id);
UPDATE tags SET
    articles_count = (SELECT COUNT(*) FROM article_tags WHERE article_tags.tag_id = tags.id);
INSERT INTO site_counters (id, articles_count) SELECT 1, COUNT(*) FROM articles;

CREATE INDEX tags_articles_count_idx ON tags (articles_count DESC, name);
