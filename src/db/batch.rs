//! Many rows in one statement, on every backend. PostgreSQL and MySQL take a multi-row insert
//! through diesel-async; diesel writes SQLite's multi-row inserts only through its synchronous
//! connection, so there the insert runs on the wrapped connection's blocking thread.

use std::future::Future;

use diesel::QueryResult;
use diesel_async::{AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};

use super::SqliteConnection;
use super::models::{
    ArticleTagRow, FavoriteRow, FollowRow, NewCommentRow, SeededArticleRow, SeededUserRow,
    TagCountChange,
};
use super::schema::{article_tags, articles, comments, favorites, follows, tags, users};

/// Rows per statement: under every backend's limit on bound parameters (PostgreSQL: 65535,
/// SQLite: 32766) for the widest row (8 columns).
pub const CHUNK_ROWS: usize = 500;

pub trait BatchInsert<Row>: Send {
    /// Inserts `rows` in statements of at most [`CHUNK_ROWS`] rows; returns the rows inserted.
    fn insert_batch(&mut self, rows: Vec<Row>) -> impl Future<Output = QueryResult<usize>> + Send;
}

macro_rules! batch_insert {
    ($($row:ty => $table:expr),* $(,)?) => {$(
        impl BatchInsert<$row> for SqliteConnection {
            async fn insert_batch(&mut self, rows: Vec<$row>) -> QueryResult<usize> {
                self.spawn_blocking(move |connection| {
                    let mut inserted = 0;
                    for chunk in rows.chunks(CHUNK_ROWS) {
                        inserted += diesel::RunQueryDsl::execute(
                            diesel::insert_into($table).values(chunk),
                            connection,
                        )?;
                    }
                    Ok(inserted)
                })
                .await
            }
        }

        impl BatchInsert<$row> for AsyncPgConnection {
            async fn insert_batch(&mut self, rows: Vec<$row>) -> QueryResult<usize> {
                let mut inserted = 0;
                for chunk in rows.chunks(CHUNK_ROWS) {
                    inserted += diesel::insert_into($table).values(chunk).execute(self).await?;
                }
                Ok(inserted)
            }
        }

        impl BatchInsert<$row> for AsyncMysqlConnection {
            async fn insert_batch(&mut self, rows: Vec<$row>) -> QueryResult<usize> {
                let mut inserted = 0;
                for chunk in rows.chunks(CHUNK_ROWS) {
                    inserted += diesel::insert_into($table).values(chunk).execute(self).await?;
                }
                Ok(inserted)
            }
        }
    )*};
}

batch_insert!(
    ArticleTagRow => article_tags::table,
    FavoriteRow => favorites::table,
    FollowRow => follows::table,
    SeededUserRow => users::table,
    SeededArticleRow => articles::table,
    NewCommentRow => comments::table,
    TagCountChange => tags::table,
);
