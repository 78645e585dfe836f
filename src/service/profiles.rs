//! Profiles and follows. [`ProfileQueries::load_profiles`] is the batch loader every list uses for
//! its authors.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::ForViewer as _;
use crate::auth::Viewer;
use crate::db::Session;
use crate::db::error::{ignoring_duplicates, not_found_if_gone};
use crate::db::models::FollowRow;
use crate::db::schema::{follows, users};
use crate::error::AppError;
use crate::on_connection;

/// A user as others see them; `following` is relative to the viewer (false when anonymous).
/// Each interface renders it in its own shape (`rest::profiles::Profile`,
/// `graphql::types::ProfileNode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The user's id: GraphQL loaders key on it; REST never shows it.
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
    db: &Session,
    viewer: Option<Viewer>,
    username: &str,
) -> Result<Profile, AppError> {
    let username = username.to_owned();
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let user_id = conn.find_user_id(&username).await?;
        conn.profile_of(viewer, user_id).await
    })
}

/// Follows `username`; following someone already followed is not an error (idempotent).
pub async fn follow(db: &Session, viewer: Viewer, username: &str) -> Result<Profile, AppError> {
    let username = username.to_owned();
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let followee_id = conn.find_user_id(&username).await?;
        let row = FollowRow {
            follower_id: viewer.user_id,
            followee_id,
            created_at: super::now(),
        };
        // The primary key settles concurrent follows: a duplicate is simply already done. A
        // user deleted since the lookup is not found.
        ignoring_duplicates(
            diesel::insert_into(follows::table)
                .values(&row)
                .execute(conn)
                .await,
        )
        .map_err(|error| not_found_if_gone(error, PROFILE_NOT_FOUND))?;
        conn.profile_of(Some(viewer), followee_id).await
    })
}

/// Unfollows `username`; unfollowing someone not followed is not an error.
pub async fn unfollow(db: &Session, viewer: Viewer, username: &str) -> Result<Profile, AppError> {
    let username = username.to_owned();
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let followee_id = conn.find_user_id(&username).await?;
        diesel::delete(
            follows::table
                .filter(follows::follower_id.eq(viewer.user_id))
                .filter(follows::followee_id.eq(followee_id)),
        )
        .execute(conn)
        .await?;
        conn.profile_of(Some(viewer), followee_id).await
    })
}

/// Whether `viewer` follows the user `user_id`: for feed subscribers told of a new article.
pub async fn is_following(db: &Session, viewer: Viewer, user_id: i32) -> Result<bool, AppError> {
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let found: Option<i32> = follows::table
            .filter(follows::follower_id.eq(viewer.user_id))
            .filter(follows::followee_id.eq(user_id))
            .select(follows::followee_id)
            .first(conn)
            .await
            .optional()?;
        Ok(found.is_some())
    })
}

/// Profile lookups, implemented for every connection type.
pub trait ProfileQueries: Send {
    /// The profiles of `user_ids` as `viewer` sees them, in two statements at most whatever the
    /// number of ids (one with no viewer, none with no ids).
    fn load_profiles(
        &mut self,
        viewer: Option<Viewer>,
        user_ids: &[i32],
    ) -> impl Future<Output = QueryResult<HashMap<i32, Profile>>> + Send;

    /// One profile, or 404 `profile`.
    fn profile_of(
        &mut self,
        viewer: Option<Viewer>,
        user_id: i32,
    ) -> impl Future<Output = Result<Profile, AppError>> + Send;

    /// The id of the user called `username`, or 404 `profile`.
    fn find_user_id(
        &mut self,
        username: &str,
    ) -> impl Future<Output = Result<i32, AppError>> + Send;
}

crate::for_each_connection! {
    impl ProfileQueries {
        async fn load_profiles(
            &mut self,
            viewer: Option<Viewer>,
            user_ids: &[i32],
        ) -> QueryResult<HashMap<i32, Profile>> {
            if user_ids.is_empty() {
                return Ok(HashMap::new());
            }
            let rows: Vec<(i32, String, Option<String>, Option<String>)> = users::table
                .filter(users::id.eq_any(user_ids))
                .select((users::id, users::username, users::bio, users::image))
                .load(self)
                .await?;
            let followed: HashSet<i32> = match viewer {
                None => HashSet::new(),
                Some(viewer) => follows::table
                    .filter(follows::follower_id.eq(viewer.user_id))
                    .filter(follows::followee_id.eq_any(user_ids))
                    .select(follows::followee_id)
                    .load::<i32>(self)
                    .await?
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

        async fn profile_of(
            &mut self,
            viewer: Option<Viewer>,
            user_id: i32,
        ) -> Result<Profile, AppError> {
            self.load_profiles(viewer, &[user_id])
                .await?
                .remove(&user_id)
                .ok_or(PROFILE_NOT_FOUND)
        }

        async fn find_user_id(&mut self, username: &str) -> Result<i32, AppError> {
            users::table
                .filter(users::username.eq(username))
                .select(users::id)
                .first::<i32>(self)
                .await
                .optional()?
                .ok_or(PROFILE_NOT_FOUND)
        }
    }
}
