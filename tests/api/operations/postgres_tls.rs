//! TLS to PostgreSQL: `sslmode=require` encrypts (the server says so in pg_stat_ssl), and
//! `verify-full` refuses a certificate that does not chain to a trusted root. Runs when the
//! tests run on PostgreSQL (whose Debian package serves a self-signed certificate).

use conduit::config::{Config, Secret};
use conduit::db::DatabaseUrl;
use conduit::{AppState, on_connection};
use diesel::dsl::sql;
use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;

use crate::harness::{SECRET, TestDatabase};

fn config_for(url: &str) -> Config {
    let mut config = Config::from_source(&[]).unwrap();
    config.database_url = DatabaseUrl::parse(url).unwrap();
    config.jwt_secret = Some(Secret::new(SECRET.into()));
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn sslmode_require_encrypts_and_verify_full_checks_the_certificate() {
    let database = TestDatabase::create().await;
    if !database.url.starts_with("postgres") {
        eprintln!(
            "skipped: the tests run on {}, not PostgreSQL",
            database.url.split(':').next().unwrap_or("?")
        );
        return;
    }
    let state = AppState::build(config_for(&format!("{}?sslmode=require", database.url)))
        .await
        .expect("an encrypted connection");
    let db = state.session();
    let encrypted = on_connection!(&db, async move |conn| {
        Ok(diesel::select(sql::<Bool>(
            "(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())",
        ))
        .get_result::<bool>(conn)
        .await?)
    });
    assert!(
        encrypted.unwrap(),
        "pg_stat_ssl says the connection is not encrypted"
    );

    let refused =
        AppState::build(config_for(&format!("{}?sslmode=verify-full", database.url))).await;
    let error = format!(
        "{:#}",
        refused.err().expect("a self-signed certificate is refused")
    );
    assert!(error.to_lowercase().contains("certificate"), "{error}");
}
