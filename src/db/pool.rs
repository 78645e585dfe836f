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

use super::manager::Manager;
use super::reachability::Reachability;
use super::session::Checkout;
use super::{Backend, DatabaseUrl, PoolSettings};
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
/// timeout so concurrent writers queue instead of failing (pooled connections then get
/// `DB_LOCK_TIMEOUT_SECS` instead, see `limits`), and foreign keys (off by default).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

/// The longest `/health/ready`'s probe waits for its connection and its `SELECT 1`.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

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
    /// A pool of one connection for `/health/ready` alone, so that requests holding every
    /// connection of `pools` (waiting for a lock, say) cannot make the instance look down.
    probe: Pools,
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
        let requests = (settings.max_size, settings.checkout_timeout);
        let probe = (1, PROBE_TIMEOUT);
        let (pools, probe) = match url.backend() {
            Backend::Sqlite => {
                url.create_sqlite_folder()?;
                let establish: Establish<SqliteConnection> = |url| establish_sqlite(url).boxed();
                // A local file: the driver always knows whether its connection works.
                let pool = |(size, wait)| Pools::Sqlite(build.pool(establish, false, size, wait));
                (pool(requests), pool(probe))
            }
            Backend::Postgres => {
                let establish: Establish<AsyncPgConnection> =
                    |url| crate::postgres_tls::establish(url).boxed();
                // The driver's background task notices a closed socket (`is_broken`).
                let pool = |(size, wait)| Pools::Postgres(build.pool(establish, false, size, wait));
                (pool(requests), pool(probe))
            }
            Backend::Mysql => {
                let establish: Establish<AsyncMysqlConnection> =
                    |url| async move { AsyncMysqlConnection::establish(&url).await }.boxed();
                // The driver cannot tell that an idle connection's socket was closed.
                let pool = |(size, wait)| Pools::Mysql(build.pool(establish, true, size, wait));
                (pool(requests), pool(probe))
            }
        };
        Ok(Database {
            pools,
            probe,
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
    pub fn session(&self, events: crate::events::Events) -> super::Session {
        super::Session::new(self.clone(), events)
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

    /// `SELECT 1` on the probe's own connection (see the `probe` field), within
    /// [`PROBE_TIMEOUT`]: [`AppError::Unavailable`] if the database does not answer in time.
    pub async fn probe(&self) -> Result<(), AppError> {
        let probing = async {
            match &self.probe {
                Pools::Sqlite(pool) => probe_on(pool, &self.reachability).await,
                Pools::Postgres(pool) => probe_on(pool, &self.reachability).await,
                Pools::Mysql(pool) => probe_on(pool, &self.reachability).await,
            }
        };
        tokio::time::timeout(PROBE_TIMEOUT, probing)
            .await
            .unwrap_or_else(|_| {
                tracing::warn!(backend = %self.backend(), "the database did not answer the readiness probe within {PROBE_TIMEOUT:?}");
                Err(AppError::Unavailable)
            })
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

/// `SELECT 1` on a connection of `pool`; a connection that fails or is cancelled is dropped.
async fn probe_on<C>(pool: &Pool<C>, reachability: &Reachability) -> Result<(), AppError>
where
    C: PoolableConnection + Ping + 'static,
    AsyncDieselConnectionManager<C>:
        bb8::ManageConnection<Connection = C, Error = diesel_async::pooled_connection::PoolError>,
{
    let mut pooled = super::error::checkout(pool, reachability).await?;
    let outcome = pooled.start().select_one().await.map_err(|error| {
        tracing::warn!(%error, "database readiness probe failed");
        AppError::Unavailable
    });
    pooled.finish(outcome.as_ref().err());
    outcome
}

/// One round trip to the database server.
trait Ping: Send {
    fn select_one(&mut self) -> impl Future<Output = diesel::QueryResult<()>> + Send;
}

crate::for_each_connection! {
    impl Ping {
        async fn select_one(&mut self) -> diesel::QueryResult<()> {
            use diesel::IntoSql as _;
            use diesel_async::RunQueryDsl as _;
            diesel::select(1.into_sql::<diesel::sql_types::Integer>())
                .execute(self)
                .await
                .map(drop)
        }
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
    /// A pool of up to `max_size` connections opened by `establish` (within the connect
    /// timeout, with the socket and statement time limits applied) and, if
    /// `verify_on_checkout`, checked with a round trip each time one is handed out; a checkout
    /// waits at most `checkout_timeout`.
    fn pool<C>(
        &self,
        establish: Establish<C>,
        verify_on_checkout: bool,
        max_size: u32,
        checkout_timeout: Duration,
    ) -> Pool<C>
    where
        C: PoolableConnection + diesel_async::SimpleAsyncConnection + 'static,
        AsyncDieselConnectionManager<C>: bb8::ManageConnection<
                Connection = C,
                Error = diesel_async::pooled_connection::PoolError,
            >,
    {
        let limits = super::limits::statements(
            self.url.backend(),
            self.settings.statement_timeout,
            self.settings.lock_timeout,
        );
        let connect_timeout = self.settings.connect_timeout;
        let mut config = ManagerConfig::<C>::default();
        config.custom_setup = Box::new(move |url| {
            let limits = limits.clone();
            let connecting = establish(url.to_owned());
            let set_up = async move {
                let mut connection = connecting.await?;
                super::limits::apply(&mut connection, &limits)
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(connection)
            };
            async move {
                tokio::time::timeout(connect_timeout, set_up)
                    .await
                    .unwrap_or_else(|_| {
                        Err(diesel::ConnectionError::BadConnection(format!(
                            "no connection within {} s (DB_CONNECT_TIMEOUT_SECS)",
                            connect_timeout.as_secs()
                        )))
                    })
            }
            .boxed()
        });
        // The check `Manager` runs on MySQL connections at checkout.
        config.recycling_method = RecyclingMethod::Verified;
        // The socket's limits travel in the URL: both PostgreSQL paths (plain and TLS) and
        // the MySQL driver read them from there.
        let socket =
            super::limits::socket_parameters(self.url.backend(), self.settings.socket_timeout);
        let inner = AsyncDieselConnectionManager::<C>::new_with_config(
            super::limits::with_parameters(self.url.connection_string(), &socket),
            config,
        );
        let manager = Manager::new(
            inner,
            verify_on_checkout,
            self.reachability.clone(),
            self.statements.clone(),
        );
        bb8::Pool::builder()
            .max_size(max_size)
            .connection_timeout(checkout_timeout)
            .idle_timeout(self.settings.idle_timeout)
            // Reaps idle connections at a tenth of their allowed idle time.
            .reaper_rate(self.settings.idle_timeout / 10)
            // `Manager::is_valid` costs a round trip on MySQL only.
            .test_on_check_out(true)
            .build_unchecked(manager)
    }
}
