//! Profiles and follows.

mod rest;
