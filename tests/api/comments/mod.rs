//! Comments on articles: add, list, delete.

mod rest;
