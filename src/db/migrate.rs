//! Migrations, embedded in the binary: one set per backend (`migrations/{sqlite,postgres,mysql}`),
//! applied at start-up (unless `MIGRATE_ON_START=false`) and by `conduit migrate`.

use anyhow::Context as _;
use diesel::migration::MigrationSource;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncMysqlConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::pool::establish_sqlite;
use super::{Backend, DatabaseUrl};

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
        Backend::Postgres => {
            let connection = super::postgres_tls::establish(url.connection_string().to_owned())
                .await
                .with_context(|| format!("cannot connect to {target}"))?;
            run(connection, POSTGRES)?
        }
        Backend::Mysql => {
            let connection = AsyncMysqlConnection::establish(url.connection_string())
                .await
                .with_context(|| format!("cannot connect to {target}"))?;
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
