//! Loading millions of rows in a few transactions (`conduit seed`), as each database's manual
//! advises: PostgreSQL's "Populating a Database" (drop foreign keys, load, add them back: one
//! set-based check instead of one trigger and one row lock per inserted row) and MySQL's "Bulk
//! Data Loading for InnoDB Tables" (`foreign_key_checks = 0` for the loading session). Only for
//! data that is consistent by construction: the seed writes ids it has just read back.

use std::future::Future;

use diesel::QueryResult;
use diesel::sql_types::{Array, Text};
use diesel_async::{AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};

use super::SqliteConnection;

/// The page cache a bulk-loading SQLite connection may use, in KiB (an upper bound, taken only as
/// pages are touched).
pub const BULK_LOAD_CACHE_KIB: u32 = 1024 * 1024;

/// What [`BulkLoad::suspend_foreign_keys`] turned off: the statements that turn it back on.
#[must_use = "pass it to restore_foreign_keys, or the foreign keys stay off"]
pub struct SuspendedForeignKeys {
    restore: Vec<String>,
}

pub trait BulkLoad: Send {
    /// Readies this connection for loading millions of rows in a few transactions. SQLite may
    /// then keep up to [`BULK_LOAD_CACHE_KIB`] of pages in memory: with its default 2 MiB cache,
    /// a transaction inserting into an index in random key order (favorites by user) spills and
    /// rewrites the same pages over and over (a 1M-article seed wrote 57 GB to the WAL).
    /// PostgreSQL and MySQL manage their own buffers: nothing to do.
    fn prepare_bulk_load(&mut self) -> impl Future<Output = QueryResult<()>> + Send;

    /// Stops checking the foreign keys of `tables` row by row, inside the current transaction:
    /// PostgreSQL drops them (transactional DDL: a rollback brings them back), MySQL turns
    /// `foreign_key_checks` off for this session. SQLite keeps checking (its checks are index
    /// lookups in the same process, and `PRAGMA foreign_keys` cannot change in a transaction).
    fn suspend_foreign_keys(
        &mut self,
        tables: &[&str],
    ) -> impl Future<Output = QueryResult<SuspendedForeignKeys>> + Send;

    /// Brings the query planner's statistics up to date after a load, as PostgreSQL's
    /// "Populating a Database" asks (`ANALYZE`): until autovacuum gets to the new tables the planner
    /// guesses, and its guess for the feed (walk the whole `(created_at, id)` index looking for the
    /// followed authors' articles) took 200–300 ms at 100,000 articles where the planned query
    /// takes 0.4 ms. MySQL's InnoDB recalculates its persistent statistics itself once a tenth of
    /// a table has changed; SQLite plans without statistics unless `ANALYZE` was run, and a seeded
    /// site should plan like one that grew.
    fn update_planner_statistics(&mut self) -> impl Future<Output = QueryResult<()>> + Send;

    /// Turns the foreign keys back on. PostgreSQL adds each dropped key again, with its name and
    /// definition, which checks every loaded row in one query (and fails the transaction if one
    /// does not match).
    fn restore_foreign_keys(
        &mut self,
        suspended: SuspendedForeignKeys,
    ) -> impl Future<Output = QueryResult<()>> + Send;
}

impl BulkLoad for SqliteConnection {
    async fn update_planner_statistics(&mut self) -> QueryResult<()> {
        Ok(())
    }

    async fn prepare_bulk_load(&mut self) -> QueryResult<()> {
        diesel::sql_query(format!("PRAGMA cache_size = -{BULK_LOAD_CACHE_KIB}"))
            .execute(self)
            .await
            .map(drop)
    }

    async fn suspend_foreign_keys(
        &mut self,
        _tables: &[&str],
    ) -> QueryResult<SuspendedForeignKeys> {
        Ok(SuspendedForeignKeys {
            restore: Vec::new(),
        })
    }

    async fn restore_foreign_keys(&mut self, suspended: SuspendedForeignKeys) -> QueryResult<()> {
        debug_assert!(suspended.restore.is_empty(), "SQLite suspends nothing");
        Ok(())
    }
}

#[derive(diesel::QueryableByName)]
struct ForeignKey {
    /// As `regclass` prints it: quoted where it has to be.
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    /// `FOREIGN KEY (…) REFERENCES …(…) ON DELETE …`, from `pg_get_constraintdef`.
    #[diesel(sql_type = Text)]
    definition: String,
}

impl BulkLoad for AsyncPgConnection {
    async fn update_planner_statistics(&mut self) -> QueryResult<()> {
        diesel::sql_query("ANALYZE").execute(self).await.map(drop)
    }

    async fn prepare_bulk_load(&mut self) -> QueryResult<()> {
        Ok(())
    }

    async fn suspend_foreign_keys(&mut self, tables: &[&str]) -> QueryResult<SuspendedForeignKeys> {
        let keys: Vec<ForeignKey> = diesel::sql_query(
            "SELECT conrelid::regclass::text AS table_name, conname::text AS name, \
                    pg_get_constraintdef(oid) AS definition \
             FROM pg_constraint \
             WHERE contype = 'f' AND conrelid = ANY($1::text[]::regclass[]) \
             ORDER BY conrelid::regclass::text, conname",
        )
        .bind::<Array<Text>, _>(
            tables
                .iter()
                .map(|table| (*table).to_owned())
                .collect::<Vec<_>>(),
        )
        .load(self)
        .await?;
        let mut restore = Vec::with_capacity(keys.len());
        for key in keys {
            let name = quoted_identifier(&key.name);
            diesel::sql_query(format!(
                "ALTER TABLE {} DROP CONSTRAINT {name}",
                key.table_name
            ))
            .execute(self)
            .await?;
            restore.push(format!(
                "ALTER TABLE {} ADD CONSTRAINT {name} {}",
                key.table_name, key.definition
            ));
        }
        Ok(SuspendedForeignKeys { restore })
    }

    async fn restore_foreign_keys(&mut self, suspended: SuspendedForeignKeys) -> QueryResult<()> {
        for statement in suspended.restore {
            diesel::sql_query(statement).execute(self).await?;
        }
        Ok(())
    }
}

impl BulkLoad for AsyncMysqlConnection {
    async fn update_planner_statistics(&mut self) -> QueryResult<()> {
        Ok(())
    }

    async fn prepare_bulk_load(&mut self) -> QueryResult<()> {
        Ok(())
    }

    async fn suspend_foreign_keys(
        &mut self,
        _tables: &[&str],
    ) -> QueryResult<SuspendedForeignKeys> {
        diesel::sql_query("SET SESSION foreign_key_checks = 0")
            .execute(self)
            .await?;
        Ok(SuspendedForeignKeys {
            restore: vec!["SET SESSION foreign_key_checks = 1".to_owned()],
        })
    }

    async fn restore_foreign_keys(&mut self, suspended: SuspendedForeignKeys) -> QueryResult<()> {
        for statement in suspended.restore {
            diesel::sql_query(statement).execute(self).await?;
        }
        Ok(())
    }
}

/// A PostgreSQL identifier in double quotes (names come from the catalog, but quoting keeps a
/// name with capitals or spaces intact).
fn quoted_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
