//! PostgreSQL: `INSERT INTO table (columns) SELECT * FROM unnest($1, $2, …)` with one array per
//! column. A statement of [`ROWS_PER_STATEMENT`] rows has as many parameters as the table has
//! columns and is parsed and planned once.

use diesel::QueryResult;
use diesel::sql_types::{Array, Integer, Nullable, Text, Timestamp};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::BulkInsert;
use crate::db::models::{
    ArticleTagRow, FavoriteRow, FollowRow, NewCommentRow, SeededArticleRow, SeededUserRow,
    TagCountChange,
};

/// Rows per statement: the parameters are one array per column, so the bound is memory (10,000
/// seeded articles are about 15 MB), not a parameter limit.
const ROWS_PER_STATEMENT: usize = 10_000;

/// `INSERT INTO table (columns) SELECT * FROM unnest($1, …)` with one array parameter per column:
/// `Row => "table" |row| (name: SqlType = value, …)`.
macro_rules! pg_unnest_insert {
    ($($row:ty => $table:literal |$each:ident| ($($column:ident: $sql_type:ty = $value:expr),+ $(,)?)),* $(,)?) => {$(
        impl BulkInsert<$row> for AsyncPgConnection {
            async fn bulk_insert(&mut self, rows: Vec<$row>) -> QueryResult<usize> {
                let columns: &[&str] = &[$(stringify!($column)),+];
                let parameters: Vec<String> =
                    (1..=columns.len()).map(|index| format!("${index}")).collect();
                let sql = format!(
                    "INSERT INTO {} ({}) SELECT * FROM unnest({})",
                    $table,
                    columns.join(", "),
                    parameters.join(", ")
                );
                let mut inserted = 0;
                for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                    let query = diesel::sql_query(sql.as_str());
                    $(
                        let query = query.bind::<Array<$sql_type>, _>(
                            chunk.iter().map(|$each| $value).collect::<Vec<_>>(),
                        );
                    )+
                    inserted += query.execute(self).await?;
                }
                Ok(inserted)
            }
        }
    )*};
}

pg_unnest_insert!(
    ArticleTagRow => "article_tags" |row| (
        article_id: Integer = row.article_id,
        tag_id: Integer = row.tag_id,
        article_created_at: Timestamp = row.article_created_at,
    ),
    FavoriteRow => "favorites" |row| (
        user_id: Integer = row.user_id,
        article_id: Integer = row.article_id,
        created_at: Timestamp = row.created_at,
    ),
    FollowRow => "follows" |row| (
        follower_id: Integer = row.follower_id,
        followee_id: Integer = row.followee_id,
        created_at: Timestamp = row.created_at,
    ),
    SeededUserRow => "users" |row| (
        username: Text = row.user.username.clone(),
        email: Text = row.user.email.clone(),
        password_hash: Text = row.user.password_hash.clone(),
        bio: Nullable<Text> = row.user.bio.clone(),
        image: Nullable<Text> = row.user.image.clone(),
        created_at: Timestamp = row.user.created_at,
        updated_at: Timestamp = row.user.updated_at,
        articles_count: Integer = row.articles_count,
        favorites_count: Integer = row.favorites_count,
    ),
    SeededArticleRow => "articles" |row| (
        slug: Text = row.article.slug.clone(),
        title: Text = row.article.title.clone(),
        description: Text = row.article.description.clone(),
        body: Text = row.article.body.clone(),
        author_id: Integer = row.article.author_id,
        created_at: Timestamp = row.article.created_at,
        updated_at: Timestamp = row.article.updated_at,
        favorites_count: Integer = row.favorites_count,
    ),
    NewCommentRow => "comments" |row| (
        article_id: Integer = row.article_id,
        author_id: Integer = row.author_id,
        body: Text = row.body.clone(),
        created_at: Timestamp = row.created_at,
        updated_at: Timestamp = row.updated_at,
    ),
    TagCountChange => "tags" |row| (
        name: Text = row.name.clone(),
        articles_count: Integer = row.articles_count,
    ),
);
