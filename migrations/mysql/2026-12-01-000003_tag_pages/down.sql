ALTER TABLE article_tags ADD INDEX article_tags_tag_id_idx (tag_id),
    DROP INDEX article_tags_tag_page_idx,
    DROP COLUMN article_created_at;
