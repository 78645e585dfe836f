//! Articles: lists (with filters and the feed), reading, writing, deleting and favorites.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};

use super::ForViewer as _;
use super::article_views::{Article, ArticleViews as _};
use super::counters::{Counters as _, counted_list};
use super::paging::{Page, Start};
use super::slug::{slugify, with_suffix};
use super::tags::validate_tag_list;
use super::validation::{NOTHING_TO_UPDATE, Validator};
use crate::auth::Viewer;
use crate::db::Session;
use crate::db::batch::BatchInsert as _;
use crate::db::dialect::Dialect as _;
use crate::db::error::{not_found_if_gone, unique_violation};
use crate::db::latest_per_parent::latest_articles_by_author;
use crate::db::models::{ArticleChangeset, ArticleRow, ArticleTagRow, FavoriteRow, NewArticleRow};
use crate::db::schema::{article_tags, articles, favorites, follows, tags, users};
use crate::error::AppError;
use crate::events::Event;
use crate::on_connection;
use crate::state::AppState;

pub const TITLE_MAX_CHARS: usize = 255;
pub const DESCRIPTION_MAX_CHARS: usize = 1_000;
pub const BODY_MAX_CHARS: usize = 100_000;
/// Attempts at a unique slug before giving up (each after the first adds a random suffix).
const SLUG_ATTEMPTS: usize = 8;

pub(super) const ARTICLE_NOT_FOUND: AppError = AppError::NotFound {
    resource: "article",
};
const ARTICLE_FORBIDDEN: AppError = AppError::Forbidden {
    resource: "article",
};

/// Which articles a list shows; the filters combine with AND.
#[derive(Debug, Default, Clone)]
pub struct ArticleFilter {
    pub tag: Option<String>,
    /// Username of the author.
    pub author: Option<String>,
    /// Username of a user who favorited the articles.
    pub favorited_by: Option<String>,
}

impl ArticleFilter {
    /// Empty values (`?tag=`, which some frontends send) mean "no filter".
    pub fn new(tag: Option<String>, author: Option<String>, favorited_by: Option<String>) -> Self {
        let given = |value: Option<String>| value.filter(|value| !value.is_empty());
        ArticleFilter {
            tag: given(tag),
            author: given(author),
            favorited_by: given(favorited_by),
        }
    }
}

/// A page of articles and the total number of matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleList {
    pub articles: Vec<Article>,
    pub total: i64,
    /// Whether more matches follow this page (read as one row past the page, so that it holds
    /// for keyset pages, whose offset is unknown, and whatever the counters say).
    pub has_more: bool,
}

#[derive(Debug, Default, Clone)]
pub struct NewArticle {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tag_list: Option<Vec<String>>,
}

/// A partial update: `None` keeps the field, `Some(None)` is an explicit `null` (refused).
#[derive(Debug, Default, Clone)]
pub struct ArticleUpdate {
    pub title: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub body: Option<Option<String>>,
    pub tag_list: Option<Option<Vec<String>>>,
}

/// Narrows a boxed query over `articles` (alone, or joined from a tag's links) to the articles of
/// `filter.author`, favorited by `filter.favorited_by` and, for the feed, written by someone
/// `followed_by` follows. The tag is not applied here: it decides which table drives the query
/// (see [`matching_articles!`]). A macro, because the boxed query's type depends on the backend
/// and on its `FROM`.
macro_rules! with_filters_besides_tag {
    ($query:expr, $filter:expr, $followed_by:expr) => {{
        let filter: &ArticleFilter = $filter;
        let followed_by: Option<i32> = $followed_by;
        let mut query = $query;
        if let Some(author) = &filter.author {
            query = query.filter(
                articles::author_id.eq_any(
                    users::table
                        .filter(users::username.eq(author))
                        .select(users::id),
                ),
            );
        }
        if let Some(favorited_by) = &filter.favorited_by {
            query = query.filter(
                articles::id.eq_any(
                    favorites::table
                        .inner_join(users::table)
                        .filter(users::username.eq(favorited_by))
                        .select(favorites::article_id),
                ),
            );
        }
        if let Some(follower_id) = followed_by {
            query = query.filter(
                articles::author_id.eq_any(
                    follows::table
                        .filter(follows::follower_id.eq(follower_id))
                        .select(follows::followee_id),
                ),
            );
        }
        query
    }};
}

