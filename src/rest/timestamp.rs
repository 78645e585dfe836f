//! Times in the RealWorld JSON: the service's one rendering
//! ([`service::timestamp`](crate::service::timestamp)), written straight into the output.

use chrono::NaiveDateTime;
use serde::Serializer;

use crate::service::timestamp;

/// For `#[serde(serialize_with = "timestamp::serialize")]`.
pub fn serialize<S: Serializer>(time: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&timestamp::display(time))
}
