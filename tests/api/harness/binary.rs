//! The real `conduit` binary as a test starts it: on the test's database, on a free loopback
//! port, killed when the test ends.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{SECRET, TestDatabase};

/// The binary under test: the one cargo built for this test run, or `CONDUIT_BIN` (CI points it
/// at the release build).
pub fn conduit_binary() -> String {
    std::env::var("CONDUIT_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_conduit").to_owned())
}

/// The server process, killed when the test ends however it ends.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on `database` with the test defaults.
pub fn start(database: &TestDatabase) -> Server {
    start_with(database, &[])
}

/// The binary set up to serve `database` on a free loopback port (it prints the port), logging
/// warnings only, stdout piped; add settings with `env` before spawning.
pub fn command(database: &TestDatabase) -> Command {
    let mut command = Command::new(conduit_binary());
    command
        .env("DATABASE_URL", &database.url)
        .env("BIND_ADDRESS", "127.0.0.1:0")
        .env("JWT_SECRET", SECRET)
        .env("DATA_DIR", database.data_dir())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped());
    command
}

/// Starts the binary on `database` with `settings` added to its environment.
pub fn start_with(database: &TestDatabase, settings: &[(&str, &str)]) -> Server {
    let mut child = command(database)
        .envs(settings.iter().copied())
        .spawn()
        .expect("start the conduit binary");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.trim().strip_prefix("REST API:") {
                let _ = sender.send(url.trim().trim_end_matches("/api").to_owned());
            }
        }
    });
    let base = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the server prints its address within a minute");
    Server { child, base }
}
