//! `conduit seed`: fills an empty database with believable demo data (users, follows, articles
//! with tags, favorites, comments) so that a frontend shows a lively site on first run and
//! benchmarks have data: 10,000 articles take seconds, 1,000,000 a few minutes.
//!
//! The counters the service keeps (article, favorite and tag counts) are counted while the data
//! is planned in memory ([`plan`]) and written with the rows, so nothing is recounted afterwards;
//! `conduit check` confirms them.
//!
//! Every demo user's password is [`DEMO_PASSWORD`]; one argon2 hash is computed and shared, since
//! hashing each user separately would dominate the run for no benefit to demo data.

mod plan;
mod words;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::bulk_insert::BulkInsert as _;
use crate::db::bulk_load::BulkLoad as _;
use crate::db::dialect::Dialect as _;
use crate::db::models::{ArticleTagRow, FavoriteRow, FollowRow, NewCommentRow, TagCountChange};
use crate::db::schema::{articles, site_counters, tags, users};
use crate::error::AppError;
use crate::on_connection;
use crate::state::AppState;
use plan::Plan;

pub const DEMO_PASSWORD: &str = "conduit-demo";

/// How much to make. The random generator is seeded, so the same plan makes the same data.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub users: usize,
    pub articles: usize,
    pub random_seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub users: usize,
    pub follows: usize,
    pub articles: usize,
    pub article_tags: usize,
    pub favorites: usize,
    pub comments: usize,
    pub elapsed: Duration,
}

