//! Database figures read at scrape time: the pool's size, use, waiters and checkouts (kept by
//! bb8) and the number of SQL statements run (kept by the
//! [`StatementCounter`](crate::db::StatementCounter)). Nothing is recorded on the request path.

use std::sync::Mutex;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{CounterVec, IntCounterVec, IntGaugeVec, Opts};

use crate::db::Database;

/// A [`Collector`] that fills its metrics from `database` each time the registry is gathered.
pub struct DatabaseCollector {
    database: Database,
    backend: &'static str,
    gauges: Gauges,
    counters: Counters,
    /// Two scrapes at once must not interleave their resets and sets.
    collecting: Mutex<()>,
}

struct Gauges {
    max_connections: IntGaugeVec,
    connections: IntGaugeVec,
    in_use: IntGaugeVec,
    waiters: IntGaugeVec,
}

struct Counters {
    statements: IntCounterVec,
    checkouts: IntCounterVec,
    checkout_timeouts: IntCounterVec,
    checkout_wait: CounterVec,
    connections_opened: IntCounterVec,
    connections_closed_broken: IntCounterVec,
}

impl DatabaseCollector {
    pub fn new(database: Database) -> prometheus::Result<Self> {
        let gauge = |name: &str, help: &str| IntGaugeVec::new(Opts::new(name, help), &["backend"]);
        let counter =
            |name: &str, help: &str| IntCounterVec::new(Opts::new(name, help), &["backend"]);
        Ok(DatabaseCollector {
            backend: database.backend().scheme(),
            database,
            gauges: Gauges {
                max_connections: gauge(
                    "conduit_db_pool_max_connections",
                    "Most connections the pool may open (DB_POOL_SIZE)",
                )?,
                connections: gauge(
                    "conduit_db_pool_connections",
                    "Connections open now, idle or in use",
                )?,
                in_use: gauge(
                    "conduit_db_pool_connections_in_use",
                    "Connections checked out by requests now",
                )?,
                waiters: gauge(
                    "conduit_db_pool_waiters",
                    "Requests waiting for a connection now",
                )?,
            },
            counters: Counters {
                statements: counter(
                    "conduit_db_statements_total",
                    "SQL statements run through the pool's connections",
                )?,
                checkouts: counter(
                    "conduit_db_pool_checkouts_total",
                    "Connection checkouts asked of the pool (including those that timed out)",
                )?,
                checkout_timeouts: counter(
                    "conduit_db_pool_checkout_timeouts_total",
                    "Checkouts that found no connection within DB_TIMEOUT_SECS (answered 503)",
                )?,
                checkout_wait: CounterVec::new(
                    Opts::new(
                        "conduit_db_pool_checkout_wait_seconds_total",
                        "Time requests spent waiting for a connection, summed",
                    ),
                    &["backend"],
                )?,
                connections_opened: counter(
                    "conduit_db_connections_opened_total",
                    "Database connections the pool opened",
                )?,
                connections_closed_broken: counter(
                    "conduit_db_connections_closed_broken_total",
                    "Connections dropped because they failed at the connection level",
                )?,
            },
            collecting: Mutex::new(()),
        })
    }

    fn gauges(&self) -> [&IntGaugeVec; 4] {
        let g = &self.gauges;
        [&g.max_connections, &g.connections, &g.in_use, &g.waiters]
    }

    fn int_counters(&self) -> [&IntCounterVec; 5] {
        let c = &self.counters;
        [
            &c.statements,
            &c.checkouts,
            &c.checkout_timeouts,
            &c.connections_opened,
            &c.connections_closed_broken,
        ]
    }
}

impl Collector for DatabaseCollector {
    fn desc(&self) -> Vec<&Desc> {
        let mut descs: Vec<&Desc> = Vec::new();
        descs.extend(self.gauges().into_iter().flat_map(Collector::desc));
        descs.extend(self.int_counters().into_iter().flat_map(Collector::desc));
        descs.extend(self.counters.checkout_wait.desc());
        descs
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let _collecting = self.collecting.lock();
        let pool = self.database.pool_state();
        let stats = &pool.statistics;
        let labels = &[self.backend];
        let g = &self.gauges;
        g.max_connections
            .with_label_values(labels)
            .set(i64::from(self.database.pool_max_size()));
        g.connections
            .with_label_values(labels)
            .set(i64::from(pool.connections));
        g.in_use.with_label_values(labels).set(i64::from(
            pool.connections.saturating_sub(pool.idle_connections),
        ));
        g.waiters
            .with_label_values(labels)
            .set(i64::try_from(stats.pending_gets()).unwrap_or(i64::MAX));
        let c = &self.counters;
        for (counter, value) in [
            (&c.statements, self.database.statements_run()),
            (&c.checkouts, stats.get_started),
            (&c.checkout_timeouts, stats.get_timed_out),
            (&c.connections_opened, stats.connections_created),
            (
                &c.connections_closed_broken,
                stats.connections_closed_broken,
            ),
        ] {
            // The pool and the statement counter keep the totals; the counter mirrors them.
            let counter = counter.with_label_values(labels);
            counter.reset();
            counter.inc_by(value);
        }
        let wait = c.checkout_wait.with_label_values(labels);
        wait.reset();
        wait.inc_by(stats.get_wait_time.as_secs_f64());

        let mut families = Vec::new();
        families.extend(self.gauges().into_iter().flat_map(Collector::collect));
        families.extend(self.int_counters().into_iter().flat_map(Collector::collect));
        families.extend(c.checkout_wait.collect());
        families
    }
}
