//! Integration tests: the real router over a real database (SQLite by default; PostgreSQL or
//! MySQL with `CONDUIT_TEST_DATABASE_URL`), one fresh database per test, tests in parallel.

mod harness;

mod binary;
mod graphql_schema;
mod parity;
mod users_graphql;
mod users_rest;
mod users_rest_bad_input;
