//! Reading articles: filtered lists and the feed (one page, its total and whether more follow),
//! one article by slug or id, and the latest articles of several authors for batch loaders.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{ArticleFilter, ArticleList, ArticleQueries as _};
use crate::auth::Viewer;
use crate::db::Session;
use crate::db::models::ArticleRow;
use crate::db::schema::{article_tags, articles, favorites, follows, tags, users};
use crate::error::AppError;
use crate::on_connection;
use crate::service::ForViewer as _;
use crate::service::article_views::{Article, ArticleViews as _};
use crate::service::counters::{Counters as _, counted_list};
use crate::service::paging::{Page, Start};

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
        let mut rows: Vec<ArticleRow> = match page.start {
            // A page after `offset` others: first its ids, read from the index that gives the
            // order (the rows skipped are index entries, not rows), then its rows by id. Read in
            // one statement, every skipped row was fetched whole: on MariaDB, offset 5,000 of
            // 100,000 articles read 15,071 pages and took 150–400 ms; this way about 1 ms.
            Start::Offset(offset) if offset > 0 => {
                let ids: Vec<i32> = matching_articles!(
                    &filter,
                    followed_by,
                    articles::id,
                    |query, created_at, id| {
                        query
                            .order((created_at.desc(), id.desc()))
                            .limit(page.limit + 1)
                            .offset(offset)
                            .load(conn)
                            .await?
                    }
                );
                articles::table
                    .filter(articles::id.eq_any(&ids))
                    .order((articles::created_at.desc(), articles::id.desc()))
                    .select(ArticleRow::as_select())
                    .load(conn)
                    .await?
            }
            _ => matching_articles!(
                &filter,
                followed_by,
                ArticleRow::as_select(),
                |query, created_at, id| {
                    let query = query
                        .order((created_at.desc(), id.desc()))
                        .limit(page.limit + 1);
                    let query = match page.start {
                        // The first page (a later offset took the arm above).
                        Start::Offset(_) => query,
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
            ),
        };
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
