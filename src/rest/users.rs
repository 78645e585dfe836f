//! `/api/users`, `/api/users/login`, `/api/user`: registration, login, the current user.

use axum::Json;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;

use super::extract::{AuthUser, JsonBody};
use crate::db::Session;
use crate::error::AppError;
use crate::rate_limit::ClientAddress;
use crate::security_headers::NO_STORE;
use crate::service::users::{self, AuthenticatedUser, Credentials, Registration, UserUpdate};

/// The signed-in user with a fresh token, as register, login, current user and update return it.
#[derive(Serialize, ToSchema)]
pub struct User {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

impl From<AuthenticatedUser> for User {
    fn from(user: AuthenticatedUser) -> Self {
        User {
            email: user.email,
            token: user.token,
            username: user.username,
            bio: user.bio,
            image: user.image,
        }
    }
}
use crate::state::AppState;

/// RealWorld wraps every user payload in `{"user": …}`. A request without the wrapper reads as
/// one with every field left out, so it gets the same per-field messages.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct UserEnvelope<T> {
    #[serde(default)]
    pub user: T,
}

#[derive(Default, Deserialize, ToSchema)]
pub struct RegisterBody {
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

#[derive(Default, Deserialize, ToSchema)]
pub struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

/// Fields left out keep their value. Unknown fields (frontends send the whole user back, token
/// included) are ignored. An update that changes nothing — no field, or only an empty
/// `password` — is 422 `{"errors":{"user":["has no field to update"]}}`.
#[derive(Default, Deserialize, ToSchema)]
pub struct UpdateBody {
    /// `""` or `null` is 422 "can't be blank".
    #[serde(default, deserialize_with = "present")]
    username: Option<Option<String>>,
    /// `""` or `null` is 422 "can't be blank".
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    /// A new password (8 to 256 characters). `""` or `null` keeps the current one: settings
    /// forms send their untouched password box with every save.
    #[serde(default, deserialize_with = "present")]
    password: Option<Option<String>>,
    /// `""` or `null` clears it.
    #[serde(default, deserialize_with = "present")]
    bio: Option<Option<String>>,
    /// An absolute `http://` or `https://` URL (at most 2,048 characters); anything else
    /// (`javascript:`, `data:`, a relative path) is 422. `""` or `null` clears it.
    #[serde(default, deserialize_with = "present")]
    image: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from a field left out (`None`, via `default`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Every user answer carries a token: `Cache-Control: no-store` keeps it out of caches.
type UserResponse = ([(HeaderName, HeaderValue); 1], Json<UserEnvelope<User>>);

fn user_response(user: AuthenticatedUser) -> UserResponse {
    (
        [(CACHE_CONTROL, NO_STORE)],
        Json(UserEnvelope { user: user.into() }),
    )
}

/// `POST /api/users`: register; 201 with the new user and a token.
#[utoipa::path(post, path = "/api/users", operation_id = "CreateUser", tag = "User and Authentication",
    request_body = UserEnvelope<RegisterBody>,
    responses((status = 201, body = UserEnvelope<User>),
        (status = 409, description = "Username or email taken", body = ErrorBody), (status = 422, description = "A field breaks a rule", body = ErrorBody), (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody), (status = 413, description = "Body larger than MAX_BODY_BYTES", body = ErrorBody), (status = 429, description = "Too many logins and registrations from this address or for this email; wait Retry-After seconds", body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    db: Session,
    client: ClientAddress,
    JsonBody(body): JsonBody<UserEnvelope<RegisterBody>>,
) -> Result<(StatusCode, UserResponse), AppError> {
    let input = Registration {
        username: body.user.username,
        email: body.user.email,
        password: body.user.password,
    };
    let user = users::register(&db, &state, client, input).await?;
    Ok((StatusCode::CREATED, user_response(user)))
}

/// `POST /api/users/login`: exchange email and password for a token.
#[utoipa::path(post, path = "/api/users/login", operation_id = "Login", tag = "User and Authentication",
    request_body = UserEnvelope<LoginBody>,
    responses((status = 200, body = UserEnvelope<User>), (status = 401, description = "Wrong email or password", body = ErrorBody), (status = 422, description = "A field breaks a rule", body = ErrorBody), (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody), (status = 413, description = "Body larger than MAX_BODY_BYTES", body = ErrorBody), (status = 429, description = "Too many logins and registrations from this address or for this email; wait Retry-After seconds", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    db: Session,
    client: ClientAddress,
    JsonBody(body): JsonBody<UserEnvelope<LoginBody>>,
) -> Result<UserResponse, AppError> {
    let input = Credentials {
        email: body.user.email,
        password: body.user.password,
    };
    let user = users::login(&db, &state, client, input).await?;
    Ok(user_response(user))
}

/// `GET /api/user`: the signed-in user.
#[utoipa::path(get, path = "/api/user", operation_id = "GetCurrentUser", tag = "User and Authentication",
    security(("Token" = [])), responses((status = 200, body = UserEnvelope<User>), (status = 401, description = "No token, or an invalid one", body = ErrorBody)))]
pub async fn current_user(
    State(state): State<AppState>,
    db: Session,
    AuthUser(viewer): AuthUser,
) -> Result<UserResponse, AppError> {
    let user = users::current_user(&db, &state, viewer).await?;
    Ok(user_response(user))
}

/// `PUT /api/user`: partial update of the signed-in user.
///
/// An empty `password` keeps the current one, so a settings form can send every field on each
/// save (`{"user":{"username":…,"email":…,"password":"","image":"","bio":"new"}}` changes the
/// bio and clears the image). An update that changes nothing (no field, or only an empty
/// password) is 422 `user: has no field to update`; values equal to the current ones are not an
/// error.
#[utoipa::path(put, path = "/api/user", operation_id = "UpdateCurrentUser", tag = "User and Authentication",
    security(("Token" = [])), request_body = UserEnvelope<UpdateBody>,
    responses((status = 200, body = UserEnvelope<User>), (status = 401, description = "No token, or an invalid one", body = ErrorBody),
        (status = 409, description = "Username or email taken", body = ErrorBody), (status = 422, description = "A field breaks a rule", body = ErrorBody), (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody), (status = 413, description = "Body larger than MAX_BODY_BYTES", body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    db: Session,
    AuthUser(viewer): AuthUser,
    JsonBody(body): JsonBody<UserEnvelope<UpdateBody>>,
) -> Result<UserResponse, AppError> {
    let input = UserUpdate {
        username: body.user.username,
        email: body.user.email,
        password: body.user.password,
        bio: body.user.bio,
        image: body.user.image,
    };
    let user = users::update_user(&db, &state, viewer, input).await?;
    Ok(user_response(user))
}
