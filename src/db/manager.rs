//! The pool's connection manager: which connections may be handed out again.
//!
//! A connection goes back to the pool only if it is known to be clean. It is dropped instead
//! (and the pool opens a new one when needed) when
//!
//! - an operation on it never finished: the request was cancelled (client gone, deadline hit)
//!   while a query was in flight, so the connection may still owe the server a reply. On MySQL
//!   the next query on it would read that reply and fail with "packet out of order";
//! - an operation on it ended in [`AppError::Unavailable`]: the connection was lost, timed out
//!   or hit a lock; a new connection costs a few milliseconds, a dead one handed out again costs
//!   a failed request each time;
//! - the driver says so: a transaction left open, or (PostgreSQL) its socket closed.
//!
//! The MySQL driver cannot tell that a connection's socket was closed while it sat in the pool
//! (it reads the socket only when it waits for an answer), so every MySQL connection is checked
//! with `SELECT 1` before it is handed out: one round trip per checkout. Checking only those idle
//! for a while is not enough: a server or proxy restarted between two requests a moment apart
//! leaves the pool full of recently used dead connections, and the first request after the
//! restart would get one (`faults::a_pooled_connection_killed_while_idle_…`). PostgreSQL's
//! driver reads its socket all the time in a task of its own and notices a closed one at once.

use std::sync::Arc;

use bb8::ManageConnection;
use diesel::connection::InstrumentationEvent;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, PoolError, PoolableConnection,
};

use super::StatementCounter;
use super::reachability::Reachability;
use crate::error::AppError;

/// A pooled connection, with what the pool must know to decide whether it may be reused.
pub struct Tracked<C> {
    connection: C,
    /// An operation (or the checkout's check) started and has not finished.
    in_flight: bool,
    /// An operation on it failed as [`AppError::Unavailable`].
    suspect: bool,
}

impl<C: PoolableConnection> Tracked<C> {
    fn new(connection: C) -> Self {
        Tracked {
            connection,
            in_flight: false,
            suspect: false,
        }
    }

    /// The connection, for an operation about to run on it; call [`finish`](Self::finish) when
    /// the operation is over. If it never is (the operation was cancelled), the connection is
    /// not reused.
    pub fn start(&mut self) -> &mut C {
        self.in_flight = true;
        &mut self.connection
    }

    /// Records the end of the operation begun with [`start`](Self::start), and its error if it
    /// failed: one that failed as `Unavailable` leaves the connection unfit for reuse.
    pub fn finish(&mut self, error: Option<&AppError>) {
        self.in_flight = false;
        if matches!(error, Some(AppError::Unavailable)) {
            self.suspect = true;
        }
    }

    /// Whether the next operation may run on this connection.
    pub fn is_reusable(&mut self) -> bool {
        !self.in_flight && !self.suspect && !self.connection.is_broken()
    }
}

/// Opens connections through diesel-async's manager, reports to [`Reachability`] whether the
/// database could be reached, and keeps unfit connections out of the pool (see the module docs).
pub struct Manager<C> {
    inner: AsyncDieselConnectionManager<C>,
    /// Check every connection with a round trip before handing it out: only where the driver
    /// cannot notice a lost connection itself (MySQL).
    verify_on_checkout: bool,
    reachability: Arc<Reachability>,
    /// Counts the statements of requests, not those of the checks.
    statements: StatementCounter,
}

impl<C> Manager<C> {
    pub fn new(
        inner: AsyncDieselConnectionManager<C>,
        verify_on_checkout: bool,
        reachability: Arc<Reachability>,
        statements: StatementCounter,
    ) -> Self {
        Manager {
            inner,
            verify_on_checkout,
            reachability,
            statements,
        }
    }
}

impl<C> ManageConnection for Manager<C>
where
    C: PoolableConnection + 'static,
    AsyncDieselConnectionManager<C>: ManageConnection<Connection = C, Error = PoolError>,
{
    type Connection = Tracked<C>;
    type Error = PoolError;

    async fn connect(&self) -> Result<Tracked<C>, PoolError> {
        match self.inner.connect().await {
            Ok(mut connection) => {
                self.reachability.connected();
                connection.set_instrumentation(self.statements.instrumentation());
                Ok(Tracked::new(connection))
            }
            Err(error) => {
                self.reachability.connect_failed(&error);
                Err(error)
            }
        }
    }

    async fn is_valid(&self, tracked: &mut Tracked<C>) -> Result<(), PoolError> {
        if !tracked.is_reusable() {
            return Err(PoolError::QueryError(DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                Box::new("the connection was closed or left unfit for reuse".to_owned()),
            )));
        }
        if self.verify_on_checkout {
            // Left marked in flight if the check fails or is cancelled: the pool drops it.
            tracked.in_flight = true;
            tracked
                .connection
                .set_instrumentation(|_: InstrumentationEvent<'_>| {});
            self.inner.is_valid(&mut tracked.connection).await?;
            let counter = self.statements.instrumentation();
            tracked.connection.set_instrumentation(counter);
            tracked.in_flight = false;
        }
        Ok(())
    }

    fn has_broken(&self, tracked: &mut Tracked<C>) -> bool {
        !tracked.is_reusable() || self.inner.has_broken(&mut tracked.connection)
    }
}
