//! Users and authentication: register, login, the viewer, its settings, tokens.

mod bad_input;
pub mod graphql;
mod image_urls;
mod parity;
mod rest;
pub mod settings_forms;
