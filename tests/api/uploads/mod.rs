//! Image uploads: storing, serving and refusing files.

pub mod images;
mod rest;
mod s3;
