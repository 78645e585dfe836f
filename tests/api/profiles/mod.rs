//! Profiles and follows.

mod graphql;
mod parity;
mod rest;
