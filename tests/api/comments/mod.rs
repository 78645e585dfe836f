//! Comments on articles: add, list, delete.

mod graphql;
mod parity;
mod rest;
