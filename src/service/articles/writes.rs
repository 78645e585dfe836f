//! Writing articles: create, update (a new title makes a new slug) and delete, each in one
//! transaction that also keeps the counters; a slug taken meanwhile is retried with a suffix.

use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};

use super::{
    ARTICLE_FORBIDDEN, ARTICLE_NOT_FOUND, ArticleQueries as _, ArticleUpdate, BODY_MAX_CHARS,
    DESCRIPTION_MAX_CHARS, NewArticle, TITLE_MAX_CHARS,
};
use crate::auth::Viewer;
use crate::db::Session;
use crate::db::dialect::Dialect as _;
use crate::db::error::unique_violation;
use crate::db::models::{ArticleChangeset, NewArticleRow};
use crate::db::schema::articles;
use crate::error::AppError;
use crate::events::Event;
use crate::on_connection;
use crate::service::ForViewer as _;
use crate::service::article_views::{Article, ArticleViews as _};
use crate::service::counters::Counters as _;
use crate::service::slug::{slugify, with_suffix};
use crate::service::tags::validate_tag_list;
use crate::service::validation::{NOTHING_TO_UPDATE, Validator};
use crate::state::AppState;

/// Attempts at a unique slug before giving up (each after the first adds a random suffix).
const SLUG_ATTEMPTS: usize = 8;

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

        let now = crate::service::now();
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
        let updated_at =
            crate::service::now().max(article.updated_at + chrono::Duration::milliseconds(1));
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

/// The one slug-retry rule of create and update: after a write that failed with `error`, the
/// slug to try next if the failure was a slug collision (the unique constraint decides who gets
/// a slug) and attempts remain (`base` with a random suffix), otherwise `None`.
fn next_slug(error: &diesel::result::Error, attempt: &mut usize, base: &str) -> Option<String> {
    if unique_violation(error).is_none() || *attempt >= SLUG_ATTEMPTS {
        return None;
    }
    *attempt += 1;
    Some(with_suffix(base))
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error};

    use super::*;

    fn collision() -> Error {
        Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new(
                "duplicate key value violates unique constraint \"articles_slug_key\"".to_owned(),
            ),
        )
    }

    #[test]
    fn a_slug_collision_is_retried_with_a_suffix_until_the_attempts_run_out() {
        let mut attempt = 1;
        let mut tried = Vec::new();
        while let Some(slug) = next_slug(&collision(), &mut attempt, "dragons") {
            assert!(
                slug.starts_with("dragons-") && slug.len() == "dragons-".len() + 6,
                "{slug}"
            );
            tried.push(slug);
        }
        // The first attempt used the bare slug; every later one a suffix.
        assert_eq!(tried.len(), SLUG_ATTEMPTS - 1);
        assert_eq!(attempt, SLUG_ATTEMPTS);
    }

    #[test]
    fn any_other_failure_is_not_retried() {
        for error in [
            Error::NotFound,
            Error::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation,
                Box::new("violates foreign key".to_owned()),
            ),
        ] {
            let mut attempt = 1;
            assert_eq!(
                next_slug(&error, &mut attempt, "dragons"),
                None,
                "{error:?}"
            );
            assert_eq!(attempt, 1);
        }
    }
}
