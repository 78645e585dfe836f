//! Articles: create, read, update, delete, favorite.

mod graphql;
mod parity;
mod rest;
