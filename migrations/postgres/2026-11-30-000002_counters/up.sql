-- Counters that lists read instead of counting rows (issue 8): the service changes them with
-- `x = x + 1` in the transaction of every write that changes what they count, so they are exact
-- under concurrency; `conduit check` recounts them. Existing data is counted once, here.
--
-- users.articles_count   articles written        (author filter; the feed sums it over follows)
-- users.favorites_count  articles favorited      (favorited filter)
-- articles.favorites_count                        (favoritesCount)
-- tags.articles_count    articles with the tag   (tag filter; tag list: the tags above 0)
-- site_counters          one row: all articles   (the unfiltered list)
ALTER TABLE users
    ADD COLUMN articles_count  INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN favorites_count INTEGER NOT NULL DEFAULT 0;
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

-- The tag list: tags in use, most used first.
CREATE INDEX tags_articles_count_idx ON tags (articles_count DESC, name);
