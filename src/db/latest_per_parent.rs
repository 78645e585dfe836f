//! A filter that limits a child list per parent in SQL: "this row is among the latest N of its
//! parent", for an author's articles and an article's comments, so that a batch for a page of
//! parents reads N rows of each, not every row of every parent.
//!
//! It renders as
//!
//! ```sql
//! articles.id IN (SELECT id FROM (
//!     SELECT id, ROW_NUMBER() OVER (PARTITION BY author_id ORDER BY created_at DESC, id DESC)
//!         AS row_in_parent
//!     FROM articles WHERE author_id IN (?, ?, …)) AS ranked
//! WHERE row_in_parent <= ?)
//! ```
//!
//! The same text runs on every backend: window functions are in SQLite since 3.25 (the bundled
//! one is newer), PostgreSQL, MySQL 8 and MariaDB since 10.2. Each parent's rows come from the
//! `(parent, order…)` index (`articles_author_id_idx`, `comments_article_id_idx`). Diesel has no
//! window functions, hence this small [`QueryFragment`]; the binds are Diesel's, so placeholders
//! are right for each backend.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, ValidGrouping, is_aggregate};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType, Integer};
use diesel::{QueryResult, Table};

use super::schema::{articles, comments};

/// `<table>.id IN (the latest `per_parent` rows of each of `parent_ids`)`, an expression for
/// `.filter()` on `T`. See the module documentation for the SQL.
#[derive(Debug, Clone)]
pub struct LatestPerParent<T> {
    /// Table, parent column and order, as SQL; fixed per constructor, never from input.
    table: &'static str,
    parent: &'static str,
    newest_first: &'static str,
    parent_ids: Vec<i32>,
    per_parent: i64,
    of: PhantomData<T>,
}

/// The latest `per_author` articles of each author, newest first (`created_at DESC, id DESC`,
/// the lists' order).
pub fn latest_articles_by_author(
    author_ids: &[i32],
    per_author: i64,
) -> LatestPerParent<articles::table> {
    LatestPerParent {
        table: "articles",
        parent: "author_id",
        newest_first: "created_at DESC, id DESC",
        parent_ids: author_ids.to_vec(),
        per_parent: per_author,
        of: PhantomData,
    }
}

/// The latest `per_article` comments of each article, newest first (`id DESC`, the order of
/// the comment list).
pub fn latest_comments_by_article(
    article_ids: &[i32],
    per_article: i64,
) -> LatestPerParent<comments::table> {
    LatestPerParent {
        table: "comments",
        parent: "article_id",
        newest_first: "id DESC",
        parent_ids: article_ids.to_vec(),
        per_parent: per_article,
        of: PhantomData,
    }
}

impl<T> Expression for LatestPerParent<T> {
    type SqlType = Bool;
}

impl<T> ValidGrouping<()> for LatestPerParent<T> {
    type IsAggregate = is_aggregate::Never;
}

impl<T: Table> AppearsOnTable<T> for LatestPerParent<T> {}

impl<T> QueryId for LatestPerParent<T> {
    type QueryId = ();
    // The text depends on the number of parents.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T, DB> QueryFragment<DB> for LatestPerParent<T>
where
    DB: Backend + HasSqlType<Integer> + HasSqlType<BigInt>,
    i32: ToSql<Integer, DB>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // One statement text per number of parents: not worth a prepared-statement cache entry.
        out.unsafe_to_cache_prepared();
        if self.parent_ids.is_empty() {
            out.push_sql("1 = 0");
            return Ok(());
        }
        let LatestPerParent {
            table,
            parent,
            newest_first,
            ..
        } = self;
        out.push_sql(&format!(
            "{table}.id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER \
             (PARTITION BY {parent} ORDER BY {newest_first}) AS row_in_parent \
             FROM {table} WHERE {parent} IN ("
        ));
        for (index, id) in self.parent_ids.iter().enumerate() {
            if index > 0 {
                out.push_sql(", ");
            }
            out.push_bind_param::<Integer, i32>(id)?;
        }
        out.push_sql(")) AS ranked WHERE row_in_parent <= ");
        out.push_bind_param::<BigInt, i64>(&self.per_parent)?;
        out.push_sql(")");
        Ok(())
    }
}
