-- Each link carries its article's creation time; see the PostgreSQL migration. SQLite adds a
-- NOT NULL column only with a default, which the UPDATE then replaces for every row.
ALTER TABLE article_tags ADD COLUMN article_created_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE article_tags SET article_created_at =
    (SELECT articles.created_at FROM articles WHERE articles.id = article_tags.article_id);
CREATE INDEX article_tags_tag_page_idx ON article_tags (tag_id, article_created_at, article_id);
DROP INDEX article_tags_tag_id_idx;
