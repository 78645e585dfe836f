//! Rows as Diesel reads and writes them. These never leave the service layer: handlers and
//! resolvers see the view types of `service`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{article_tags, articles, comments, favorites, follows, tags, uploads, users};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update: `None` leaves the column as it is; `Some(None)` sets it to NULL.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChangeset {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub bio: Option<Option<String>>,
    pub image: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// An article without its body (lists leave the body out).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub author_id: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Kept by the favorite and unfavorite transactions (see `service::counters`).
    pub favorites_count: i32,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = articles)]
pub struct ArticleChangeset {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

/// A change to a tag's article count: the tag is created with `articles_count` if it does not
/// exist yet, otherwise `articles_count` is added to its count.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tags)]
pub struct TagCountChange {
    pub name: String,
    pub articles_count: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = article_tags)]
pub struct ArticleTagRow {
    pub article_id: i32,
    pub tag_id: i32,
    /// The article's `created_at`: see the `article_tags` table.
    pub article_created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = favorites)]
pub struct FavoriteRow {
    pub user_id: i32,
    pub article_id: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = follows)]
pub struct FollowRow {
    pub follower_id: i32,
    pub followee_id: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: i32,
    pub article_id: i32,
    pub author_id: i32,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new user (owned, so that batches can move to SQLite's blocking thread).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new article.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = articles)]
pub struct NewArticleRow {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body: String,
    pub author_id: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A user written by `conduit seed` with its counters already counted (the seed knows every row
/// it writes, so no recount is needed afterwards).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct SeededUserRow {
    #[diesel(embed)]
    pub user: NewUserRow,
    pub articles_count: i32,
    pub favorites_count: i32,
}

/// An article written by `conduit seed` with its favorites already counted.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = articles)]
pub struct SeededArticleRow {
    #[diesel(embed)]
    pub article: NewArticleRow,
    pub favorites_count: i32,
}

/// A new comment.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = comments)]
pub struct NewCommentRow {
    pub article_id: i32,
    pub author_id: i32,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new stored image.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = uploads)]
pub struct NewUploadRow {
    pub object_key: String,
    pub owner_id: i32,
    pub content_type: String,
    pub size_bytes: i32,
    pub width: i32,
    pub height: i32,
    pub created_at: NaiveDateTime,
}
