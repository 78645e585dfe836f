//! Articles: lists (with filters and the feed) and reads ([`reads`]), writes ([`writes`]:
//! create, update, delete), favorites ([`favorites`]), and the lookups they share
//! ([`queries`]). This file holds the inputs, the limits and the errors they have in common.

mod favorites;
mod queries;
mod reads;
mod writes;

pub use favorites::{favorite, unfavorite};
pub use queries::ArticleQueries;
pub use reads::{feed, get_article, get_article_by_id, latest_by_authors, list_articles};
pub use writes::{create_article, delete_article, update_article};

use super::article_views::Article;
use crate::error::AppError;

pub const TITLE_MAX_CHARS: usize = 255;
pub const DESCRIPTION_MAX_CHARS: usize = 1_000;
pub const BODY_MAX_CHARS: usize = 100_000;

pub(in crate::service) const ARTICLE_NOT_FOUND: AppError = AppError::NotFound {
    resource: "article",
};
const ARTICLE_FORBIDDEN: AppError = AppError::Forbidden {
    resource: "article",
};

/// Which articles a list shows; the filters combine with AND.
#[derive(Debug, Default, Clone)]
pub struct ArticleFilter {
    pub tag: Option<String>,
    /// Username of the author.
    pub author: Option<String>,
    /// Username of a user who favorited the articles.
    pub favorited_by: Option<String>,
}

impl ArticleFilter {
    /// Empty values (`?tag=`, which some frontends send) mean "no filter".
    pub fn new(tag: Option<String>, author: Option<String>, favorited_by: Option<String>) -> Self {
        let given = |value: Option<String>| value.filter(|value| !value.is_empty());
        ArticleFilter {
            tag: given(tag),
            author: given(author),
            favorited_by: given(favorited_by),
        }
    }
}

/// A page of articles and the total number of matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleList {
    pub articles: Vec<Article>,
    pub total: i64,
    /// Whether more matches follow this page (read as one row past the page, so that it holds
    /// for keyset pages, whose offset is unknown, and whatever the counters say).
    pub has_more: bool,
}

#[derive(Debug, Default, Clone)]
pub struct NewArticle {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tag_list: Option<Vec<String>>,
}

/// A partial update: `None` keeps the field, `Some(None)` is an explicit `null` (refused).
#[derive(Debug, Default, Clone)]
pub struct ArticleUpdate {
    pub title: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub body: Option<Option<String>>,
    pub tag_list: Option<Option<Vec<String>>>,
}
