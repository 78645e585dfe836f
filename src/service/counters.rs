//! Counters that lists read instead of counting rows, so that a list costs the same whatever the
//! size of the site (issue 8):
//!
//! | counter | counts | read by |
//! |---|---|---|
//! | `site_counters.articles_count` (one row) | all articles | the unfiltered list |
//! | `users.articles_count` | articles the user wrote | `?author=`; the feed sums it over the followed users (O(follows)) |
//! | `users.favorites_count` | articles the user favorited | `?favorited=` |
//! | `tags.articles_count` | articles with the tag | `?tag=`, and the tag list (tags above 0) |
//! | `articles.favorites_count` | users who favorited the article | `favoritesCount` |
//!
//! Lists with two or more filters at once have no counter and count their matches.
//!
//! Every write that changes what a counter counts changes the counter in its own transaction,
//! with `x = x + delta` (never read-modify-write), so counters stay exact under concurrent writes
//! on every backend. To avoid deadlocks, writes take their row locks in one order: the article
//! ([`lock_article`](crate::db::dialect::Dialect::lock_article)), then users, then tags (sorted
//! by name), then the site row, last, so that creates and deletes queue on it only briefly; and a
//! counter row is updated before a row that refers to it is inserted (MySQL's foreign-key check
//! takes a shared lock that two writers cannot both upgrade).
//! `conduit check` recounts every counter from the rows ([`crate::check`]).

use std::future::Future;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::dialect::Dialect as _;
use crate::db::models::TagCountChange;
use crate::db::schema::{articles, favorites, follows, site_counters, tags, users};

/// The id of the one row of `site_counters`.
const SITE_ROW: i32 = 1;

