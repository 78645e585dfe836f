//! Integration tests: the real router over a real database (SQLite by default; PostgreSQL or
//! MySQL with `CONDUIT_TEST_DATABASE_URL`), one fresh database per test, tests in parallel.
//!
//! One folder per feature (`users/`, `articles/`, `lists/`, `live/`, …): its REST cases in
//! `rest.rs`, its GraphQL cases in `graphql.rs` and the two interfaces' agreement in `parity.rs`,
//! side by side, with the feature's other concerns in files of their own. `harness` is the test
//! app every test starts from.

mod harness;

mod articles;
mod comments;
mod faults;
mod graphql;
mod lists;
mod live;
mod operations;
mod profiles;
mod rest;
mod security;
mod uploads;
mod users;
