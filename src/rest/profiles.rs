//! `/api/profiles/{username}` and its `/follow`.

use axum::Json;
use axum::extract::Path;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ErrorBody;

use super::extract::{AuthUser, MaybeAuthUser};
use crate::db::Session;
use crate::error::AppError;
use crate::service::profiles;

/// A user as others see them; `following` is relative to the viewer (false when anonymous).
#[derive(Serialize, ToSchema)]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

impl From<profiles::Profile> for Profile {
    fn from(profile: profiles::Profile) -> Self {
        Profile {
            username: profile.username,
            bio: profile.bio,
            image: profile.image,
            following: profile.following,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProfileEnvelope {
    pub profile: Profile,
}

/// `GET /api/profiles/{username}`
#[utoipa::path(get, path = "/api/profiles/{username}", operation_id = "GetProfileByUsername", tag = "Profile",
    params(("username" = String, Path)), security((), ("Token" = [])),
    responses((status = 200, body = ProfileEnvelope), (status = 404, description = "Unknown user", body = ErrorBody), (status = 401, description = "An invalid or expired token (a missing one is fine)", body = ErrorBody)))]
pub async fn get_profile(
    db: Session,
    MaybeAuthUser(viewer): MaybeAuthUser,
    Path(username): Path<String>,
) -> Result<Json<ProfileEnvelope>, AppError> {
    let profile = profiles::get_profile(&db, viewer, &username).await?;
    Ok(Json(ProfileEnvelope {
        profile: profile.into(),
    }))
}

/// `POST /api/profiles/{username}/follow` (any body is ignored)
#[utoipa::path(post, path = "/api/profiles/{username}/follow", operation_id = "FollowUserByUsername", tag = "Profile",
    params(("username" = String, Path)), security(("Token" = [])),
    responses((status = 200, body = ProfileEnvelope), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 404, description = "Unknown user", body = ErrorBody)))]
pub async fn follow(
    db: Session,
    AuthUser(viewer): AuthUser,
    Path(username): Path<String>,
) -> Result<Json<ProfileEnvelope>, AppError> {
    let profile = profiles::follow(&db, viewer, &username).await?;
    Ok(Json(ProfileEnvelope {
        profile: profile.into(),
    }))
}

/// `DELETE /api/profiles/{username}/follow`
#[utoipa::path(delete, path = "/api/profiles/{username}/follow", operation_id = "UnfollowUserByUsername", tag = "Profile",
    params(("username" = String, Path)), security(("Token" = [])),
    responses((status = 200, body = ProfileEnvelope), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 404, description = "Unknown user", body = ErrorBody)))]
pub async fn unfollow(
    db: Session,
    AuthUser(viewer): AuthUser,
    Path(username): Path<String>,
) -> Result<Json<ProfileEnvelope>, AppError> {
    let profile = profiles::unfollow(&db, viewer, &username).await?;
    Ok(Json(ProfileEnvelope {
        profile: profile.into(),
    }))
}
