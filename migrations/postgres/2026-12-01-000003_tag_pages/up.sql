-- A tag's articles, newest first, straight from one index: each link carries its article's
-- creation time (which never changes), so `?tag=` pages read `limit + offset` index entries
-- instead of every article with the tag (O(page) rather than O(articles with the tag)).
ALTER TABLE article_tags ADD COLUMN article_created_at TIMESTAMP(3);
UPDATE article_tags SET article_created_at = articles.created_at
    FROM articles WHERE articles.id = article_tags.article_id;
ALTER TABLE article_tags ALTER COLUMN article_created_at SET NOT NULL;
CREATE INDEX article_tags_tag_page_idx ON article_tags (tag_id, article_created_at, article_id);
DROP INDEX article_tags_tag_id_idx;