/// Runs `$then` with `query` bound to the boxed query of the articles matching `$filter` (and,
/// for the feed, written by someone `$followed_by` follows), and `created_at`/`id` bound to the
/// columns that give its order, newest first.
///
/// Without a tag the query reads `articles` through its `(created_at, id)` index. With a tag, the
/// tag's links drive it: `article_tags` carries each article's `created_at`, so the page comes
/// straight from the index `(tag_id, article_created_at, article_id)`, reading `limit + offset`
/// entries however many articles have the tag (an `id IN (links of the tag)` filter made every
/// database read all of them and sort: 32 requests/s at 100,000 articles on SQLite).
macro_rules! matching_articles {
    ($filter:expr, $followed_by:expr, $select:expr, |$query:ident, $created_at:ident, $id:ident| $then:expr) => {{
        let filter: &ArticleFilter = $filter;
        match &filter.tag {
            None => {
                let $query = with_filters_besides_tag!(
                    articles::table.select($select).into_boxed(),
                    filter,
                    $followed_by
                );
                let ($created_at, $id) = (articles::created_at, articles::id);
                $then
            }
            Some(tag) => {
                let tag_id = tags::table
                    .filter(tags::name.eq(tag))
                    .select(tags::id)
                    .single_value();
                let $query = with_filters_besides_tag!(
                    article_tags::table
                        .inner_join(articles::table)
                        .filter(article_tags::tag_id.nullable().eq(tag_id))
                        .select($select)
                        .into_boxed(),
                    filter,
                    $followed_by
                );
                let ($created_at, $id) =
                    (article_tags::article_created_at, article_tags::article_id);
                $then
            }
        }
    }};
}

/// Articles matching `filter`, newest first (ties: newest id first).
pub async fn list_articles(
    db: &Session,
    viewer: Option<Viewer>,
    filter: &ArticleFilter,
    page: Page,
    with_body: bool,
) -> Result<ArticleList, AppError> {
    load_list(db, viewer, filter.clone(), None, page, with_body).await
}

/// Articles by the users the viewer follows, newest first.
pub async fn feed(
    db: &Session,
    viewer: Viewer,
    page: Page,
    with_body: bool,
) -> Result<ArticleList, AppError> {
    let filter = ArticleFilter::default();
    load_list(
        db,
        Some(viewer),
        filter,
        Some(viewer.user_id),
        page,
        with_body,
    )
    .await
}

async fn load_list(
    db: &Session,
    viewer: Option<Viewer>,
    filter: ArticleFilter,
    followed_by: Option<i32>,
    page: Page,
    with_body: bool,
) -> Result<ArticleList, AppError> {
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let mut rows: Vec<ArticleRow> = matching_articles!(
            &filter,
            followed_by,
            ArticleRow::as_select(),
            |query, created_at, id| {
                let query = query
                    .order((created_at.desc(), id.desc()))
                    .limit(page.limit + 1);
                let query = match page.start {
                    Start::Offset(offset) => query.offset(offset),
                    // The rows after `position` in this order: the row comparison
                    // `(created_at, id) < (?, ?)`, written so that every backend reads it as a
                    // range on the index that gives the order (MySQL and MariaDB do not turn a
                    // row comparison into a range; the leading `<=` is one on all three).
                    Start::After(position) => query.filter(
                        created_at
                            .le(position.created_at)
                            .and(created_at.lt(position.created_at).or(id.lt(position.id))),
                    ),
                };
                query.load(conn).await?
            }
        );
        let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        // A counter where one answers (see `counters`); two filters at once are counted.
        let counted = counted_list(
            filter.tag.as_deref(),
            filter.author.as_deref(),
            filter.favorited_by.as_deref(),
            followed_by,
        );
        let total: i64 = match counted {
            Some(list) => conn.counted_total(list).await?,
            None => {
                matching_articles!(&filter, followed_by, count_star(), |query, _c, _i| {
                    query.get_result(conn).await?
                })
            }
        };
        let articles = conn.decorate(viewer, rows, with_body).await?;
        Ok(ArticleList {
            articles,
            total,
            has_more,
        })
    })
}

