//! Running Conduit: the binary, its subcommands, shutdown, logs, metrics, resources.

mod binary;
mod bounded_memory;
mod check;
mod metrics;
mod migrations;
mod pool_checkouts;
mod postgres_tls;
mod races;
mod request_logs;
mod seed;
mod shutdown;
