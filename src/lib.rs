//! Conduit: the RealWorld blogging backend, one service layer behind a REST API (`/api`, the
//! RealWorld contract) and a GraphQL API (`/graphql`), on SQLite, PostgreSQL or MySQL.
//!
//! `main` and the integration tests both start the service through this crate: [`AppState::build`]
//! opens the database, [`app`] builds the router, [`serve`] runs it until a shutdown signal and stops
//! it without losing a request.

pub mod auth;
pub mod check;
pub mod config;
pub mod db;
mod deadline;
pub mod error;
pub mod events;
pub mod graphql;
#[cfg(test)]
mod layer_rules;
pub mod media;
pub mod metrics;
pub mod postgres_tls;
pub mod rate_limit;
pub mod request_id;
pub mod request_origin;
pub mod rest;
pub mod security_headers;
pub mod seed;
mod server;
pub mod service;
pub mod state;
mod web;

pub use server::serve;
pub use state::AppState;
pub use web::{app, healthcheck};