/// One article by id with its body, as `viewer` sees it: for subscribers told of a change. 404
/// `article` when it is gone.
pub async fn get_article_by_id(
    db: &Session,
    viewer: Option<Viewer>,
    article_id: i32,
) -> Result<Article, AppError> {
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let row = conn.find_article_by_id(article_id).await?;
        conn.single(viewer, row).await
    })
}

pub async fn get_article(
    db: &Session,
    viewer: Option<Viewer>,
    slug: &str,
) -> Result<Article, AppError> {
    let slug = slug.to_owned();
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let row = conn.find_article(&slug).await?;
        conn.single(viewer, row).await
    })
}

/// Publishes an article by the viewer. Spends one of the viewer's writes
/// ([`RateLimits::check_write`](crate::rate_limit::RateLimits::check_write)) once the input is
/// valid: past the quota, [`AppError::RateLimited`] and nothing is written.
///
/// Creates an article and, once it is committed, announces it ([`Event::ArticlePublished`]).
pub async fn create_article(
    db: &Session,
    state: &AppState,
    viewer: Viewer,
    input: NewArticle,
) -> Result<Article, AppError> {
    let state = state.clone();
    let article = on_connection!(db.for_viewer(viewer), async move |conn| {
        let mut validator = Validator::default();
        let title = validator.required("title", input.title, TITLE_MAX_CHARS);
        let description =
            validator.required("description", input.description, DESCRIPTION_MAX_CHARS);
        let body = validator.required("body", input.body, BODY_MAX_CHARS);
        let tag_list = validate_tag_list(&mut validator, input.tag_list.unwrap_or_default());
        validator.finish()?;
        state.rate_limits().check_write(viewer.user_id)?;

        let now = super::now();
        let base_slug = slugify(&title);
        let article_id = conn
            .write_transaction(async |conn| {
                conn.count_authored(viewer.user_id, 1).await?;
                let mut slug = base_slug.clone();
                let mut attempt = 1;
                let article_id = loop {
                    let row = NewArticleRow {
                        slug: slug.clone(),
                        title: title.clone(),
                        description: description.clone(),
                        body: body.clone(),
                        author_id: viewer.user_id,
                        created_at: now,
                        updated_at: now,
                    };
                    // A savepoint per attempt: a slug collision must not abort the transaction.
                    let inserted = conn
                        .transaction::<i32, diesel::result::Error, _>(async |conn| {
                            diesel::insert_into(articles::table)
                                .values(&row)
                                .execute(conn)
                                .await?;
                            conn.last_insert_id().await
                        })
                        .await;
                    match inserted {
                        Ok(id) => break id,
                        Err(error) => match next_slug(&error, &mut attempt, &base_slug) {
                            Some(next) => slug = next,
                            None => return Err(error.into()),
                        },
                    }
                };
                conn.change_tags(article_id, now, &[], &tag_list).await?;
                conn.count_site_articles(1).await?;
                Ok(article_id)
            })
            .await?;
        let row = conn.find_article_by_id(article_id).await?;
        conn.single(Some(viewer), row).await
    })?;
    db.events().publish(Event::ArticlePublished {
        article_id: article.id,
        author_id: viewer.user_id,
        author: article.author.username.clone(),
        tags: article.tag_list.clone(),
    });
    Ok(article)
}

