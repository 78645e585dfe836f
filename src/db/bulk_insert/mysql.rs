//! MySQL/MariaDB: `INSERT INTO table (columns) SELECT columns FROM JSON_TABLE(?, '$[*]' COLUMNS
//! (…))` with the rows as one JSON array of arrays per statement (`[[1, 2, "2026-…"], …]`). One
//! parameter per statement instead of one per value: the driver prepares and describes each
//! parameter of a statement, which for multi-row `VALUES` cost more than the server's work.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::sql_types::Text;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

use super::BulkInsert;
use crate::db::models::{ArticleTagRow, FavoriteRow, FollowRow, NewCommentRow, SeededArticleRow};

/// Bytes of JSON per statement: a statement must stay under the server's `max_allowed_packet`
/// (16 MiB by default on MariaDB, 64 MiB on MySQL 8).
const JSON_BYTES_PER_STATEMENT: usize = 4 * 1024 * 1024;

/// How a `DATETIME(6)` column reads a timestamp from JSON.
fn datetime(value: NaiveDateTime) -> String {
    value.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// The statement for `table`'s `columns` (name, JSON_TABLE type), the n-th column at `$[n]`.
fn json_table_insert(table: &str, columns: &[(&str, &str)]) -> String {
    let names: Vec<String> = columns
        .iter()
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    let definitions: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(index, (name, sql_type))| format!("`{name}` {sql_type} PATH '$[{index}]'"))
        .collect();
    format!(
        "INSERT INTO `{table}` ({names}) SELECT {names} FROM JSON_TABLE(?, '$[*]' COLUMNS ({definitions})) AS loaded",
        names = names.join(", "),
        definitions = definitions.join(", ")
    )
}

/// Sends `document` (a JSON array being built, without its closing bracket) as one statement.
async fn flush(
    connection: &mut AsyncMysqlConnection,
    sql: &str,
    document: &mut Vec<u8>,
) -> QueryResult<usize> {
    if document.len() <= 1 {
        return Ok(0);
    }
    document.push(b']');
    let text = String::from_utf8(std::mem::replace(document, vec![b'[']))
        .expect("serde_json writes UTF-8");
    diesel::sql_query(sql)
        .bind::<Text, _>(text)
        .execute(connection)
        .await
}

/// `Row => "table" |row| (name: "JSON_TABLE type" = value, …)`, each value anything serde writes
/// as a JSON scalar.
macro_rules! json_table_insert {
    ($($row:ty => $table:literal |$each:ident| ($($column:ident: $sql_type:literal = $value:expr),+ $(,)?)),* $(,)?) => {$(
        impl BulkInsert<$row> for AsyncMysqlConnection {
            async fn bulk_insert(&mut self, rows: Vec<$row>) -> QueryResult<usize> {
                let sql = json_table_insert($table, &[$((stringify!($column), $sql_type)),+]);
                let mut document = vec![b'['];
                let mut inserted = 0;
                for $each in &rows {
                    if document.len() > 1 {
                        document.push(b',');
                    }
                    serde_json::to_writer(&mut document, &($($value,)+))
                        .map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))?;
                    if document.len() >= JSON_BYTES_PER_STATEMENT {
                        inserted += flush(self, &sql, &mut document).await?;
                    }
                }
                inserted += flush(self, &sql, &mut document).await?;
                Ok(inserted)
            }
        }
    )*};
}

json_table_insert!(
    ArticleTagRow => "article_tags" |row| (
        article_id: "INT" = row.article_id,
        tag_id: "INT" = row.tag_id,
        article_created_at: "DATETIME(6)" = datetime(row.article_created_at),
    ),
    FavoriteRow => "favorites" |row| (
        user_id: "INT" = row.user_id,
        article_id: "INT" = row.article_id,
        created_at: "DATETIME(6)" = datetime(row.created_at),
    ),
    FollowRow => "follows" |row| (
        follower_id: "INT" = row.follower_id,
        followee_id: "INT" = row.followee_id,
        created_at: "DATETIME(6)" = datetime(row.created_at),
    ),
    SeededArticleRow => "articles" |row| (
        slug: "VARCHAR(320)" = &row.article.slug,
        title: "VARCHAR(255)" = &row.article.title,
        description: "LONGTEXT" = &row.article.description,
        body: "LONGTEXT" = &row.article.body,
        author_id: "INT" = row.article.author_id,
        created_at: "DATETIME(6)" = datetime(row.article.created_at),
        updated_at: "DATETIME(6)" = datetime(row.article.updated_at),
        favorites_count: "INT" = row.favorites_count,
    ),
    NewCommentRow => "comments" |row| (
        article_id: "INT" = row.article_id,
        author_id: "INT" = row.author_id,
        body: "LONGTEXT" = &row.body,
        created_at: "DATETIME(6)" = datetime(row.created_at),
        updated_at: "DATETIME(6)" = datetime(row.updated_at),
    ),
);
