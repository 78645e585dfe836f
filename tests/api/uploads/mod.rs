//! Image uploads: storing, serving and refusing files.

mod avatars;
mod graphql;
pub mod images;
mod rest;
mod s3;