/// Updates the viewer's article; announced once committed ([`Event::ArticleUpdated`]).
pub async fn update_article(
    db: &Session,
    viewer: Viewer,
    slug: &str,
    input: ArticleUpdate,
) -> Result<Article, AppError> {
    let slug = slug.to_owned();
    let article = on_connection!(db.for_viewer(viewer), async move |conn| {
        let article = conn.find_article(&slug).await?;
        if article.author_id != viewer.user_id {
            return Err(ARTICLE_FORBIDDEN);
        }
        let input_is_empty = input.title.is_none()
            && input.description.is_none()
            && input.body.is_none()
            && input.tag_list.is_none();
        let mut validator = Validator::default();
        let title = input
            .title
            .map(|value| validator.required("title", value, TITLE_MAX_CHARS));
        let description = input
            .description
            .map(|value| validator.required("description", value, DESCRIPTION_MAX_CHARS));
        let body = input
            .body
            .map(|value| validator.required("body", value, BODY_MAX_CHARS));
        let tag_list = match input.tag_list {
            None => None,
            Some(None) => {
                validator.add("tagList", "can't be null (send [] to remove every tag)");
                None
            }
            Some(Some(tags)) => Some(validate_tag_list(&mut validator, tags)),
        };
        if input_is_empty {
            validator.add("article", NOTHING_TO_UPDATE);
        }
        validator.finish()?;

        // Changing the title makes a new slug; everything else keeps it.
        let base_slug = title
            .as_deref()
            .filter(|title| *title != article.title)
            .map(slugify);
        // updatedAt must move forward on every update, even two within one millisecond.
        let updated_at = super::now().max(article.updated_at + chrono::Duration::milliseconds(1));
        let article_id = article.id;
        let created_at = article.created_at;
        conn.write_transaction(async |conn| {
            let mut slug = base_slug.clone();
            let mut attempt = 1;
            loop {
                let changes = ArticleChangeset {
                    slug: slug.clone(),
                    title: title.clone(),
                    description: description.clone(),
                    body: body.clone(),
                    updated_at: Some(updated_at),
                };
                let updated = conn
                    .transaction::<usize, diesel::result::Error, _>(async |conn| {
                        diesel::update(articles::table.find(article_id))
                            .set(&changes)
                            .execute(conn)
                            .await
                    })
                    .await;
                match updated {
                    // Deleted since it was looked up.
                    Ok(0) => return Err(ARTICLE_NOT_FOUND),
                    Ok(_) => break,
                    Err(error) => {
                        let next = base_slug
                            .as_deref()
                            .and_then(|base| next_slug(&error, &mut attempt, base));
                        match next {
                            Some(next) => slug = Some(next),
                            None => return Err(error.into()),
                        }
                    }
                }
            }
            if let Some(tag_list) = &tag_list {
                // Read after the update above locked the article: no other write changes its
                // tags until this transaction ends.
                let current = conn
                    .load_tag_lists(&[article_id])
                    .await?
                    .remove(&article_id)
                    .unwrap_or_default();
                conn.change_tags(article_id, created_at, &current, tag_list)
                    .await?;
            }
            Ok(())
        })
        .await?;
        let row = conn.find_article_by_id(article_id).await?;
        conn.single(Some(viewer), row).await
    })?;
    db.events().publish(Event::ArticleUpdated {
        article_id: article.id,
    });
    Ok(article)
}

pub async fn delete_article(db: &Session, viewer: Viewer, slug: &str) -> Result<(), AppError> {
    let slug = slug.to_owned();
    on_connection!(db.for_viewer(viewer), async move |conn| {
        conn.write_transaction(async |conn| {
            let article = conn.lock_article(&slug).await?.ok_or(ARTICLE_NOT_FOUND)?;
            if article.author_id != viewer.user_id {
                return Err(ARTICLE_FORBIDDEN);
            }
            let tag_list = conn
                .load_tag_lists(&[article.id])
                .await?
                .remove(&article.id)
                .unwrap_or_default();
            conn.count_authored(article.author_id, -1).await?;
            conn.uncount_favorites_of(article.id).await?;
            conn.count_tag_changes(&tag_list, &[]).await?;
            // Tags links, favorites and comments go with it (ON DELETE CASCADE).
            diesel::delete(articles::table.find(article.id))
                .execute(conn)
                .await?;
            conn.count_site_articles(-1).await?;
            Ok(())
        })
        .await
    })
}

