//! Image uploads: storing, serving and refusing files.

mod avatars;
pub mod images;
mod rest;
mod s3;
