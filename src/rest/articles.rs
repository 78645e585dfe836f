//! `/api/articles`, `/api/articles/feed`, `/api/articles/{slug}` and its `/favorite`.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;

use super::extract::{AuthUser, JsonBody, MaybeAuthUser};
use super::profiles::Profile;
use super::timestamp;
use super::users::present;
use crate::db::Session;
use crate::error::AppError;
use crate::service::articles::{self, ArticleFilter, ArticleList, ArticleUpdate, NewArticle};
use crate::service::paging::Page;
use crate::state::AppState;

/// `{"article": …}`; a request without the wrapper reads as one with every field left out, so
/// the lookup and the authorship check still come first.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct ArticleEnvelope<T> {
    #[serde(default)]
    pub article: T,
}

/// An article as clients see it. `body` is `None` in lists, and then left out of the JSON.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub tag_list: Vec<String>,
    #[serde(serialize_with = "timestamp::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "timestamp::serialize")]
    pub updated_at: NaiveDateTime,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
}

impl From<crate::service::article_views::Article> for Article {
    fn from(article: crate::service::article_views::Article) -> Self {
        Article {
            slug: article.slug,
            title: article.title,
            description: article.description,
            body: article.body,
            tag_list: article.tag_list,
            created_at: article.created_at,
            updated_at: article.updated_at,
            favorited: article.favorited,
            favorites_count: article.favorites_count,
            author: article.author.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticlesResponse {
    articles: Vec<Article>,
    articles_count: i64,
}

impl From<ArticleList> for ArticlesResponse {
    fn from(list: ArticleList) -> Self {
        ArticlesResponse {
            articles: list.articles.into_iter().map(Article::from).collect(),
            articles_count: list.total,
        }
    }
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewArticleBody {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    tag_list: Option<Vec<String>>,
}

#[derive(Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateArticleBody {
    #[serde(default, deserialize_with = "present")]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    body: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    tag_list: Option<Option<Vec<String>>>,
}

type SingleArticle = Json<ArticleEnvelope<Article>>;

fn page_of(query: &HashMap<String, String>) -> Result<Page, AppError> {
    Page::parse(
        query.get("limit").map(String::as_str),
        query.get("offset").map(String::as_str),
    )
}

/// `GET /api/articles?tag=&author=&favorited=&limit=&offset=`
#[utoipa::path(get, path = "/api/articles", operation_id = "GetArticles", tag = "Articles",
    params(("tag" = Option<String>, Query, description = "Only articles with this tag"),
        ("author" = Option<String>, Query, description = "Only articles by this username"),
        ("favorited" = Option<String>, Query, description = "Only articles favorited by this username"),
        ("limit" = Option<i64>, Query, description = "1 to 100, default 20", minimum = 1, maximum = 100),
        ("offset" = Option<i64>, Query, description = "Items to skip, default 0", minimum = 0, maximum = 1000000000)), security((), ("Token" = [])),
    responses((status = 200, description = "Newest first; items have no body", body = ArticlesResponse), (status = 422, description = "A field breaks a rule", body = ErrorBody), (status = 401, description = "An invalid or expired token (a missing one is fine)", body = ErrorBody)))]
pub async fn list_articles(
    db: Session,
    MaybeAuthUser(viewer): MaybeAuthUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<ArticlesResponse>, AppError> {
    let page = page_of(&query)?;
    let filter = ArticleFilter::new(
        query.get("tag").cloned(),
        query.get("author").cloned(),
        query.get("favorited").cloned(),
    );
    let list = articles::list_articles(&db, viewer, &filter, page, false).await?;
    Ok(Json(list.into()))
}

/// `GET /api/articles/feed?limit=&offset=`
#[utoipa::path(get, path = "/api/articles/feed", operation_id = "GetArticlesFeed", tag = "Articles",
    params(("limit" = Option<i64>, Query, minimum = 1, maximum = 100), ("offset" = Option<i64>, Query, minimum = 0, maximum = 1000000000)), security(("Token" = [])),
    responses((status = 200, body = ArticlesResponse), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 422, description = "A field breaks a rule", body = ErrorBody)))]
pub async fn feed(
    db: Session,
    AuthUser(viewer): AuthUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<ArticlesResponse>, AppError> {
    let page = page_of(&query)?;
    let list = articles::feed(&db, viewer, page, false).await?;
    Ok(Json(list.into()))
}

/// `GET /api/articles/{slug}`
#[utoipa::path(get, path = "/api/articles/{slug}", operation_id = "GetArticle", tag = "Articles",
    params(("slug" = String, Path)), security((), ("Token" = [])),
    responses((status = 200, body = ArticleEnvelope<Article>), (status = 404, description = "Unknown article", body = ErrorBody), (status = 401, description = "An invalid or expired token (a missing one is fine)", body = ErrorBody)))]
