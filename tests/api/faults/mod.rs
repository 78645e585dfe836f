//! Database faults: lost, paused, locked or unwritable is 503, and service resumes.

pub mod outages;
mod proxy;
pub mod time_limits;
