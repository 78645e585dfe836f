//! The request session: how a request reaches the database.
//!
//! A [`Session`] belongs to one request (REST handler, or every resolver and DataLoader of one
//! GraphQL request). It checks a connection out of the pool on its first operation, keeps it for
//! the request's later operations, and gives it back when the request ends (the last clone is
//! dropped) or when [`Session::release`] is called before long work that needs no database, such
//! as hashing a password. Operations of one request that run concurrently (GraphQL resolvers) take
//! turns on that one connection, so a request never holds more than one pooled connection.
//!
//! An operation is an async closure that receives the connection, run with
//! [`on_connection!`](crate::on_connection): its `?` and `return` leave the closure, never the
//! caller, and its result comes back as a `Result` for the caller to handle. The closure is
//! compiled once per backend, so each query is written once. On SQLite the whole operation runs
//! in one `spawn_blocking` call (its statements run synchronously there, see
//! [`Inline`](super::Inline)), so an operation costs one thread hop however many statements it
//! runs; on PostgreSQL and MySQL it runs on the request's task.

use std::sync::Arc;

use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};
use tokio::sync::{Mutex, MutexGuard};

use super::manager::Manager;
use super::schema::users;
use super::{Backend, Database, SqliteConnection};
use crate::error::AppError;
use crate::events::Events;

/// A request's handle on the database; clones share the one connection. See the module docs.
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

struct Shared {
    database: Database,
    /// Where the session's writes are announced once committed.
    events: Events,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The checked-out connection; `None` before the first operation and after a release.
    connection: Option<Checkout>,
    /// The user whose existence an operation of this session has confirmed.
    confirmed_user: Option<i32>,
}

/// A connection checked out of a pool of `C`; back to the pool when dropped, if reusable.
type PooledConnection<C> = bb8::PooledConnection<'static, Manager<C>>;

/// A connection checked out of one of the backends' pools; back to the pool when dropped.
#[expect(
    clippy::large_enum_variant,
    reason = "one per session, already inside its Arc; boxing would allocate on every checkout"
)]
pub(super) enum Checkout {
    Sqlite(PooledConnection<SqliteConnection>),
    Postgres(PooledConnection<AsyncPgConnection>),
    Mysql(PooledConnection<AsyncMysqlConnection>),
}

impl Checkout {
    /// A connection whose last operation was cancelled halfway (it may be inside a transaction
    /// or owe the server a reply) or failed as unavailable must not run the next operation; see
    /// [`Tracked`](super::manager::Tracked).
    fn is_reusable(&mut self) -> bool {
        match self {
            Checkout::Sqlite(connection) => connection.is_reusable(),
            Checkout::Postgres(connection) => connection.is_reusable(),
            Checkout::Mysql(connection) => connection.is_reusable(),
        }
    }
}

/// What an operation runs as: the session, and the user (if any) whose row must still exist for
/// the operation to run at all. Made by [`Session::operation`] or [`Session::for_user`]; consumed
/// by [`on_connection!`](crate::on_connection).
pub struct Operation<'a> {
    session: &'a Session,
    confirm_user: Option<i32>,
}

/// The token of a user who no longer exists.
const USER_GONE: AppError = AppError::Unauthenticated {
    key: "token",
    message: "is invalid",
};

impl Session {
    pub(super) fn new(database: Database, events: Events) -> Session {
        Session {
            shared: Arc::new(Shared {
                database,
                events,
                state: Mutex::new(State::default()),
            }),
        }
    }

    pub fn backend(&self) -> Backend {
        self.shared.database.backend()
    }

    /// The database this session draws its connection from.
    pub fn database(&self) -> &Database {
        &self.shared.database
    }

    /// The event hub: service functions publish here after their write has committed.
    pub fn events(&self) -> &Events {
        &self.shared.events
    }

