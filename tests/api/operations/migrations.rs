//! Replicas that start together migrate one at a time (a database lock), so one applies the
//! migrations and the others find nothing to do: four `conduit migrate` processes at once on a
//! fresh database. Runs on PostgreSQL and MySQL; SQLite serves one instance.

use std::process::{Command, Stdio};

use conduit::db::{Backend, DatabaseUrl};

use crate::harness::TestDatabase;

#[tokio::test(flavor = "multi_thread")]
async fn instances_starting_together_apply_each_migration_once() {
    let database = TestDatabase::create().await;
    let folder = match DatabaseUrl::parse(&database.url).unwrap().backend() {
        Backend::Sqlite => {
            eprintln!("skipped: SQLite serves one instance");
            return;
        }
        Backend::Postgres => "postgres",
        Backend::Mysql => "mysql",
    };
    let migrations = std::fs::read_dir(format!(
        "{}/migrations/{folder}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the migrations folder")
    .count();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_conduit"))
                .arg("migrate")
                .env("DATABASE_URL", &database.url)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start conduit migrate")
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let output = child.wait_with_output().expect("conduit migrate finishes");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // "applied N migration(s) to …"
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let count: usize = stdout
            .split_whitespace()
            .nth(1)
            .and_then(|number| number.parse().ok())
            .unwrap_or_else(|| panic!("unexpected output: {stdout}"));
        applied += count;
    }
    assert_eq!(
        applied, migrations,
        "each migration was applied exactly once"
    );
}
