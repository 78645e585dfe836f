//! Connection pools, one type per backend behind the [`Database`] enum.

use std::time::Duration;

use diesel_async::pooled_connection::bb8::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{
    AsyncConnection, AsyncMysqlConnection, AsyncPgConnection, SimpleAsyncConnection,
};
use futures_util::FutureExt as _;

use super::{Backend, DatabaseUrl};

/// Diesel's synchronous SQLite connection, run on tokio's blocking threads.
pub type SqliteConnection = SyncConnectionWrapper<diesel::SqliteConnection>;

/// Settings every SQLite connection needs: WAL so readers never wait for the writer, a busy
/// timeout so concurrent writers queue instead of failing, and foreign keys (off by default).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

/// How many connections a pool may hold and how long a request waits for one before it is
/// answered with 503.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: u32,
    pub checkout_timeout: Duration,
}

/// A pool of connections to the configured database. Cheap to clone.
#[derive(Clone)]
pub enum Database {
    Sqlite(Pool<SqliteConnection>),
    Postgres(Pool<AsyncPgConnection>),
    Mysql(Pool<AsyncMysqlConnection>),
}

impl Database {
    /// Builds the pool for `url`. Connections are opened lazily, so the service can start (and
    /// answer 503) while the database is still coming up.
    pub async fn connect(url: &DatabaseUrl, settings: &PoolSettings) -> anyhow::Result<Self> {
        Ok(match url.backend() {
            Backend::Sqlite => {
                url.create_sqlite_folder()?;
                let mut config = ManagerConfig::default();
                config.custom_setup = Box::new(|url| establish_sqlite(url.to_owned()).boxed());
                Database::Sqlite(build_pool(url, config, settings))
            }
            Backend::Postgres => {
                Database::Postgres(build_pool(url, ManagerConfig::default(), settings))
            }
            Backend::Mysql => Database::Mysql(build_pool(url, ManagerConfig::default(), settings)),
        })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Database::Sqlite(_) => Backend::Sqlite,
            Database::Postgres(_) => Backend::Postgres,
            Database::Mysql(_) => Backend::Mysql,
        }
    }
}

/// Opens one SQLite connection with [`SQLITE_PRAGMAS`] applied.
pub async fn establish_sqlite(path: String) -> diesel::ConnectionResult<SqliteConnection> {
    let mut connection = SqliteConnection::establish(&path).await?;
    connection
        .batch_execute(SQLITE_PRAGMAS)
        .await
        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(connection)
}

fn build_pool<C>(
    url: &DatabaseUrl,
    mut config: ManagerConfig<C>,
    settings: &PoolSettings,
) -> Pool<C>
where
    C: PoolableConnection + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection,
{
    // A broken connection is detected after the failed query (`has_broken`) and dropped;
    // pinging on every checkout would add a round trip to every request.
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<C>::new_with_config(url.connection_string(), config);
    Pool::builder()
        .max_size(settings.max_size)
        .connection_timeout(settings.checkout_timeout)
        .test_on_check_out(false)
        .build_unchecked(manager)
}