/// Which single counter answers a list's total, if one does.
#[derive(Debug, Clone, Copy)]
pub enum CountedList<'a> {
    All,
    Tag(&'a str),
    Author(&'a str),
    FavoritedBy(&'a str),
    /// The feed of this follower.
    Feed(i32),
}

/// Reading and keeping the counters, implemented for every connection type. The `count_*`
/// methods run inside the write transaction of the change they count.
pub trait Counters: Send {
    /// The number of articles in `list`, read from the counters. An unknown tag or user has none.
    fn counted_total(
        &mut self,
        list: CountedList<'_>,
    ) -> impl Future<Output = QueryResult<i64>> + Send;

    /// Tags with at least one article, most used first (ties by name).
    fn tags_in_use(&mut self) -> impl Future<Output = QueryResult<Vec<String>>> + Send;

    /// An article by `author_id` is being created (`delta` 1) or deleted (-1): the author's
    /// count. Called before the article row is inserted or deleted.
    fn count_authored(
        &mut self,
        author_id: i32,
        delta: i32,
    ) -> impl Future<Output = QueryResult<()>> + Send;

    /// An article was created (`delta` 1) or deleted (-1): the site's count. Called last in the
    /// transaction (the one row every create and delete locks).
    fn count_site_articles(&mut self, delta: i32) -> impl Future<Output = QueryResult<()>> + Send;

    /// `user_id` favorited (`delta` 1) or unfavorited (-1) `article_id`. Called with the article
    /// locked, before the favorite row is inserted or after it is deleted.
    fn count_favorite(
        &mut self,
        user_id: i32,
        article_id: i32,
        delta: i32,
    ) -> impl Future<Output = QueryResult<()>> + Send;

    /// `article_id` is about to be deleted: each user who favorited it has one favorite less
    /// (the rows go with the article, `ON DELETE CASCADE`). Called with the article locked.
    fn uncount_favorites_of(
        &mut self,
        article_id: i32,
    ) -> impl Future<Output = QueryResult<()>> + Send;

    /// An article lost the tags `removed` and gained the tags `added` (both sorted), creating
    /// the added tags that do not exist yet; one statement.
    fn count_tag_changes(
        &mut self,
        removed: &[String],
        added: &[String],
    ) -> impl Future<Output = QueryResult<()>> + Send;
}

crate::for_each_connection! {
    impl Counters {
        async fn counted_total(&mut self, list: CountedList<'_>) -> QueryResult<i64> {
            let count: Option<i32> = match list {
                CountedList::All => site_counters::table
                    .find(SITE_ROW)
                    .select(site_counters::articles_count)
                    .first(self)
                    .await
                    .optional()?,
                CountedList::Tag(name) => tags::table
                    .filter(tags::name.eq(name))
                    .select(tags::articles_count)
                    .first(self)
                    .await
                    .optional()?,
                CountedList::Author(username) => users::table
                    .filter(users::username.eq(username))
                    .select(users::articles_count)
                    .first(self)
                    .await
                    .optional()?,
                CountedList::FavoritedBy(username) => users::table
                    .filter(users::username.eq(username))
                    .select(users::favorites_count)
                    .first(self)
                    .await
                    .optional()?,
                CountedList::Feed(follower_id) => {
                    // Summed here: SUM's result type differs between the backends.
                    let counts: Vec<i32> = users::table
                        .filter(
                            users::id.eq_any(
                                follows::table
                                    .filter(follows::follower_id.eq(follower_id))
                                    .select(follows::followee_id),
                            ),
                        )
                        .select(users::articles_count)
                        .load(self)
                        .await?;
                    return Ok(counts.into_iter().map(i64::from).sum());
                }
            };
            Ok(count.map_or(0, i64::from))
        }

        async fn tags_in_use(&mut self) -> QueryResult<Vec<String>> {
            tags::table
                .filter(tags::articles_count.gt(0))
                .order((tags::articles_count.desc(), tags::name.asc()))
                .select(tags::name)
                .load(self)
                .await
        }

        async fn count_authored(&mut self, author_id: i32, delta: i32) -> QueryResult<()> {
            diesel::update(users::table.find(author_id))
                .set(users::articles_count.eq(users::articles_count + delta))
                .execute(self)
                .await?;
            Ok(())
        }

        async fn count_site_articles(&mut self, delta: i32) -> QueryResult<()> {
            diesel::update(site_counters::table.find(SITE_ROW))
                .set(site_counters::articles_count.eq(site_counters::articles_count + delta))
                .execute(self)
                .await?;
            Ok(())
        }

        async fn count_favorite(
            &mut self,
            user_id: i32,
            article_id: i32,
            delta: i32,
        ) -> QueryResult<()> {
            diesel::update(users::table.find(user_id))
                .set(users::favorites_count.eq(users::favorites_count + delta))
                .execute(self)
                .await?;
            diesel::update(articles::table.find(article_id))
                .set(articles::favorites_count.eq(articles::favorites_count + delta))
                .execute(self)
                .await?;
            Ok(())
        }

        async fn uncount_favorites_of(&mut self, article_id: i32) -> QueryResult<()> {
            diesel::update(
                users::table.filter(
                    users::id.eq_any(
                        favorites::table
                            .filter(favorites::article_id.eq(article_id))
                            .select(favorites::user_id),
                    ),
                ),
            )
            .set(users::favorites_count.eq(users::favorites_count - 1))
            .execute(self)
            .await?;
            Ok(())
        }

        async fn count_tag_changes(&mut self, removed: &[String], added: &[String]) -> QueryResult<()> {
            let mut changes: Vec<TagCountChange> = removed
                .iter()
                .map(|name| (name, -1))
                .chain(added.iter().map(|name| (name, 1)))
                .map(|(name, articles_count)| TagCountChange {
                    name: name.clone(),
                    articles_count,
                })
                .collect();
            if changes.is_empty() {
                return Ok(());
            }
            changes.sort_by(|a, b| a.name.cmp(&b.name));
            self.count_tags(changes).await?;
            Ok(())
        }
    }
}

/// Which counter answers the total of a list with these filters (`None`: two or more filters,
/// which no counter covers).
pub fn counted_list<'a>(
    tag: Option<&'a str>,
    author: Option<&'a str>,
    favorited_by: Option<&'a str>,
    feed_of: Option<i32>,
) -> Option<CountedList<'a>> {
    match (tag, author, favorited_by, feed_of) {
        (None, None, None, None) => Some(CountedList::All),
        (Some(tag), None, None, None) => Some(CountedList::Tag(tag)),
        (None, Some(author), None, None) => Some(CountedList::Author(author)),
        (None, None, Some(user), None) => Some(CountedList::FavoritedBy(user)),
        (None, None, None, Some(follower)) => Some(CountedList::Feed(follower)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_filter_has_a_counter_two_do_not() {
        assert!(matches!(
            counted_list(None, None, None, None),
            Some(CountedList::All)
        ));
        assert!(matches!(
            counted_list(Some("rust"), None, None, None),
            Some(CountedList::Tag("rust"))
        ));
        assert!(matches!(
            counted_list(None, None, None, Some(7)),
            Some(CountedList::Feed(7))
        ));
        assert!(counted_list(Some("rust"), Some("ann"), None, None).is_none());
        assert!(counted_list(None, None, Some("ann"), Some(7)).is_none());
    }
}
