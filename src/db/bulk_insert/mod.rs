//! Loading millions of rows (`conduit seed` only; the request path inserts with
//! [`BatchInsert`]'s portable multi-row `VALUES`). Each backend takes the rows the cheapest way
//! it offers through the connection the seed already holds, so a load stays one transaction:
//!
//! - PostgreSQL: one array per column, `INSERT … SELECT * FROM unnest($1, $2, …)`;
//! - MySQL/MariaDB: one JSON document per statement, `INSERT … SELECT … FROM JSON_TABLE(?, …)`
//!   (MySQL 8.0.4+, MariaDB 10.6+), for the tables with millions of rows;
//! - SQLite: multi-row `VALUES` on the connection's own thread, already in-process.
//!
//! Why not `VALUES` everywhere: PostgreSQL parses and plans a 500-row `VALUES` list row by row,
//! and the MySQL driver sends and describes every one of its parameters (1,500 per statement of
//! 500 three-column rows) — a 1M-article seed spent most of its time in the client (see the
//! README's "Seeding `huge`").

mod mysql;
mod postgres;

use std::future::Future;

use diesel::QueryResult;
use diesel_async::AsyncMysqlConnection;

use super::SqliteConnection;
use super::batch::BatchInsert;
use super::models::{SeededUserRow, TagCountChange};

pub trait BulkInsert<Row>: Send {
    /// Inserts `rows` in as few statements as the backend takes; returns the rows inserted.
    fn bulk_insert(&mut self, rows: Vec<Row>) -> impl Future<Output = QueryResult<usize>> + Send;
}

impl<Row: Send> BulkInsert<Row> for SqliteConnection
where
    SqliteConnection: BatchInsert<Row>,
{
    async fn bulk_insert(&mut self, rows: Vec<Row>) -> QueryResult<usize> {
        self.insert_batch(rows).await
    }
}

/// Users (100,000 for `huge`, with nullable columns) and tags (a few dozen) are few enough for
/// multi-row `VALUES`.
macro_rules! mysql_values {
    ($($row:ty),*) => {$(
        impl BulkInsert<$row> for AsyncMysqlConnection {
            async fn bulk_insert(&mut self, rows: Vec<$row>) -> QueryResult<usize> {
                self.insert_batch(rows).await
            }
        }
    )*};
}

mysql_values!(SeededUserRow, TagCountChange);