pub async fn get_article(
    db: Session,
    MaybeAuthUser(viewer): MaybeAuthUser,
    Path(slug): Path<String>,
) -> Result<SingleArticle, AppError> {
    let article = articles::get_article(&db, viewer, &slug).await?;
    Ok(Json(ArticleEnvelope {
        article: article.into(),
    }))
}

/// `POST /api/articles` → 201
#[utoipa::path(post, path = "/api/articles", operation_id = "CreateArticle", tag = "Articles",
    request_body = ArticleEnvelope<NewArticleBody>, security(("Token" = [])),
    responses((status = 201, body = ArticleEnvelope<Article>), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 422, description = "A field breaks a rule", body = ErrorBody), (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody), (status = 413, description = "Body larger than MAX_BODY_BYTES", body = ErrorBody), (status = 429, description = "Past the WRITES_PER_USER quota; wait Retry-After seconds", body = ErrorBody)))]
pub async fn create_article(
    State(state): State<AppState>,
    db: Session,
    AuthUser(viewer): AuthUser,
    JsonBody(body): JsonBody<ArticleEnvelope<NewArticleBody>>,
) -> Result<(StatusCode, SingleArticle), AppError> {
    let input = NewArticle {
        title: body.article.title,
        description: body.article.description,
        body: body.article.body,
        tag_list: body.article.tag_list,
    };
    let article = articles::create_article(&db, &state, viewer, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(ArticleEnvelope {
            article: article.into(),
        }),
    ))
}

/// `PUT /api/articles/{slug}`: partial update by the author.
#[utoipa::path(put, path = "/api/articles/{slug}", operation_id = "UpdateArticle", tag = "Articles",
    params(("slug" = String, Path)), request_body = ArticleEnvelope<UpdateArticleBody>, security(("Token" = [])),
    responses((status = 200, body = ArticleEnvelope<Article>), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 403, description = "Not the author", body = ErrorBody), (status = 404, description = "Unknown article", body = ErrorBody), (status = 422, description = "A field breaks a rule", body = ErrorBody), (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody), (status = 413, description = "Body larger than MAX_BODY_BYTES", body = ErrorBody)))]
pub async fn update_article(
    db: Session,
    AuthUser(viewer): AuthUser,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<ArticleEnvelope<UpdateArticleBody>>,
) -> Result<SingleArticle, AppError> {
    let input = ArticleUpdate {
        title: body.article.title,
        description: body.article.description,
        body: body.article.body,
        tag_list: body.article.tag_list,
    };
    let article = articles::update_article(&db, viewer, &slug, input).await?;
    Ok(Json(ArticleEnvelope {
        article: article.into(),
    }))
}

/// `DELETE /api/articles/{slug}` → 204
#[utoipa::path(delete, path = "/api/articles/{slug}", operation_id = "DeleteArticle", tag = "Articles",
    params(("slug" = String, Path)), security(("Token" = [])),
    responses((status = 204, description = "Deleted"), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 403, description = "Not the author", body = ErrorBody), (status = 404, description = "Unknown article", body = ErrorBody)))]
pub async fn delete_article(
    db: Session,
    AuthUser(viewer): AuthUser,
    Path(slug): Path<String>,
) -> Result<StatusCode, AppError> {
    articles::delete_article(&db, viewer, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/articles/{slug}/favorite` (no body needed)
#[utoipa::path(post, path = "/api/articles/{slug}/favorite", operation_id = "CreateArticleFavorite", tag = "Favorites",
    params(("slug" = String, Path)), security(("Token" = [])),
    responses((status = 200, body = ArticleEnvelope<Article>), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 404, description = "Unknown article", body = ErrorBody)))]
pub async fn favorite(
    db: Session,
    AuthUser(viewer): AuthUser,
    Path(slug): Path<String>,
) -> Result<SingleArticle, AppError> {
    let article = articles::favorite(&db, viewer, &slug).await?;
    Ok(Json(ArticleEnvelope {
        article: article.into(),
    }))
}

/// `DELETE /api/articles/{slug}/favorite`
#[utoipa::path(delete, path = "/api/articles/{slug}/favorite", operation_id = "DeleteArticleFavorite", tag = "Favorites",
    params(("slug" = String, Path)), security(("Token" = [])),
    responses((status = 200, body = ArticleEnvelope<Article>), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 404, description = "Unknown article", body = ErrorBody)))]
pub async fn unfavorite(
    db: Session,
    AuthUser(viewer): AuthUser,
    Path(slug): Path<String>,
) -> Result<SingleArticle, AppError> {
    let article = articles::unfavorite(&db, viewer, &slug).await?;
    Ok(Json(ArticleEnvelope {
        article: article.into(),
    }))
}
