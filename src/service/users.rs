//! Users and authentication: registration, login, the current user and its update.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::validation::{BLANK, NOTHING_TO_UPDATE, Validator};
use crate::auth::{INVALID_TOKEN, Viewer};
use crate::db::error::unique_violation;
use crate::db::models::{NewUserRow, UserChangeset, UserRow};
use crate::db::schema::users;
use crate::error::AppError;
use crate::state::AppState;
use crate::with_connection;

pub const USERNAME_MAX_CHARS: usize = 64;
pub const EMAIL_MAX_CHARS: usize = 255;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 256;
pub const BIO_MAX_CHARS: usize = 10_000;
pub const IMAGE_MAX_CHARS: usize = 2_048;

/// Input of registration; `None` is a field the client left out.
#[derive(Debug, Default, Clone)]
pub struct Registration {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
}

/// Input of login.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    pub email: Option<String>,
    pub password: Option<String>,
}

/// A partial update: `None` keeps the field, `Some(None)` is an explicit `null`.
#[derive(Debug, Default, Clone)]
pub struct UserUpdate {
    pub username: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub password: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub image: Option<Option<String>>,
}

/// The signed-in user with a fresh token, as register, login, current user and update return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct AuthenticatedUser {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

pub async fn register(
    state: &AppState,
    input: Registration,
) -> Result<AuthenticatedUser, AppError> {
    let mut validator = Validator::default();
    let username = validate_username(&mut validator, input.username);
    let email = validate_email(&mut validator, input.email);
    let password = validate_password(&mut validator, input.password);
    validator.finish()?;

    let password_hash = state.passwords().hash(password).await?;
    let now = super::now();
    let new_user = NewUserRow {
        username: username.clone(),
        email,
        password_hash,
        bio: None,
        image: None,
        created_at: now,
        updated_at: now,
    };
    // The unique constraints decide who gets a name; a concurrent registration loses here.
    let user = with_connection!(state.db(), |conn| {
        diesel::insert_into(users::table)
            .values(&new_user)
            .execute(conn)
            .await
            .map_err(taken_or_internal)?;
        users::table
            .filter(users::username.eq(&username))
            .select(UserRow::as_select())
            .first(conn)
            .await?
    });
    authenticated(state, user)
}

pub async fn login(state: &AppState, input: Credentials) -> Result<AuthenticatedUser, AppError> {
    let mut validator = Validator::default();
    let email = normalize_email(&input.email.unwrap_or_default());
    let password = input.password.unwrap_or_default();
    if email.is_empty() {
        validator.add("email", BLANK);
    } else {
        validator.text("email", &email, EMAIL_MAX_CHARS);
    }
    if password.is_empty() {
        validator.add("password", BLANK);
    }
    validator.finish()?;

    let user = with_connection!(state.db(), |conn| {
        users::table
            .filter(users::email.eq(&email))
            .select(UserRow::as_select())
            .first(conn)
            .await
            .optional()?
    });
    // Unknown email and wrong password get the same answer after the same work: `verify`
    // checks a dummy hash when there is no user.
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = state.passwords().verify(password, stored_hash).await?;
    match user {
        Some(user) if matches => authenticated(state, user),
        _ => Err(INVALID_CREDENTIALS),
    }
}