/// Fills an empty database (no users) with the rows of [`Plan::make`]; each stage is one
/// transaction and is logged with its row count and time. Errors: `VALIDATION_FAILED` for fewer
/// than 2 users or a database that already has users; database errors as usual.
pub async fn seed(state: &AppState, plan: &SeedPlan) -> Result<SeedReport, AppError> {
    let started = Instant::now();
    if plan.users < 2 {
        return Err(AppError::invalid("users", "must be at least 2"));
    }
    let db = state.session();
    let existing: i64 = on_connection!(&db, async move |conn| {
        Ok(users::table.count().get_result(conn).await?)
    })?;
    if existing > 0 {
        return Err(AppError::invalid(
            "database",
            format!("already has {existing} users; seed an empty database"),
        ));
    }
    let password_hash = state.passwords().hash(DEMO_PASSWORD.to_owned()).await?;
    let now = crate::service::now();
    let stage = Instant::now();
    let Plan {
        users: user_rows,
        follows,
        articles: mut article_rows,
        authors,
        tag_counts,
        links,
        favorites,
        comments,
    } = Plan::make(
        plan.users,
        plan.articles,
        plan.random_seed,
        &password_hash,
        now,
    );
    logged("plan", 0, stage);
    let mut report = SeedReport::default();

    // Users and tags. Ids are read back by username, so nothing assumes the order in which the
    // database hands them out.
    let stage = Instant::now();
    let usernames: Vec<String> = user_rows
        .iter()
        .map(|row| row.user.username.clone())
        .collect();
    let tag_rows: Vec<TagCountChange> = words::TAGS
        .iter()
        .zip(tag_counts)
        .map(|(name, articles_count)| TagCountChange {
            name: (*name).to_owned(),
            articles_count,
        })
        .collect();
    let (users_inserted, id_by_username, tag_ids) = on_connection!(&db, async move |conn| {
        conn.prepare_bulk_load().await?;
        let users_inserted = conn
            .write_transaction(async |conn| {
                let inserted = conn.bulk_insert(user_rows).await?;
                conn.bulk_insert(tag_rows).await?;
                Ok(inserted)
            })
            .await?;
        let id_by_username: HashMap<String, i32> = users::table
            .select((users::username, users::id))
            .load(conn)
            .await?
            .into_iter()
            .collect();
        let tag_ids: HashMap<String, i32> = tags::table
            .select((tags::name, tags::id))
            .load(conn)
            .await?
            .into_iter()
            .collect();
        Ok((users_inserted, id_by_username, tag_ids))
    })?;
    let user_ids = ids_in_plan_order(usernames, &id_by_username)?;
    let tag_ids: Vec<i32> = words::TAGS.iter().map(|name| tag_ids[*name]).collect();
    report.users = logged("users and tags", users_inserted, stage);

    // Follows and articles.
    let stage = Instant::now();
    let follow_rows: Vec<FollowRow> = follows
        .into_iter()
        .map(|(follower, followee)| FollowRow {
            follower_id: user_ids[follower as usize],
            followee_id: user_ids[followee as usize],
            created_at: now,
        })
        .collect();
    let slugs: Vec<String> = article_rows
        .iter()
        .map(|row| row.article.slug.clone())
        .collect();
    let written: Vec<NaiveDateTime> = article_rows
        .iter()
        .map(|row| row.article.created_at)
        .collect();
    for (row, author) in article_rows.iter_mut().zip(authors) {
        row.article.author_id = user_ids[author as usize];
    }
    let (follows_inserted, articles_inserted, id_by_slug) =
        on_connection!(&db, async move |conn| {
            conn.prepare_bulk_load().await?;
            let (follows_inserted, articles_inserted) = conn
                .write_transaction(async |conn| {
                    let suspended = conn.suspend_foreign_keys(&["follows", "articles"]).await?;
                    let loaded = async {
                        Ok::<_, AppError>((
                            conn.bulk_insert(follow_rows).await?,
                            conn.bulk_insert(article_rows).await?,
                        ))
                    }
                    .await;
                    restored(conn.restore_foreign_keys(suspended).await, loaded)
                })
                .await?;
            let id_by_slug: HashMap<String, i32> = articles::table
                .select((articles::slug, articles::id))
                .load(conn)
                .await?
                .into_iter()
                .collect();
            Ok((follows_inserted, articles_inserted, id_by_slug))
        })?;
    let article_ids = ids_in_plan_order(slugs, &id_by_slug)?;
    drop(id_by_slug);
    report.follows = follows_inserted;
    report.articles = logged("follows and articles", articles_inserted, stage);

    // Everything that hangs off an article, and the site's article count.
    let stage = Instant::now();
    let link_rows: Vec<ArticleTagRow> = links
        .into_iter()
        .map(|(article, tag)| ArticleTagRow {
            article_id: article_ids[article as usize],
            tag_id: tag_ids[tag as usize],
            article_created_at: written[article as usize],
        })
        .collect();
    let mut favorite_rows: Vec<FavoriteRow> = favorites
        .into_iter()
        .map(|(user, article)| FavoriteRow {
            user_id: user_ids[user as usize],
            article_id: article_ids[article as usize],
            created_at: now,
        })
        .collect();
    // In primary-key order, so the inserts append to the key's index (MySQL's table itself)
    // instead of touching a random page of it for every row.
    favorite_rows.sort_unstable_by_key(|row| (row.user_id, row.article_id));
    let comment_rows: Vec<NewCommentRow> = comments
        .into_iter()
        .map(|comment| NewCommentRow {
            article_id: article_ids[comment.article as usize],
            author_id: user_ids[comment.author as usize],
            body: comment.body,
            created_at: comment.written,
            updated_at: comment.written,
        })
        .collect();
    let article_count = i32::try_from(article_ids.len())
        .map_err(|_| AppError::invalid("articles", "must be at most 2147483647"))?;
    (report.article_tags, report.favorites, report.comments) =
        on_connection!(&db, async move |conn| {
            conn.prepare_bulk_load().await?;
            conn.write_transaction(async |conn| {
                let suspended = conn
                    .suspend_foreign_keys(&["article_tags", "favorites", "comments"])
                    .await?;
                let loaded = async {
                    Ok::<_, AppError>((
                        conn.bulk_insert(link_rows).await?,
                        conn.bulk_insert(favorite_rows).await?,
                        conn.bulk_insert(comment_rows).await?,
                    ))
                }
                .await;
                let counts = restored(conn.restore_foreign_keys(suspended).await, loaded)?;
                diesel::update(site_counters::table)
                    .set(site_counters::articles_count.eq(article_count))
                    .execute(conn)
                    .await?;
                Ok(counts)
            })
            .await
        })?;
    logged(
        "tags, favorites and comments",
        report.article_tags + report.favorites + report.comments,
        stage,
    );
    let stage = Instant::now();
    on_connection!(&db, async move |conn| {
        Ok(conn.update_planner_statistics().await?)
    })?;
    logged("planner statistics", 0, stage);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The outcome of a load that ran with its foreign keys suspended: the load's own error comes
/// first (after it PostgreSQL's transaction is aborted and cannot restore anything; the rollback
/// restores the keys), then a failure to restore them (on PostgreSQL: a row that does not match
/// its key).
fn restored<T>(restore: QueryResult<()>, loaded: Result<T, AppError>) -> Result<T, AppError> {
    let value = loaded?;
    restore?;
    Ok(value)
}

/// The database's id of each planned row, in plan order, from the unique key it was written with.
fn ids_in_plan_order(keys: Vec<String>, ids: &HashMap<String, i32>) -> Result<Vec<i32>, AppError> {
    keys.into_iter()
        .map(|key| {
            ids.get(&key).copied().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "seeded row {key} was not found after its insert"
                ))
            })
        })
        .collect()
}

/// Logs one stage of the seed (operators seeding `huge` watch these) and passes `rows` on.
fn logged(stage: &str, rows: usize, started: Instant) -> usize {
    tracing::info!(
        stage,
        rows,
        seconds = started.elapsed().as_secs_f64(),
        "seed stage done"
    );
    rows
}
