//! Live updates: the event hub, subscriptions, server-sent events, replicas, limits.

mod events;
mod limits;
mod replicas;
pub mod server_sent_events;
pub mod subscriptions;
mod world;
