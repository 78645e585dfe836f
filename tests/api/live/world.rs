//! The site the live tests watch: the real binary on a database of its own, alice, who wrote the
//! article `slug` (tagged `rust`), and bob.

use crate::harness::TestDatabase;
use crate::harness::binary::{Server, start};
use crate::harness::client::{publish, register};

pub struct World {
    pub server: Server,
    _database: TestDatabase,
    pub alice: String,
    pub bob: String,
    pub slug: String,
}

impl World {
    pub async fn new() -> World {
        let database = TestDatabase::create().await;
        let server = start(&database);
        let alice = register(&server.base, "alice").await;
        let bob = register(&server.base, "bob").await;
        let slug = publish(&server.base, &alice, "Live", &["rust"]).await;
        World {
            server,
            _database: database,
            alice,
            bob,
            slug,
        }
    }
}
