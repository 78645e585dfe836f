//! Migrations, embedded in the binary: one set per backend (`migrations/{sqlite,postgres,mysql}`),
//! applied at start-up (unless `MIGRATE_ON_START=false`) and by `conduit migrate`.

use anyhow::Context as _;
use diesel::dsl::sql;
use diesel::migration::MigrationSource;
use diesel::sql_types::{Integer, Nullable};
use diesel_async::RunQueryDsl as _;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncMysqlConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::pool::establish_sqlite;
use super::{Backend, DatabaseUrl};

/// PostgreSQL advisory lock key for migrations (any number unique to this application).
const MIGRATION_LOCK_ID: i64 = 0x0063_6f6e_6475_6974;
const MIGRATION_LOCK_WAIT_SECS: u32 = 300;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const MYSQL: EmbeddedMigrations = embed_migrations!("migrations/mysql");

/// Applies every pending migration and returns the versions applied.
///
/// Needs tokio's multi-thread runtime: diesel's migration harness is synchronous and runs inside
/// `block_in_place`.
pub async fn run_pending_migrations(url: &DatabaseUrl) -> anyhow::Result<Vec<String>> {
    let target = url.redacted();
    let applied = match url.backend() {
        Backend::Sqlite => {
            url.create_sqlite_folder()?;
            let connection = establish_sqlite(url.connection_string().to_owned())
                .await
                .with_context(|| format!("cannot open {target}"))?;
            run(connection, SQLITE)?
        }
        // Replicas start together: one migrates while the others wait for its session lock,
        // then find nothing left to do. The lock goes with the connection.
        Backend::Postgres => {
            let mut connection = crate::postgres_tls::establish(url.connection_string().to_owned())
                .await
                .with_context(|| format!("cannot connect to {target}"))?;
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_ID})"))
                .execute(&mut connection)
                .await
                .context("waiting for another instance's migrations failed")?;
            run(connection, POSTGRES)?
        }
        Backend::Mysql => {
            let mut connection = AsyncMysqlConnection::establish(url.connection_string())
                .await
                .with_context(|| format!("cannot connect to {target}"))?;
            let locked: Option<i32> = diesel::select(sql::<Nullable<Integer>>(&format!(
                "CAST(GET_LOCK('conduit_migrations', {MIGRATION_LOCK_WAIT_SECS}) AS SIGNED)"
            )))
            .get_result(&mut connection)
            .await
            .context("waiting for another instance's migrations failed")?;
            anyhow::ensure!(
                locked == Some(1),
                "another instance held the migration lock for {MIGRATION_LOCK_WAIT_SECS} s"
            );
            run(connection, MYSQL)?
        }
    };
    Ok(applied)
}

fn run<C>(
    connection: C,
    migrations: impl MigrationSource<C::Backend>,
) -> anyhow::Result<Vec<String>>
where
    C: AsyncConnection,
    AsyncMigrationHarness<C>: MigrationHarness<C::Backend>,
{
    let mut harness = AsyncMigrationHarness::new(connection);
    let applied = harness
        .run_pending_migrations(migrations)
        .map_err(|error| anyhow::anyhow!(error))
        .context("running migrations failed")?;
    Ok(applied.iter().map(ToString::to_string).collect())
}