/// Favorites an article; favoriting twice counts once (the primary key decides).
pub async fn favorite(db: &Session, viewer: Viewer, slug: &str) -> Result<Article, AppError> {
    let slug = slug.to_owned();
    let article = on_connection!(db.for_viewer(viewer), async move |conn| {
        let article = conn
            .write_transaction(async |conn| {
                let mut article = conn.lock_article(&slug).await?.ok_or(ARTICLE_NOT_FOUND)?;
                // With the article locked no other favorite of it can change, so the check
                // cannot go stale before the insert.
                if !conn.has_favorited(viewer.user_id, article.id).await? {
                    conn.count_favorite(viewer.user_id, article.id, 1).await?;
                    let row = FavoriteRow {
                        user_id: viewer.user_id,
                        article_id: article.id,
                        created_at: super::now(),
                    };
                    diesel::insert_into(favorites::table)
                        .values(&row)
                        .execute(conn)
                        .await
                        .map_err(|error| not_found_if_gone(error, ARTICLE_NOT_FOUND))?;
                    article.favorites_count += 1;
                }
                Ok(article)
            })
            .await?;
        conn.single(Some(viewer), article).await
    })?;
    // The favorites count changed (or stayed: announcing it again is harmless).
    db.events().publish(Event::ArticleUpdated {
        article_id: article.id,
    });
    Ok(article)
}

pub async fn unfavorite(db: &Session, viewer: Viewer, slug: &str) -> Result<Article, AppError> {
    let slug = slug.to_owned();
    let article = on_connection!(db.for_viewer(viewer), async move |conn| {
        let article = conn
            .write_transaction(async |conn| {
                let mut article = conn.lock_article(&slug).await?.ok_or(ARTICLE_NOT_FOUND)?;
                let deleted = diesel::delete(
                    favorites::table
                        .filter(favorites::user_id.eq(viewer.user_id))
                        .filter(favorites::article_id.eq(article.id)),
                )
                .execute(conn)
                .await?;
                if deleted > 0 {
                    conn.count_favorite(viewer.user_id, article.id, -1).await?;
                    article.favorites_count -= 1;
                }
                Ok(article)
            })
            .await?;
        conn.single(Some(viewer), article).await
    })?;
    // The favorites count changed (or stayed: announcing it again is harmless).
    db.events().publish(Event::ArticleUpdated {
        article_id: article.id,
    });
    Ok(article)
}

/// The latest `per_author` articles of each author (with bodies), newest first, for batch
/// loaders: one statement plus the decoration for any number of authors, reading at most
/// `per_author` rows of each (limited in SQL, see [`latest_per_parent`]).
///
/// [`latest_per_parent`]: crate::db::latest_per_parent
pub async fn latest_by_authors(
    db: &Session,
    viewer: Option<Viewer>,
    author_ids: Vec<i32>,
    per_author: usize,
) -> Result<HashMap<i32, Vec<Article>>, AppError> {
    if author_ids.is_empty() {
        return Ok(HashMap::new());
    }
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let rows = conn.latest_article_rows(&author_ids, per_author).await?;
        let mut by_author: HashMap<i32, Vec<Article>> = HashMap::new();
        for article in conn.decorate(viewer, rows, true).await? {
            by_author
                .entry(article.author.user_id)
                .or_default()
                .push(article);
        }
        Ok(by_author)
    })
}

/// After a write that failed with `error`: the slug to try next if the failure was a slug
/// collision and attempts remain (`base` with a random suffix), otherwise `None`.
fn next_slug(error: &diesel::result::Error, attempt: &mut usize, base: &str) -> Option<String> {
    if unique_violation(error).is_none() || *attempt >= SLUG_ATTEMPTS {
        return None;
    }
    *attempt += 1;
    Some(with_suffix(base))
}

/// Article lookups and tag links, implemented for every connection type.
pub trait ArticleQueries: Send {
    /// The article with `slug`, or 404 `article`.
    fn find_article(
        &mut self,
        slug: &str,
    ) -> impl Future<Output = Result<ArticleRow, AppError>> + Send;

    /// The article with `id`, or 404 `article`.
    fn find_article_by_id(
        &mut self,
        id: i32,
    ) -> impl Future<Output = Result<ArticleRow, AppError>> + Send;

    /// One article with its body, decorated for the viewer.
    fn single(
        &mut self,
        viewer: Option<Viewer>,
        row: ArticleRow,
    ) -> impl Future<Output = Result<Article, AppError>> + Send;

