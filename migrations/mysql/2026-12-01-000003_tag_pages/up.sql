-- Each link carries its article's creation time; see the PostgreSQL migration. The new index
-- starts with tag_id, so it also serves the foreign key that article_tags_tag_id_idx served.
ALTER TABLE article_tags ADD COLUMN article_created_at DATETIME(6) NULL;
UPDATE article_tags JOIN articles ON articles.id = article_tags.article_id
    SET article_tags.article_created_at = articles.created_at;
ALTER TABLE article_tags MODIFY article_created_at DATETIME(6) NOT NULL,
    ADD INDEX article_tags_tag_page_idx (tag_id, article_created_at, article_id),
    DROP INDEX article_tags_tag_id_idx;