    /// An operation that needs no user to exist.
    pub fn operation(&self) -> Operation<'_> {
        Operation {
            session: self,
            confirm_user: None,
        }
    }

    /// An operation on behalf of `user_id` (the viewer named by a verified token): before its
    /// first statement it confirms, once per session and on the same connection, that the user
    /// still exists, and fails with 401 `token is invalid` otherwise. A token outlives a deleted
    /// user; this makes it invalid everywhere without a separate query round.
    pub fn for_user(&self, user_id: Option<i32>) -> Operation<'_> {
        Operation {
            session: self,
            confirm_user: user_id,
        }
    }

    /// Gives the connection back to the pool now; the next operation checks one out again.
    /// Call it before work that takes long and needs no database (argon2 hashing), so that a burst
    /// of such requests does not hold the pool.
    pub async fn release(&self) {
        self.shared.state.lock().await.connection = None;
    }

    /// Locks the session's state with a usable connection in it, checking one out if needed.
    async fn connected(&self) -> Result<MutexGuard<'_, State>, AppError> {
        let mut state = self.shared.state.lock().await;
        if state
            .connection
            .as_mut()
            .is_some_and(|connection| !connection.is_reusable())
        {
            state.connection = None;
        }
        if state.connection.is_none() {
            state.connection = Some(self.shared.database.checkout().await?);
        }
        Ok(state)
    }
}

impl<'a> From<&'a Session> for Operation<'a> {
    fn from(session: &'a Session) -> Operation<'a> {
        session.operation()
    }
}

/// The trick diesel-async uses to require that the future an async closure returns is `Send`
/// (`AsyncFnOnce` alone cannot say so): `for<'c> F: AsyncFnOnce(&'c mut C) -> R +
/// OperationFn<&'c mut C, R, Future: Send>`.
pub trait OperationFn<Argument, Output>:
    AsyncFnOnce(Argument) -> Output
    + FnOnce(Argument) -> <Self as OperationFn<Argument, Output>>::Future
{
    type Future: Future<Output = Output>;
}

impl<F, Argument, Fut, Output> OperationFn<Argument, Output> for F
where
    F: AsyncFnOnce(Argument) -> Output + FnOnce(Argument) -> Fut,
    Fut: Future<Output = Output>,
{
    type Future = Fut;
}

