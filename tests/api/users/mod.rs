//! Users and authentication: register, login, the viewer, its settings, tokens.

mod bad_input;
mod graphql;
mod image_urls;
mod parity;
mod rest;
mod settings_forms;
