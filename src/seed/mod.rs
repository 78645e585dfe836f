//! `conduit seed`: fills an empty database with believable demo data (users, follows, articles
//! with tags, favorites, comments) so that a frontend shows a lively site on first run and
//! benchmarks have data. Rows go in with multi-row inserts, so 10,000 articles take seconds.
//!
//! The counters (article, favorite and tag counts) are set by one recount at the end.
//!
//! Every demo user's password is [`DEMO_PASSWORD`]; one argon2 hash is computed and shared, since
//! hashing each user separately would dominate the run for no benefit to demo data.

mod words;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, SubsecRound as _};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};

use crate::db::batch::BatchInsert as _;
use crate::db::dialect::Dialect as _;
use crate::db::models::{
    ArticleTagRow, FavoriteRow, FollowRow, NewArticleRow, NewCommentRow, NewTagRow, NewUserRow,
};
use crate::db::schema::{articles, tags, users};
use crate::error::AppError;
use crate::on_connection;
use crate::service::slug::slugify;
use crate::state::AppState;

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
    let mut rng = StdRng::seed_from_u64(plan.random_seed);
    let password_hash = state.passwords().hash(DEMO_PASSWORD.to_owned()).await?;
    let now = crate::service::now();
    let mut report = SeedReport::default();

    let user_rows: Vec<NewUserRow> = (0..plan.users)
        .map(|index| {
            let username = format!(
                "{}_{}{}",
                words::pick(&mut rng, words::FIRST_NAMES),
                words::pick(&mut rng, words::LAST_NAMES),
                index
            );
            let joined = some_time_before(&mut rng, now);
            NewUserRow {
                email: format!("{username}@example.com"),
                username,
                password_hash: password_hash.clone(),
                bio: words::bio(&mut rng),
                image: None,
                created_at: joined,
                updated_at: joined,
            }
        })
        .collect();
    let tag_rows: Vec<NewTagRow> = words::TAGS
        .iter()
        .map(|name| NewTagRow {
            name: (*name).to_owned(),
        })
        .collect();

    let (users_inserted, user_ids, tag_ids) = on_connection!(&db, async move |conn| {
        conn.prepare_bulk_load().await?;
        let users_inserted = conn
            .write_transaction(async |conn| {
                let inserted = conn.insert_batch(user_rows).await?;
                conn.insert_missing_tags(tag_rows).await?;
                Ok(inserted)
            })
            .await?;
        let user_ids: Vec<i32> = users::table
            .select(users::id)
            .order(users::id)
            .load(conn)
            .await?;
        let tag_ids: Vec<i32> = tags::table
            .select(tags::id)
            .order(tags::id)
            .load(conn)
            .await?;
        Ok((users_inserted, user_ids, tag_ids))
    })?;
    report.users = users_inserted;

    let follow_rows = follows(&mut rng, &user_ids, now);
    let article_rows: Vec<NewArticleRow> = (0..plan.articles)
        .map(|index| {
            let title = words::title(&mut rng);
            let written = some_time_before(&mut rng, now);
            NewArticleRow {
                slug: format!("{}-{index}", slugify(&title)),
                title,
                description: words::description(&mut rng),
                body: words::body(&mut rng),
                author_id: user_ids[rng.random_range(0..user_ids.len())],
                created_at: written,
                updated_at: written,
            }
        })
        .collect();

    let (follows_inserted, articles_inserted, article_ids) =
        on_connection!(&db, async move |conn| {
            conn.prepare_bulk_load().await?;
            let (follows_inserted, articles_inserted) = conn
                .write_transaction(async |conn| {
                    Ok((
                        conn.insert_batch(follow_rows).await?,
                        conn.insert_batch(article_rows).await?,
                    ))
                })
                .await?;
            let article_ids = articles::table
                .select((articles::id, articles::created_at))
                .order(articles::id)
                .load::<(i32, NaiveDateTime)>(conn)
                .await?;
            Ok((follows_inserted, articles_inserted, article_ids))
        })?;
    report.follows = follows_inserted;
    report.articles = articles_inserted;

    let mut links = Vec::new();
    let mut favorites = Vec::new();
    let mut comments = Vec::new();
    for &(article_id, created_at) in &article_ids {
        let tag_count = rng.random_range(1..=4).min(tag_ids.len());
        for tag in sample(&mut rng, tag_ids.len(), tag_count) {
            links.push(ArticleTagRow {
                article_id,
                tag_id: tag_ids[tag],
                article_created_at: created_at,
            });
        }
        let fans = rng.random_range(0..=10).min(user_ids.len());
        for fan in sample(&mut rng, user_ids.len(), fans) {
            favorites.push(FavoriteRow {
                user_id: user_ids[fan],
                article_id,
                created_at: now,
            });
        }
        for _ in 0..rng.random_range(0..=3) {
            let written = some_time_before(&mut rng, now);
            comments.push(NewCommentRow {
                article_id,
                author_id: user_ids[rng.random_range(0..user_ids.len())],
                body: words::reply(&mut rng),
                created_at: written,
                updated_at: written,
            });
        }
    }
    (report.article_tags, report.favorites, report.comments) =
        on_connection!(&db, async move |conn| {
            conn.prepare_bulk_load().await?;
            conn.write_transaction(async |conn| {
                Ok((
                    conn.insert_batch(links).await?,
                    conn.insert_batch(favorites).await?,
                    conn.insert_batch(comments).await?,
                ))
            })
            .await
        })?;
    // The rows went in without the service, so the counters are set from them once, in a few
    // set-based statements.
    crate::check::recount_all(&db).await?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Each user follows up to five others.
fn follows(rng: &mut StdRng, user_ids: &[i32], now: NaiveDateTime) -> Vec<FollowRow> {
    let mut pairs = HashSet::new();
    for &follower_id in user_ids {
        for _ in 0..rng.random_range(0..=5) {
            let followee_id = user_ids[rng.random_range(0..user_ids.len())];
            if followee_id != follower_id {
                pairs.insert((follower_id, followee_id));
            }
        }
    }
    let mut pairs: Vec<(i32, i32)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    pairs
        .into_iter()
        .map(|(follower_id, followee_id)| FollowRow {
            follower_id,
            followee_id,
            created_at: now,
        })
        .collect()
}

/// A random moment in the year before `now`, at millisecond precision.
fn some_time_before(rng: &mut StdRng, now: NaiveDateTime) -> NaiveDateTime {
    let back = chrono::Duration::milliseconds(rng.random_range(0..365 * 24 * 3600 * 1000_i64));
    (now - back).trunc_subsecs(3)
}