impl Operation<'_> {
    pub fn backend(&self) -> Backend {
        self.session.backend()
    }

    /// Only confirms the operation's user (see [`Session::for_user`]), unless the session already
    /// has: for a service that must answer 401 before it validates its input.
    pub async fn confirm_user(self) -> Result<(), AppError> {
        let Some(user_id) = self.confirm_user else {
            return Ok(());
        };
        if self.session.shared.state.lock().await.confirmed_user == Some(user_id) {
            return Ok(());
        }
        crate::on_connection!(self, async move |_conn| { Ok(()) })
    }

    /// The user to confirm before this operation, unless the session already has.
    fn user_to_confirm(&self, state: &State) -> Option<i32> {
        self.confirm_user
            .filter(|user_id| state.confirmed_user != Some(*user_id))
    }

    /// Runs `operation` on the session's SQLite connection, the whole of it inside one
    /// `spawn_blocking` call. Use [`on_connection!`](crate::on_connection) rather than this.
    pub async fn run_sqlite<T, F>(self, operation: F) -> Result<T, AppError>
    where
        F: for<'c> AsyncFnOnce(&'c mut SqliteConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let mut state = self.session.connected().await?;
        let confirm = self.user_to_confirm(&state);
        let Some(Checkout::Sqlite(mut connection)) = state.connection.take() else {
            return Err(wrong_backend());
        };
        let runtime = tokio::runtime::Handle::current();
        // The statements inside are synchronous (`Inline`); `block_on` only drives the async
        // API around them, on this blocking thread.
        let finished = tokio::task::spawn_blocking(move || {
            let tracked = &mut *connection;
            let outcome = runtime.block_on(async {
                let connection = tracked.start();
                if let Some(user_id) = confirm {
                    confirm_user(connection, user_id).await?;
                }
                operation(connection).await.map_err(Failure::Operation)
            });
            tracked.finish(outcome.as_ref().err().map(Failure::error));
            (connection, outcome)
        })
        .await;
        // A panic inside loses the connection (dropped during unwinding, discarded by the pool
        // if it was inside a transaction); the next operation checks out another.
        let (connection, outcome) = finished.map_err(|error| {
            AppError::Internal(anyhow::anyhow!("database operation failed: {error}"))
        })?;
        state.connection = Some(Checkout::Sqlite(connection));
        state.settle(confirm, outcome)
    }

    /// Runs `operation` on the session's PostgreSQL connection. Use
    /// [`on_connection!`](crate::on_connection) rather than this.
    pub async fn run_postgres<T, F>(self, operation: F) -> Result<T, AppError>
    where
        F: for<'c> AsyncFnOnce(&'c mut AsyncPgConnection) -> Result<T, AppError>
            + for<'c> OperationFn<&'c mut AsyncPgConnection, Result<T, AppError>, Future: Send>
            + Send,
        T: Send,
    {
        let mut state = self.session.connected().await?;
        let confirm = self.user_to_confirm(&state);
        let Some(Checkout::Postgres(tracked)) = state.connection.as_mut() else {
            return Err(wrong_backend());
        };
        let connection: &mut AsyncPgConnection = tracked.start();
        let outcome = async {
            if let Some(user_id) = confirm {
                confirm_user(connection, user_id).await?;
            }
            operation(connection).await.map_err(Failure::Operation)
        }
        .await;
        tracked.finish(outcome.as_ref().err().map(Failure::error));
        state.settle(confirm, outcome)
    }

    /// Runs `operation` on the session's MySQL connection. Use
    /// [`on_connection!`](crate::on_connection) rather than this.
    pub async fn run_mysql<T, F>(self, operation: F) -> Result<T, AppError>
    where
        F: for<'c> AsyncFnOnce(&'c mut AsyncMysqlConnection) -> Result<T, AppError>
            + for<'c> OperationFn<&'c mut AsyncMysqlConnection, Result<T, AppError>, Future: Send>
            + Send,
        T: Send,
    {
        let mut state = self.session.connected().await?;
        let confirm = self.user_to_confirm(&state);
        let Some(Checkout::Mysql(tracked)) = state.connection.as_mut() else {
            return Err(wrong_backend());
        };
        let connection: &mut AsyncMysqlConnection = tracked.start();
        let outcome = async {
            if let Some(user_id) = confirm {
                confirm_user(connection, user_id).await?;
            }
            operation(connection).await.map_err(Failure::Operation)
        }
        .await;
        tracked.finish(outcome.as_ref().err().map(Failure::error));
        state.settle(confirm, outcome)
    }
}

/// Why an operation did not return a value: the confirmation of its user failed (so the
/// operation did not run), or the operation itself failed.
enum Failure {
    Confirmation(AppError),
    Operation(AppError),
}

impl Failure {
    fn error(&self) -> &AppError {
        match self {
            Failure::Confirmation(error) | Failure::Operation(error) => error,
        }
    }
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::Confirmation(error)
    }
}

impl State {
    /// Records a successful confirmation and unwraps the outcome.
    fn settle<T>(
        &mut self,
        confirmed: Option<i32>,
        outcome: Result<T, Failure>,
    ) -> Result<T, AppError> {
        match outcome {
            Err(Failure::Confirmation(error)) => Err(error),
            Err(Failure::Operation(error)) => {
                self.confirmed_user = confirmed.or(self.confirmed_user);
                Err(error)
            }
            Ok(value) => {
                self.confirmed_user = confirmed.or(self.confirmed_user);
                Ok(value)
            }
        }
    }
}

/// Fails with 401 `token is invalid` unless the user `user_id` exists.
async fn confirm_user(connection: &mut impl UserRows, user_id: i32) -> Result<(), AppError> {
    if connection.user_exists(user_id).await? {
        Ok(())
    } else {
        Err(USER_GONE)
    }
}

trait UserRows: Send {
    fn user_exists(&mut self, user_id: i32) -> impl Future<Output = QueryResult<bool>> + Send;
}

crate::for_each_connection! {
    impl UserRows {
        async fn user_exists(&mut self, user_id: i32) -> QueryResult<bool> {
            diesel::select(diesel::dsl::exists(users::table.find(user_id)))
                .get_result(self)
                .await
        }
    }
}

fn wrong_backend() -> AppError {
    AppError::Internal(anyhow::anyhow!(
        "the session's connection is not of the operation's backend"
    ))
}
