//! Abuse and hardening: rate limits, the write quota, exact identifiers, headers.

mod exact_identifiers;
mod hardening;
mod rate_limits;
mod write_quota;
