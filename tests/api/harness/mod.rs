//! What every test starts from: the test app (the real router over a fresh database of the
//! test's own, driven in process), the real binary on a real port, direct reads of the
//! database, and the request bodies and answer checks that tests across features share.

mod answers;
mod app;
pub mod binary;
pub mod client;
mod database;
pub mod parity;
mod rows;

pub use answers::{
    assert_graphql_rate_limited, assert_rest_rate_limited, error_of, errors, is_millisecond_utc,
    names_an_internal_type, registration,
};
pub use app::{MAX_BODY_BYTES, Response, SECRET, TestApp};
pub use database::TestDatabase;
