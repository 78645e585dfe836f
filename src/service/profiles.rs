//! Profiles and follows. [`load_profiles`] is the batch loader every list uses for its authors.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use crate::auth::Viewer;
use crate::db::error::{ignoring_duplicates, not_found_if_gone};
use crate::db::models::FollowRow;
use crate::db::schema::{follows, users};
use crate::error::AppError;
use crate::state::AppState;
use crate::with_connection;

/// A user as others see them; `following` is relative to the viewer (false when anonymous).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Profile {
    #[serde(skip)]
    pub user_id: i32,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

const PROFILE_NOT_FOUND: AppError = AppError::NotFound {
    resource: "profile",
};

pub async fn get_profile(
    state: &AppState,
    viewer: Option<Viewer>,
    username: &str,
) -> Result<Profile, AppError> {
    let user_id = find_user_id(state, username).await?;
    let mut profiles = load_profiles(state, viewer, &[user_id]).await?;
    profiles.remove(&user_id).ok_or(PROFILE_NOT_FOUND)
}

/// Follows `username`; following someone already followed is not an error (idempotent).
pub async fn follow(state: &AppState, viewer: Viewer, username: &str) -> Result<Profile, AppError> {
    let followee_id = find_user_id(state, username).await?;
    let row = FollowRow {
        follower_id: viewer.user_id,
        followee_id,
        created_at: super::now(),
    };
    // The primary key settles concurrent follows: a duplicate is simply already done. A user
    // deleted since the lookup is not found.
    with_connection!(state.db(), |conn| {
        ignoring_duplicates(
            diesel::insert_into(follows::table)
                .values(&row)
                .execute(conn)
                .await,
        )
        .map_err(|error| not_found_if_gone(error, PROFILE_NOT_FOUND))?
    });
    profile_of(state, viewer, followee_id).await
}

/// Unfollows `username`; unfollowing someone not followed is not an error.
pub async fn unfollow(
    state: &AppState,
    viewer: Viewer,
    username: &str,
) -> Result<Profile, AppError> {
    let followee_id = find_user_id(state, username).await?;
    with_connection!(state.db(), |conn| {
        diesel::delete(
            follows::table
                .filter(follows::follower_id.eq(viewer.user_id))
                .filter(follows::followee_id.eq(followee_id)),
        )
        .execute(conn)
        .await?
    });
    profile_of(state, viewer, followee_id).await
}

async fn profile_of(state: &AppState, viewer: Viewer, user_id: i32) -> Result<Profile, AppError> {
    let mut profiles = load_profiles(state, Some(viewer), &[user_id]).await?;
    profiles.remove(&user_id).ok_or(PROFILE_NOT_FOUND)
}

async fn find_user_id(state: &AppState, username: &str) -> Result<i32, AppError> {
    with_connection!(state.db(), |conn| {
        users::table
            .filter(users::username.eq(username))
            .select(users::id)
            .first::<i32>(conn)
            .await
            .optional()?
            .ok_or(PROFILE_NOT_FOUND)
    })
}

/// The profiles of `user_ids` as `viewer` sees them, in two statements at most whatever the
/// number of ids (one with no viewer, none with no ids).
pub async fn load_profiles(
    state: &AppState,
    viewer: Option<Viewer>,
    user_ids: &[i32],
) -> Result<HashMap<i32, Profile>, AppError> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i32, String, Option<String>, Option<String>)> =
        with_connection!(state.db(), |conn| {
            users::table
                .filter(users::id.eq_any(user_ids))
                .select((users::id, users::username, users::bio, users::image))
                .load(conn)
                .await?
        });
    let followed: HashSet<i32> = match viewer {
        None => HashSet::new(),
        Some(viewer) => with_connection!(state.db(), |conn| {
            follows::table
                .filter(follows::follower_id.eq(viewer.user_id))
                .filter(follows::followee_id.eq_any(user_ids))
                .select(follows::followee_id)
                .load::<i32>(conn)
                .await?
        })
        .into_iter()
        .collect(),
    };
    Ok(rows
        .into_iter()
        .map(|(user_id, username, bio, image)| {
            let profile = Profile {
                user_id,
                username,
                bio,
                image,
                following: followed.contains(&user_id),
            };
            (user_id, profile)
        })
        .collect())
}
