//! Article lists, the feed and tags: filters, order, totals, paging, nested lists.

mod cursors;
mod graphql;
mod parity;
mod per_parent_limits;
mod rest;
mod statement_counts;
