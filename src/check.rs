//! `conduit check`: recounts every counter of [`service::counters`](crate::service::counters)
//! from the rows it counts, and compares the copy of each article's `created_at` on its tag links
//! (`article_tags.article_created_at`, which orders a tag's page) with the article's, and reports
//! the rows that differ ("drift"); with `--repair` it sets them to the recount or the original. The service keeps the counters exact, so drift means a
//! change made outside it (a manual edit, a restored backup of part of the data, a bug).
//!
//! Each counter is one recount statement, the same SQL text on every backend (correlated
//! `COUNT(*)` subqueries, each answered from an index). Checking reads in one transaction, so the
//! counters and the rows are compared at one moment even while the site is writing. Repairing
//! writes in one transaction too, but a write that commits while the repair runs can be counted
//! twice or not at all on PostgreSQL and MySQL: repair while the site is not writing, and check
//! again afterwards.

use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

use crate::db::Session;
use crate::db::dialect::Dialect as _;
use crate::error::AppError;
use crate::on_connection;

/// One counter column (or kept copy) and how to recount it.
struct Counter {
    /// `table.column`, as reported.
    name: &'static str,
    table: &'static str,
    column: &'static str,
    /// The true value for the row of `table` being checked (a correlated subquery).
    recount: &'static str,
}

const COUNTERS: &[Counter] = &[
    Counter {
        name: "site_counters.articles_count",
        table: "site_counters",
        column: "articles_count",
        recount: "(SELECT COUNT(*) FROM articles)",
    },
    Counter {
        name: "users.articles_count",
        table: "users",
        column: "articles_count",
        recount: "(SELECT COUNT(*) FROM articles WHERE articles.author_id = users.id)",
    },
    Counter {
        name: "users.favorites_count",
        table: "users",
        column: "favorites_count",
        recount: "(SELECT COUNT(*) FROM favorites WHERE favorites.user_id = users.id)",
    },
    Counter {
        name: "articles.favorites_count",
        table: "articles",
        column: "favorites_count",
        recount: "(SELECT COUNT(*) FROM favorites WHERE favorites.article_id = articles.id)",
    },
    Counter {
        name: "tags.articles_count",
        table: "tags",
        column: "articles_count",
        recount: "(SELECT COUNT(*) FROM article_tags WHERE article_tags.tag_id = tags.id)",
    },
    // Not a counter but kept the same way (in the transaction of every write that changes it),
    // and wrong in the same way after a hand edit: a tag's page would be out of order.
    Counter {
        name: "article_tags.article_created_at",
        table: "article_tags",
        column: "article_created_at",
        recount: "(SELECT articles.created_at FROM articles WHERE articles.id = article_tags.article_id)",
    },
];

/// How many rows of one counter column disagree with a recount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// `table.column`, e.g. `tags.articles_count`.
    pub counter: &'static str,
    /// Rows whose counter differs from the recount (found before a repair).
    pub rows: i64,
}

#[derive(diesel::QueryableByName)]
struct Drifted {
    #[diesel(sql_type = BigInt)]
    drifted: i64,
}

impl Counter {
    fn drift_sql(&self) -> String {
        format!(
            "SELECT COUNT(*) AS drifted FROM {table} WHERE {column} <> {recount}",
            table = self.table,
            column = self.column,
            recount = self.recount
        )
    }

    fn repair_sql(&self) -> String {
        format!(
            "UPDATE {table} SET {column} = {recount} WHERE {column} <> {recount}",
            table = self.table,
            column = self.column,
            recount = self.recount
        )
    }
}

/// Recounts every counter; with `repair`, sets the drifted ones to their recount in the same
/// transaction. Returns every counter with its number of drifted rows (0 when exact).
pub async fn check_counters(db: &Session, repair: bool) -> Result<Vec<Drift>, AppError> {
    on_connection!(db, async move |conn| {
        conn.write_transaction(async |conn| {
            let mut report = Vec::with_capacity(COUNTERS.len());
            for counter in COUNTERS {
                let found: Drifted = diesel::sql_query(counter.drift_sql())
                    .get_result(conn)
                    .await?;
                if repair && found.drifted > 0 {
                    diesel::sql_query(counter.repair_sql())
                        .execute(conn)
                        .await?;
                }
                report.push(Drift {
                    counter: counter.name,
                    rows: found.drifted,
                });
            }
            Ok(report)
        })
        .await
    })
}

/// Sets every counter to its recount, for data written without the service (`conduit seed`).
pub async fn recount_all(db: &Session) -> Result<(), AppError> {
    check_counters(db, true).await.map(|_| ())
}
