//! Integration tests: the real router over a real database (SQLite by default; PostgreSQL or
//! MySQL with `CONDUIT_TEST_DATABASE_URL`), one fresh database per test, tests in parallel.

mod harness;

mod articles_rest;
mod binary;
mod bounded_memory;
mod check;
mod comments_rest;
mod credential_operations;
mod domain_graphql;
mod domain_parity;
mod edge_cases;
mod events;
mod exact_identifiers;
mod faults;
mod graphql_limits;
mod graphql_schema;
mod image_urls;
mod lists_rest;
mod live_limits;
mod metrics;
mod migrations;
mod openapi;
mod parity;
mod pool_checkouts;
mod postgres_tls;
mod profiles_rest;
mod proxy;
mod races;
mod rate_limits;
mod replicas;
mod request_errors;
mod request_logs;
mod seed;
mod server_sent_events;
mod settings_forms;
mod shutdown;
mod smaller_holes;
mod statement_counts;
mod subscriptions;
mod time_limits;
mod trailing_slashes;
mod users_graphql;
mod users_rest;
mod users_rest_bad_input;
mod write_quota;
