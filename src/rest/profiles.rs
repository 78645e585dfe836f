//! `/api/profiles/{username}` and its `/follow`.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use super::extract::{AuthUser, MaybeAuthUser};
use crate::error::AppError;
use crate::service::profiles::{self, Profile};
use crate::state::AppState;

#[derive(Serialize)]
pub struct ProfileEnvelope {
    pub profile: Profile,
}

/// `GET /api/profiles/{username}`
pub async fn get_profile(
    State(state): State<AppState>,
    MaybeAuthUser(viewer): MaybeAuthUser,
    Path(username): Path<String>,
) -> Result<Json<ProfileEnvelope>, AppError> {
    let profile = profiles::get_profile(&state, viewer, &username).await?;
    Ok(Json(ProfileEnvelope { profile }))
}

/// `POST /api/profiles/{username}/follow` (any body is ignored)
pub async fn follow(
    State(state): State<AppState>,
    AuthUser(viewer): AuthUser,
    Path(username): Path<String>,
) -> Result<Json<ProfileEnvelope>, AppError> {
    let profile = profiles::follow(&state, viewer, &username).await?;
    Ok(Json(ProfileEnvelope { profile }))
}

/// `DELETE /api/profiles/{username}/follow`
pub async fn unfollow(
    State(state): State<AppState>,
    AuthUser(viewer): AuthUser,
    Path(username): Path<String>,
) -> Result<Json<ProfileEnvelope>, AppError> {
    let profile = profiles::unfollow(&state, viewer, &username).await?;
    Ok(Json(ProfileEnvelope { profile }))
}
