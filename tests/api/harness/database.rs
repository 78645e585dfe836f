//! A database of its own for each test, on the backend chosen by `CONDUIT_TEST_DATABASE_URL`
//! (unset: a temporary SQLite file; `postgres://USER@HOST:PORT` or `mysql://USER@HOST:PORT`: a
//! new database created on that server and dropped when the test ends).

use std::sync::atomic::{AtomicUsize, Ordering};

use conduit::db::{Backend, DatabaseUrl};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};

/// A database of its own for one test.
pub struct TestDatabase {
    pub url: String,
    server: Option<ServerDatabase>,
    folder: tempfile::TempDir,
}

struct ServerDatabase {
    backend: Backend,
    admin_url: String,
    name: String,
}

static NEXT_DATABASE: AtomicUsize = AtomicUsize::new(0);

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let folder = tempfile::tempdir().expect("temporary folder");
        let Some(server_url) = std::env::var("CONDUIT_TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
        else {
            let url = format!("sqlite://{}", folder.path().join("conduit.db").display());
            return TestDatabase {
                url,
                server: None,
                folder,
            };
        };
        let server_url = server_url.trim().trim_end_matches('/');
        let backend = DatabaseUrl::parse(server_url)
            .expect("CONDUIT_TEST_DATABASE_URL must be a postgres:// or mysql:// server URL")
            .backend();
        let name = format!(
            "conduit_test_{}_{}_{}",
            std::process::id(),
            NEXT_DATABASE.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let server = ServerDatabase {
            backend,
            admin_url: admin_url(backend, server_url),
            name,
        };
        server
            .run_statement(&format!("CREATE DATABASE {}", server.name))
            .await;
        let url = format!("{}/{}", server_root(server_url), server.name);
        TestDatabase {
            url,
            server: Some(server),
            folder,
        }
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self.folder.path().join("data")
    }
}

/// `scheme://user@host:port` without any database name.
fn server_root(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |index| index + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

fn admin_url(backend: Backend, url: &str) -> String {
    let database = if backend == Backend::Postgres {
        "postgres"
    } else {
        "mysql"
    };
    format!(
        "{}/{database}",
        server_root(url).replacen("mariadb://", "mysql://", 1)
    )
}

impl ServerDatabase {
    async fn run_statement(&self, statement: &str) {
        match self.backend {
            Backend::Postgres => {
                let mut connection = AsyncPgConnection::establish(&self.admin_url)
                    .await
                    .expect("connect to the PostgreSQL test server");
                diesel::sql_query(statement)
                    .execute(&mut connection)
                    .await
                    .expect(statement);
            }
            Backend::Mysql => {
                let mut connection = AsyncMysqlConnection::establish(&self.admin_url)
                    .await
                    .expect("connect to the MySQL test server");
                diesel::sql_query(statement)
                    .execute(&mut connection)
                    .await
                    .expect(statement);
            }
            Backend::Sqlite => unreachable!("SQLite needs no server"),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        let statement = match server.backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", server.name),
            _ => format!("DROP DATABASE IF EXISTS {}", server.name),
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; use a thread of its own.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(server.run_statement(&statement));
        });
        let _ = dropper.join();
    }
}
