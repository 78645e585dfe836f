CREATE INDEX article_tags_tag_id_idx ON article_tags (tag_id);
DROP INDEX article_tags_tag_page_idx;
ALTER TABLE article_tags DROP COLUMN article_created_at;
