//! Connection pools, one type per backend behind [`Pools`], and the statement counter every
//! connection reports to.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::pooled_connection::bb8::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{
    AsyncConnection, AsyncMysqlConnection, AsyncPgConnection, SimpleAsyncConnection,
};
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

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

/// A pool per backend; [`with_connection!`](crate::with_connection) matches on it.
#[derive(Clone)]
pub enum Pools {
    Sqlite(Pool<SqliteConnection>),
    Postgres(Pool<AsyncPgConnection>),
    Mysql(Pool<AsyncMysqlConnection>),
}

/// The configured database: its pool and the count of SQL statements run through it. Cheap to
/// clone.
#[derive(Clone)]
pub struct Database {
    pools: Pools,
    statements: StatementCounter,
    max_size: u32,
}

/// Counts every SQL statement any connection of the pool starts. Tests assert on it (the number
/// of statements per request must not grow with the page size).
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn instrumentation(&self) -> impl Instrumentation {
        let counter = self.0.clone();
        move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { .. } = event {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

type Establish<C> = fn(String) -> BoxFuture<'static, diesel::ConnectionResult<C>>;

impl Database {
    /// Builds the pool for `url`. Connections are opened lazily, so the service can start (and
    /// answer 503) while the database is still coming up.
    pub async fn connect(url: &DatabaseUrl, settings: &PoolSettings) -> anyhow::Result<Self> {
        let statements = StatementCounter::default();
        let pools = match url.backend() {
            Backend::Sqlite => {
                url.create_sqlite_folder()?;
                let establish: Establish<SqliteConnection> = |url| establish_sqlite(url).boxed();
                Pools::Sqlite(build_pool(url, establish, &statements, settings))
            }
            Backend::Postgres => {
                let establish: Establish<AsyncPgConnection> =
                    |url| super::postgres_tls::establish(url).boxed();
                Pools::Postgres(build_pool(url, establish, &statements, settings))
            }
            Backend::Mysql => {
                let establish: Establish<AsyncMysqlConnection> =
                    |url| async move { AsyncMysqlConnection::establish(&url).await }.boxed();
                Pools::Mysql(build_pool(url, establish, &statements, settings))
            }
        };
        Ok(Database {
            pools,
            statements,
            max_size: settings.max_size,
        })
    }

    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
            Pools::Mysql(_) => Backend::Mysql,
        }
    }

    /// Closes the pool once the last clone of this database is gone: its connections are dropped,
    /// and the drivers' background tasks, which say goodbye to the server (PostgreSQL's
    /// `Terminate`, MySQL's `COM_QUIT`), get a moment to run before the process exits.
    pub async fn close(self) {
        drop(self.pools);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// The pool's connections and its checkout statistics (checkouts, waits, timeouts), as
    /// bb8 keeps them.
    pub fn pool_state(&self) -> bb8::State {
        match &self.pools {
            Pools::Sqlite(pool) => pool.state(),
            Pools::Postgres(pool) => pool.state(),
            Pools::Mysql(pool) => pool.state(),
        }
    }

    /// The most connections the pool may open (`DB_POOL_SIZE`).
    pub fn pool_max_size(&self) -> u32 {
        self.max_size
    }

    /// SQL statements run so far through this database's connections.
    pub fn statements_run(&self) -> u64 {
        self.statements.total()
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
    establish: Establish<C>,
    statements: &StatementCounter,
    settings: &PoolSettings,
) -> Pool<C>
where
    C: PoolableConnection + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection,
{
    let statements = statements.clone();
    let mut config = ManagerConfig::<C>::default();
    config.custom_setup = Box::new(move |url| {
        let statements = statements.clone();
        let connecting = establish(url.to_owned());
        async move {
            let mut connection = connecting.await?;
            connection.set_instrumentation(statements.instrumentation());
            Ok(connection)
        }
        .boxed()
    });
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
