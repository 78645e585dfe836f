//! The real binary's memory through a storm of logins: each argon2 hash holds 19 MiB, and with
//! glibc's malloc on whatever blocking thread was free, 64 concurrent logins left the server at
//! 300–550 MiB for good. The hashes now run on a few threads of their own and the
//! server allocates with mimalloc, so the peak stays bounded whatever the size of the storm.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::json;

use crate::harness::TestDatabase;
use crate::harness::binary::start;

/// The bound on peak memory through the whole storm, logins included.
const PEAK_LIMIT_MIB: u64 = 100;
const CONCURRENT_LOGINS: usize = 64;

/// `VmHWM` (peak resident memory) of process `pid`, in MiB.
fn peak_resident_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read the status");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("VmHWM in the status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|value| value.parse().ok())
        .expect("VmHWM in KiB");
    kib / 1024
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storm_of_concurrent_logins_keeps_peak_memory_bounded() {
    let database = TestDatabase::create().await;
    let server = start(&database);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let credentials = json!({"user": {"email": "storm@example.com", "password": "storm-password"}});
    let registration = json!({"user": {"username": "storm", "email": "storm@example.com", "password": "storm-password"}});
    let response = client
        .post(format!("{}/api/users", server.base))
        .json(&registration)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    // Two rounds: memory that a first round leaves behind would add up in the second.
    for _ in 0..2 {
        let logins = (0..CONCURRENT_LOGINS).map(|_| {
            client
                .post(format!("{}/api/users/login", server.base))
                .json(&credentials)
                .send()
        });
        for response in join_all(logins).await {
            let status = response.expect("a login answer").status().as_u16();
            // A slow machine may ask some clients to retry later (429); none may fail otherwise.
            assert!(status == 200 || status == 429, "login answered {status}");
        }
    }
    let peak = peak_resident_mib(server.child.id());
    assert!(
        peak < PEAK_LIMIT_MIB,
        "peak resident memory {peak} MiB after {CONCURRENT_LOGINS} concurrent logins (twice)"
    );
}
