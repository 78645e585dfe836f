//! DataLoaders: per request, they gather the keys that nested fields ask for while a level of the
//! query resolves and load them with one batch call into the service layer.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use crate::auth::Viewer;
use crate::error::AppError;
use crate::service::article_views::Article;
use crate::service::articles;
use crate::service::comments::{self, Comment};
use crate::state::AppState;

use super::types::AUTHOR_ARTICLES_MAX;

/// An article's comments, newest first, keyed by article id.
pub struct CommentsByArticle {
    pub state: AppState,
    pub viewer: Option<Viewer>,
}

impl Loader<i32> for CommentsByArticle {
    type Value = Vec<Comment>;
    type Error = Arc<AppError>;

    async fn load(&self, article_ids: &[i32]) -> Result<HashMap<i32, Vec<Comment>>, Arc<AppError>> {
        let rows = comments::load_comment_rows(&self.state, article_ids).await?;
        let article_of: Vec<i32> = rows.iter().map(|row| row.article_id).collect();
        let decorated = comments::decorate(&self.state, self.viewer, rows).await?;
        let mut by_article: HashMap<i32, Vec<Comment>> = HashMap::new();
        for (article_id, comment) in article_of.into_iter().zip(decorated) {
            by_article.entry(article_id).or_default().push(comment);
        }
        Ok(by_article)
    }
}

/// An author's latest articles, keyed by user id.
pub struct ArticlesByAuthor {
    pub state: AppState,
    pub viewer: Option<Viewer>,
}

impl Loader<i32> for ArticlesByAuthor {
    type Value = Vec<Article>;
    type Error = Arc<AppError>;

    async fn load(&self, author_ids: &[i32]) -> Result<HashMap<i32, Vec<Article>>, Arc<AppError>> {
        Ok(
            articles::latest_by_authors(&self.state, self.viewer, author_ids, AUTHOR_ARTICLES_MAX)
                .await?,
        )
    }
}
