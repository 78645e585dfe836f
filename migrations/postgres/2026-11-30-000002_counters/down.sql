DROP INDEX tags_articles_count_idx;
DROP TABLE site_counters;
ALTER TABLE tags DROP COLUMN articles_count;
ALTER TABLE articles DROP COLUMN favorites_count;
ALTER TABLE users DROP COLUMN articles_count, DROP COLUMN favorites_count;