    /// The latest `per_author` article rows of each author, newest first (`created_at DESC, id
    /// DESC`): at most `per_author` rows per author come back from the database.
    fn latest_article_rows(
        &mut self,
        author_ids: &[i32],
        per_author: usize,
    ) -> impl Future<Output = QueryResult<Vec<ArticleRow>>> + Send;

    /// Whether `user_id` has favorited `article_id`.
    fn has_favorited(
        &mut self,
        user_id: i32,
        article_id: i32,
    ) -> impl Future<Output = QueryResult<bool>> + Send;

    /// Changes the article's tags from `current` to `wanted` (both sorted): counts the change,
    /// creating the tags that do not exist yet, unlinks the removed tags and links the added
    /// ones; at most four statements whatever the number of tags, none if nothing changes.
    /// Used inside the create and update transactions, with the article locked.
    /// `created_at` is the article's, copied into each new link (see the `article_tags` table).
    fn change_tags(
        &mut self,
        article_id: i32,
        created_at: chrono::NaiveDateTime,
        current: &[String],
        wanted: &[String],
    ) -> impl Future<Output = QueryResult<()>> + Send;
}

crate::for_each_connection! {
    impl ArticleQueries {
        async fn find_article(&mut self, slug: &str) -> Result<ArticleRow, AppError> {
            articles::table
                .filter(articles::slug.eq(slug))
                .select(ArticleRow::as_select())
                .first(self)
                .await
                .optional()?
                .ok_or(ARTICLE_NOT_FOUND)
        }

        async fn find_article_by_id(&mut self, id: i32) -> Result<ArticleRow, AppError> {
            articles::table
                .find(id)
                .select(ArticleRow::as_select())
                .first(self)
                .await
                .optional()?
                .ok_or(ARTICLE_NOT_FOUND)
        }

        async fn single(
            &mut self,
            viewer: Option<Viewer>,
            row: ArticleRow,
        ) -> Result<Article, AppError> {
            self.decorate(viewer, vec![row], true)
                .await?
                .pop()
                .ok_or(ARTICLE_NOT_FOUND)
        }

        async fn latest_article_rows(
            &mut self,
            author_ids: &[i32],
            per_author: usize,
        ) -> QueryResult<Vec<ArticleRow>> {
            let per_author = i64::try_from(per_author).unwrap_or(i64::MAX);
            articles::table
                .filter(latest_articles_by_author(author_ids, per_author))
                .order((articles::created_at.desc(), articles::id.desc()))
                .select(ArticleRow::as_select())
                .load(self)
                .await
        }

        async fn has_favorited(&mut self, user_id: i32, article_id: i32) -> QueryResult<bool> {
            diesel::select(diesel::dsl::exists(
                favorites::table
                    .filter(favorites::user_id.eq(user_id))
                    .filter(favorites::article_id.eq(article_id)),
            ))
            .get_result(self)
            .await
        }

        async fn change_tags(
            &mut self,
            article_id: i32,
            created_at: chrono::NaiveDateTime,
            current: &[String],
            wanted: &[String],
        ) -> QueryResult<()> {
            let removed: Vec<String> =
                current.iter().filter(|name| !wanted.contains(name)).cloned().collect();
            let added: Vec<String> =
                wanted.iter().filter(|name| !current.contains(name)).cloned().collect();
            // Counted first: the upsert creates missing tags and locks them before the links
            // below refer to them.
            self.count_tag_changes(&removed, &added).await?;
            if !removed.is_empty() {
                diesel::delete(
                    article_tags::table
                        .filter(article_tags::article_id.eq(article_id))
                        .filter(
                            article_tags::tag_id.eq_any(
                                tags::table.filter(tags::name.eq_any(&removed)).select(tags::id),
                            ),
                        ),
                )
                .execute(self)
                .await?;
            }
            if added.is_empty() {
                return Ok(());
            }
            let tag_ids: Vec<i32> = tags::table
                .filter(tags::name.eq_any(&added))
                .select(tags::id)
                .load(self)
                .await?;
            let links: Vec<ArticleTagRow> = tag_ids
                .into_iter()
                .map(|tag_id| ArticleTagRow {
                    article_id,
                    tag_id,
                    article_created_at: created_at,
                })
                .collect();
            self.insert_batch(links).await?;
            Ok(())
        }
    }
}