/// The viewer of a request, from its `Authorization` header: `None` without one, 401 for a bad
/// token or one whose user no longer exists. REST and GraphQL both start here.
pub async fn authenticate(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Option<Viewer>, AppError> {
    let viewer = crate::auth::viewer_from_headers(state.tokens(), headers)?;
    confirm_viewer(state, viewer).await
}

/// The viewer a verified token names, if that user still exists: the token of a deleted user is
/// invalid everywhere, not just where the user's row happens to be read.
async fn confirm_viewer(
    state: &AppState,
    viewer: Option<Viewer>,
) -> Result<Option<Viewer>, AppError> {
    let Some(viewer) = viewer else {
        return Ok(None);
    };
    let exists: bool = with_connection!(state.db(), |conn| {
        diesel::select(diesel::dsl::exists(users::table.find(viewer.user_id)))
            .get_result(conn)
            .await?
    });
    if exists {
        Ok(Some(viewer))
    } else {
        Err(INVALID_TOKEN)
    }
}

pub async fn current_user(state: &AppState, viewer: Viewer) -> Result<AuthenticatedUser, AppError> {
    let user = find_viewer(state, viewer).await?;
    authenticated(state, user)
}

pub async fn update_user(
    state: &AppState,
    viewer: Viewer,
    input: UserUpdate,
) -> Result<AuthenticatedUser, AppError> {
    let input_is_empty = input.username.is_none()
        && input.email.is_none()
        && input.password.is_none()
        && input.bio.is_none()
        && input.image.is_none();
    let mut validator = Validator::default();
    // `null` or "" for a required field is blank, not "leave as it is".
    let username = input
        .username
        .map(|value| validate_username(&mut validator, value));
    let email = input
        .email
        .map(|value| validate_email(&mut validator, value));
    let password = input
        .password
        .map(|value| validate_password(&mut validator, value));
    let bio = input
        .bio
        .map(|value| validator.optional("bio", value, BIO_MAX_CHARS));
    let image = input
        .image
        .map(|value| validator.optional("image", value, IMAGE_MAX_CHARS));
    if input_is_empty {
        validator.add("user", NOTHING_TO_UPDATE);
    }
    validator.finish()?;

    let password_hash = match password {
        Some(password) => Some(state.passwords().hash(password).await?),
        None => None,
    };
    let changes = UserChangeset {
        username,
        email,
        password_hash,
        bio,
        image,
        updated_at: Some(super::now()),
    };
    let user = with_connection!(state.db(), |conn| {
        let updated = diesel::update(users::table.find(viewer.user_id))
            .set(&changes)
            .execute(conn)
            .await
            .map_err(taken_or_internal)?;
        if updated == 0 {
            return Err(INVALID_TOKEN);
        }
        users::table
            .find(viewer.user_id)
            .select(UserRow::as_select())
            .first(conn)
            .await?
    });
    authenticated(state, user)
}

const INVALID_CREDENTIALS: AppError = AppError::Unauthenticated {
    key: "credentials",
    message: "invalid",
};

/// The viewer's row; a valid token for a user who no longer exists is an invalid token.
async fn find_viewer(state: &AppState, viewer: Viewer) -> Result<UserRow, AppError> {
    with_connection!(state.db(), |conn| {
        users::table
            .find(viewer.user_id)
            .select(UserRow::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or(INVALID_TOKEN)
    })
}

fn authenticated(state: &AppState, user: UserRow) -> Result<AuthenticatedUser, AppError> {
    Ok(AuthenticatedUser {
        token: state.tokens().issue(user.id)?,
        email: user.email,
        username: user.username,
        bio: user.bio,
        image: user.image,
    })
}

/// Maps a unique violation on `users` to 409 on the field it concerns.
fn taken_or_internal(error: diesel::result::Error) -> AppError {
    match unique_violation(&error) {
        Some(constraint)
            if constraint.contains("users_email_key") || constraint.contains("users.email") =>
        {
            AppError::Conflict { field: "email" }
        }
        Some(_) => AppError::Conflict { field: "username" },
        None => error.into(),
    }
}

fn validate_username(validator: &mut Validator, value: Option<String>) -> String {
    let username = validator.required("username", value, USERNAME_MAX_CHARS);
    // Usernames appear in URL paths (/api/profiles/{username}).
    if username
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '%'))
    {
        validator.add("username", "may not contain spaces or any of / ? # %");
    }
    username
}

fn validate_email(validator: &mut Validator, value: Option<String>) -> String {
    // Lower-casing can lengthen a string (İ → i̇), so the limit applies to the stored form.
    let normalized = value.map(|email| normalize_email(&email));
    let email = validator.required("email", normalized, EMAIL_MAX_CHARS);
    let looks_valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    }) && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !email.is_empty() && !looks_valid {
        validator.add("email", "is invalid");
    }
    email
}

/// Emails are compared case-insensitively on every backend by storing them in lower case.
fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn validate_password(validator: &mut Validator, value: Option<String>) -> String {
    // Passwords are taken as typed: no trimming, no composition rules.
    let password = value.unwrap_or_default();
    let length = password.chars().count();
    if password.is_empty() {
        validator.add("password", BLANK);
    } else if length < PASSWORD_MIN_CHARS {
        validator.add(
            "password",
            format!("is too short (minimum is {PASSWORD_MIN_CHARS} characters)"),
        );
    } else if length > PASSWORD_MAX_CHARS {
        validator.add(
            "password",
            format!("is too long (maximum is {PASSWORD_MAX_CHARS} characters)"),
        );
    }
    password
}
