//! `/api/tags`

use axum::Json;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Session;
use crate::error::AppError;
use crate::service::tags;

#[derive(Serialize, ToSchema)]
pub struct TagsResponse {
    tags: Vec<String>,
}

/// `GET /api/tags`: every tag in use, most used first.
#[utoipa::path(get, path = "/api/tags", operation_id = "GetTags", tag = "Tags", responses((status = 200, body = TagsResponse)))]
pub async fn list_tags(db: Session) -> Result<Json<TagsResponse>, AppError> {
    Ok(Json(TagsResponse {
        tags: tags::list_tags(&db).await?,
    }))
}
