//! Connection pools, one type per backend behind [`Pools`], and the counters of statements run
//! and connections checked out that tests and metrics read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::pooled_connection::bb8::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, AsyncPgConnection};
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

use super::session::Checkout;
use super::{Backend, DatabaseUrl};
use crate::error::AppError;

/// Diesel's synchronous SQLite connection behind the async API, with every statement run
/// synchronously on the calling thread ([`Inline`]). A [`Session`](super::Session) runs a whole
/// operation on one of tokio's blocking threads, so an operation makes one thread hop, not one
/// per statement.
pub type SqliteConnection = SyncConnectionWrapper<diesel::SqliteConnection, Inline>;

/// Runs a SQLite connection's "blocking" work right where it is called. Only sound on a thread
/// that may block: [`Session`](super::Session) guarantees that by running SQLite operations inside
/// `tokio::task::spawn_blocking`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inline;

impl SpawnBlocking for Inline {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        std::future::ready(Ok(task())).boxed()
    }

    fn get_runtime() -> Self {
        Inline
    }
}

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

/// A pool per backend; a [`Session`](super::Session) checks its connection out of one.
#[derive(Clone)]
pub enum Pools {
    Sqlite(Pool<SqliteConnection>),
    Postgres(Pool<AsyncPgConnection>),
    Mysql(Pool<AsyncMysqlConnection>),
}

/// The configured database: its pool and the counts of SQL statements run and connections
/// checked out. Cheap to clone. Requests reach it through a [`Session`](super::Session).
#[derive(Clone)]
pub struct Database {
    pools: Pools,
    statements: StatementCounter,
    max_size: u32,
    checkouts: CheckoutCounter,
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

/// Counts every connection handed out by the pool. Tests assert on it: a request checks out at
/// most one connection (two where it must give its connection back before hashing a password).
#[derive(Clone, Default)]
pub struct CheckoutCounter(Arc<AtomicU64>);

impl CheckoutCounter {
    pub fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
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
            checkouts: CheckoutCounter::default(),
        })
    }

    /// The pool itself, for what watches it (pool state in metrics and health checks). Requests
    /// reach connections through [`session`](Self::session) only.
    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    /// A request-scoped handle that checks out at most one connection, on first use.
    pub fn session(&self) -> super::Session {
        super::Session::new(self.clone())
    }

    /// Checks a connection out of the pool, or fails with [`AppError::Unavailable`] when none
    /// frees up within the checkout timeout. Only sessions call this.
    pub(super) async fn checkout(&self) -> Result<Checkout, AppError> {
        let checkout = match &self.pools {
            Pools::Sqlite(pool) => Checkout::Sqlite(super::error::checkout(pool).await?),
            Pools::Postgres(pool) => Checkout::Postgres(super::error::checkout(pool).await?),
            Pools::Mysql(pool) => Checkout::Mysql(super::error::checkout(pool).await?),
        };
        self.checkouts.add_one();
        Ok(checkout)
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

    /// Connections checked out of the pool so far.
    pub fn checkouts_made(&self) -> u64 {
        self.checkouts.total()
    }
}

/// Opens one SQLite connection with [`SQLITE_PRAGMAS`] applied, on a blocking thread (opening a
/// file and switching to WAL may wait for the disk or for another connection's lock).
pub async fn establish_sqlite(path: String) -> diesel::ConnectionResult<SqliteConnection> {
    tokio::task::spawn_blocking(move || {
        use diesel::Connection as _;
        use diesel::connection::SimpleConnection as _;
        let mut connection = diesel::SqliteConnection::establish(&path)?;
        connection
            .batch_execute(SQLITE_PRAGMAS)
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
        Ok(SqliteConnection::new(connection))
    })
    .await
    .map_err(|error| diesel::ConnectionError::BadConnection(error.to_string()))?
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
