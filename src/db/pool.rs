//! Connection pools, one type per backend behind [`Pools`], and the counters of statements run
//! and connections checked out that tests and metrics read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolableConnection, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, AsyncPgConnection};
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

use super::manager::{MYSQL_VERIFY_IDLE, Manager};
use super::reachability::Reachability;
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

/// How many connections a pool may hold, how long a request waits for one before it is
/// answered with 503, and how long a connection may sit unused before it is closed.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: u32,
    pub checkout_timeout: Duration,
    pub idle_timeout: Duration,
}

/// A pool of connections of type `C`, managed by [`Manager`].
pub type Pool<C> = bb8::Pool<Manager<C>>;

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
    reachability: Arc<Reachability>,
}

/// Counts every SQL statement any connection of the pool starts. Tests assert on it (the number
/// of statements per request must not grow with the page size).
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts the statements of the connection it is set on.
    pub(super) fn instrumentation(&self) -> impl Instrumentation + use<> {
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
        let reachability = Arc::new(Reachability::new(url.backend()));
        let build = Builder {
            url,
            statements: &statements,
            settings,
            reachability: &reachability,
        };
        let pools = match url.backend() {
            Backend::Sqlite => {
                url.create_sqlite_folder()?;
                let establish: Establish<SqliteConnection> = |url| establish_sqlite(url).boxed();
                // A local file: the driver always knows whether its connection works.
                Pools::Sqlite(build.pool(establish, None))
            }
            Backend::Postgres => {
                let establish: Establish<AsyncPgConnection> =
                    |url| super::postgres_tls::establish(url).boxed();
                // The driver's background task notices a closed socket (`is_broken`).
                Pools::Postgres(build.pool(establish, None))
            }
            Backend::Mysql => {
                let establish: Establish<AsyncMysqlConnection> =
                    |url| async move { AsyncMysqlConnection::establish(&url).await }.boxed();
                Pools::Mysql(build.pool(establish, Some(MYSQL_VERIFY_IDLE)))
            }
        };
        Ok(Database {
            pools,
            statements,
            max_size: settings.max_size,
            checkouts: CheckoutCounter::default(),
            reachability,
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
            Pools::Sqlite(pool) => {
                Checkout::Sqlite(super::error::checkout(pool, &self.reachability).await?)
            }
            Pools::Postgres(pool) => {
                Checkout::Postgres(super::error::checkout(pool, &self.reachability).await?)
            }
            Pools::Mysql(pool) => {
                Checkout::Mysql(super::error::checkout(pool, &self.reachability).await?)
            }
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

/// What every backend's pool is built from.
struct Builder<'a> {
    url: &'a DatabaseUrl,
    statements: &'a StatementCounter,
    settings: &'a PoolSettings,
    reachability: &'a Arc<Reachability>,
}

impl Builder<'_> {
    /// A pool whose connections are opened by `establish` and, if idle longer than
    /// `verify_idle`, checked with a round trip before they are handed out.
    fn pool<C>(&self, establish: Establish<C>, verify_idle: Option<Duration>) -> Pool<C>
    where
        C: PoolableConnection + 'static,
        AsyncDieselConnectionManager<C>: bb8::ManageConnection<
                Connection = C,
                Error = diesel_async::pooled_connection::PoolError,
            >,
    {
        let mut config = ManagerConfig::<C>::default();
        config.custom_setup = Box::new(move |url| establish(url.to_owned()));
        // The check `Manager` runs on idle MySQL connections.
        config.recycling_method = RecyclingMethod::Verified;
        let inner = AsyncDieselConnectionManager::<C>::new_with_config(
            self.url.connection_string(),
            config,
        );
        let manager = Manager::new(
            inner,
            verify_idle,
            self.reachability.clone(),
            self.statements.clone(),
        );
        bb8::Pool::builder()
            .max_size(self.settings.max_size)
            .connection_timeout(self.settings.checkout_timeout)
            .idle_timeout(self.settings.idle_timeout)
            // Reaps idle connections at a tenth of their allowed idle time.
            .reaper_rate(self.settings.idle_timeout / 10)
            // `Manager::is_valid` costs nothing unless a MySQL connection sat idle.
            .test_on_check_out(true)
            .build_unchecked(manager)
    }
}
