//! Users and authentication: registration, login, the current user and its update.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::ForViewer as _;
use super::validation::{BLANK, NOTHING_TO_UPDATE, Validator};
use crate::auth::{INVALID_TOKEN, Viewer};
use crate::db::Session;
use crate::db::dialect::Dialect as _;
use crate::db::error::unique_violation;
use crate::db::models::{NewUserRow, UserChangeset, UserRow};
use crate::db::schema::users;
use crate::error::AppError;
use crate::on_connection;
use crate::rate_limit::ClientAddress;
use crate::state::AppState;

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
///
/// `password` set to `""` or `null` also keeps the current password: settings forms send their
/// untouched password box along with every save. `""` or `null` clears `bio` and `image`; for
/// `username` and `email` it is "can't be blank".
#[derive(Debug, Default, Clone)]
pub struct UserUpdate {
    pub username: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub password: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub image: Option<Option<String>>,
}

impl UserUpdate {
    /// The new password this update asks for: `None` when the field is left out, `null` or
    /// `""` (a settings form's untouched password box: keep the current one). A new password is
    /// hashed, so GraphQL counts it as a credential operation.
    pub fn new_password(&self) -> Option<&str> {
        self.password
            .as_ref()
            .and_then(Option::as_deref)
            .filter(|password| !password.is_empty())
    }
}

/// The signed-in user with a fresh token, as register, login, current user and update return it.
/// Each interface renders it in its own shape (`rest::users::User`, `graphql::users::AuthPayload`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

/// Creates an account. Counts as a credential attempt of `client` and of the email (after
/// validation, before hashing): out of budget is [`AppError::RateLimited`].
pub async fn register(
    db: &Session,
    state: &AppState,
    client: ClientAddress,
    input: Registration,
) -> Result<AuthenticatedUser, AppError> {
    let mut validator = Validator::default();
    let username = validate_username(&mut validator, input.username);
    let email = validate_email(&mut validator, input.email);
    let password = validate_password(&mut validator, input.password);
    validator.finish()?;
    state
        .rate_limits()
        .check_credential_attempt(client, &email)?;

    // Hashed before the session checks out a connection: no connection waits for a hashing slot.
    let password_hash = state.passwords().hash(password).await?;
    let now = super::now();
    let new_user = NewUserRow {
        username,
        email,
        password_hash,
        bio: None,
        image: None,
        created_at: now,
        updated_at: now,
    };
    // The unique constraints decide who gets a name; a concurrent registration loses here.
    let user = on_connection!(db, async move |conn| {
        diesel::insert_into(users::table)
            .values(&new_user)
            .execute(conn)
            .await
            .map_err(taken_or_internal)?;
        Ok(users::table
            .filter(users::username.eq(&new_user.username))
            .select(UserRow::as_select())
            .first(conn)
            .await?)
    })?;
    authenticated(state, user)
}

/// Exchanges email and password for a token. Counts as a credential attempt of `client` and of
/// the email (after validation, before any lookup or hashing), whatever its outcome.
pub async fn login(
    db: &Session,
    state: &AppState,
    client: ClientAddress,
    input: Credentials,
) -> Result<AuthenticatedUser, AppError> {
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
    state
        .rate_limits()
        .check_credential_attempt(client, &email)?;

    let user = on_connection!(db, async move |conn| {
        Ok(users::table
            .filter(users::email.eq(&email))
            .select(UserRow::as_select())
            .first(conn)
            .await
            .optional()?)
    })?;
    // The connection goes back to the pool while the password is checked: a storm of logins
    // waits for hashing slots without holding the pool.
    db.release().await;
    // Unknown email and wrong password get the same answer after the same work: `verify`
    // checks a dummy hash when there is no user.
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = state.passwords().verify(password, stored_hash).await?;
    match user {
        Some(user) if matches => authenticated(state, user),
        _ => Err(INVALID_CREDENTIALS),
    }
}

/// The viewer a request's token names: `None` without a token, 401 `token is invalid` for a bad,
/// tampered or expired one. `token` is the bare JWT: each interface takes it out of its own
/// transport (REST and GraphQL over HTTP from the `Authorization` header with
/// [`auth::token_from_headers`](crate::auth::token_from_headers)) and both start here. That the
/// user still exists is confirmed by the request's first database operation on the viewer's
/// behalf ([`ForViewer::for_viewer`](super::ForViewer)), on the connection it uses anyway.
pub fn authenticate(state: &AppState, token: Option<&str>) -> Result<Option<Viewer>, AppError> {
    token.map(|token| state.tokens().verify(token)).transpose()
}

/// The signed-in user with a fresh token. Reading the viewer's row is itself the confirmation
/// that the user exists (a deleted user's token is 401).
pub async fn current_user(
    db: &Session,
    state: &AppState,
    viewer: Viewer,
) -> Result<AuthenticatedUser, AppError> {
    let user = on_connection!(db, async move |conn| {
        users::table
            .find(viewer.user_id)
            .select(UserRow::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or(INVALID_TOKEN)
    })?;
    authenticated(state, user)
}

/// Updates the viewer. A new `image` that replaces one of the viewer's own uploads deletes
/// that upload once the update committed (see
/// [`delete_replaced_avatar`](super::uploads::delete_replaced_avatar)). With a new password this takes two connection checkouts: the first
/// confirms the viewer, then the connection goes back to the pool while the password is hashed
/// (which may wait for a hashing slot), and the second writes.
///
/// An update must name something to change: no field at all, or only an empty password, is 422
/// `{"user": ["has no field to update"]}` (as an article update without fields is). Values equal
/// to the current ones are no error: saving an unchanged form twice succeeds both times.
pub async fn update_user(
    db: &Session,
    state: &AppState,
    viewer: Viewer,
    input: UserUpdate,
) -> Result<AuthenticatedUser, AppError> {
    // Authentication comes before validation, as on every route.
    db.for_viewer(viewer).confirm_user().await?;
    let new_password = input.new_password().map(str::to_owned);
    let input_is_empty = input.username.is_none()
        && input.email.is_none()
        && new_password.is_none()
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
    let password = new_password.map(|value| validate_password(&mut validator, Some(value)));
    let bio = input
        .bio
        .map(|value| validator.optional("bio", value, BIO_MAX_CHARS));
    let image = input
        .image
        .map(|value| validate_image(&mut validator, value));
    if input_is_empty {
        validator.add("user", NOTHING_TO_UPDATE);
    }
    validator.finish()?;

    let password_hash = match password {
        Some(password) => {
            db.release().await;
            Some(state.passwords().hash(password).await?)
        }
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
    let replaces_image = changes.image.is_some();
    let (user, old_image) = on_connection!(db, async move |conn| {
        conn.write_transaction(async |conn| {
            // The image this update replaces, read under the lock the update then holds.
            let old_image = if replaces_image {
                conn.lock_user_image(viewer.user_id).await?
            } else {
                None
            };
            let updated = diesel::update(users::table.find(viewer.user_id))
                .set(&changes)
                .execute(conn)
                .await
                .map_err(taken_or_internal)?;
            if updated == 0 {
                return Err(INVALID_TOKEN);
            }
            let user = users::table
                .find(viewer.user_id)
                .select(UserRow::as_select())
                .first(conn)
                .await?;
            Ok((user, old_image))
        })
        .await
    })?;
    // Committed: only now may the old avatar go.
    super::uploads::delete_replaced_avatar(
        db,
        state,
        viewer.user_id,
        old_image.as_deref(),
        user.image.as_deref(),
    )
    .await;
    authenticated(state, user)
}

const INVALID_CREDENTIALS: AppError = AppError::Unauthenticated {
    key: "credentials",
    message: "invalid",
};

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

/// What [`validate_image`] accepts, as the message of a refusal says it.
pub const IMAGE_RULE: &str = "must be an absolute http:// or https:// URL";

/// An avatar URL: `""` or `null` is none; anything else must be an absolute `http(s)` URL with
/// a host. Frontends put it into `<img src>` and links, so `javascript:`, `data:` and other
/// schemes, and relative references that would resolve against the frontend's own origin, are
/// refused. It is parsed by the WHATWG URL rules, as a browser parses it (whitespace and tabs
/// inside the scheme cannot smuggle one past). Stored trimmed, as sent.
fn validate_image(validator: &mut Validator, value: Option<String>) -> Option<String> {
    let image = value.map(|image| image.trim().to_owned());
    let image = validator.optional("image", image, IMAGE_MAX_CHARS)?;
    let is_web_url = url::Url::parse(&image).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|host| !host.is_empty())
    });
    if !is_web_url {
        validator.add("image", IMAGE_RULE);
    }
    Some(image)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldErrors;

    /// What a field validator returns, and the messages it reported for `field`.
    fn check<T>(
        field: &str,
        validate: impl FnOnce(&mut Validator, Option<String>) -> T,
        value: &str,
    ) -> (T, Vec<String>) {
        let mut validator = Validator::default();
        let kept = validate(&mut validator, Some(value.to_owned()));
        let messages = match validator.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.field_errors().remove(field).unwrap_or_default(),
        };
        (kept, messages)
    }

    const USERNAME_RULE: &str = "may not contain spaces or any of / ? # %";

    #[test]
    fn usernames_of_any_script_are_accepted_trimmed() {
        for (sent, kept) in [
            (" jürgen ", "jürgen"),
            ("名前", "名前"),
            ("a.b-c_d+e@f", "a.b-c_d+e@f"),
        ] {
            assert_eq!(
                check("username", validate_username, sent),
                (kept.to_owned(), vec![]),
                "{sent:?}"
            );
        }
    }

    #[test]
    fn usernames_may_not_contain_spaces_controls_or_url_delimiters() {
        for sent in [
            "a b", "a\u{a0}b", "a\tb", "a\u{7}b", "a/b", "a?b", "a#b", "a%20b",
        ] {
            let (_, messages) = check("username", validate_username, sent);
            assert_eq!(messages, [USERNAME_RULE], "{sent:?}");
        }
    }

    #[test]
    fn a_username_of_64_characters_is_accepted_and_65_is_not() {
        let (_, messages) = check("username", validate_username, &"é".repeat(64));
        assert!(messages.is_empty(), "{messages:?}");
        let (_, messages) = check("username", validate_username, &"é".repeat(65));
        assert_eq!(messages, ["is too long (maximum is 64 characters)"]);
    }

    #[test]
    fn emails_are_stored_trimmed_and_lower_cased() {
        let (email, messages) = check("email", validate_email, "  Ann.Lee@Example.COM \n");
        assert_eq!(email, "ann.lee@example.com");
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn an_email_needs_text_on_both_sides_of_one_at_and_no_whitespace() {
        for sent in [
            "ann",
            "@example.com",
            "ann@",
            "ann@example@com",
            "ann lee@example.com",
            "ann@exam\tple.com",
            "ann@\u{0}example.com",
        ] {
            let (_, messages) = check("email", validate_email, sent);
            assert!(
                messages.contains(&"is invalid".to_owned()),
                "{sent:?}: {messages:?}"
            );
        }
        let (_, messages) = check("email", validate_email, "a@b");
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn a_blank_email_is_blank_and_not_also_invalid() {
        for sent in ["", "   "] {
            let (_, messages) = check("email", validate_email, sent);
            assert_eq!(messages, [BLANK], "{sent:?}");
        }
    }

    #[test]
    fn the_email_length_limit_applies_to_the_lower_cased_form() {
        // 'İ' lower-cases to two characters ('i' and a combining dot).
        let fits = format!("{}@example.com", "İ".repeat(120)); // 132 sent, 252 stored
        let (_, messages) = check("email", validate_email, &fits);
        assert!(messages.is_empty(), "{messages:?}");
        let grows_too_long = format!("{}@example.com", "İ".repeat(122)); // 134 sent, 256 stored
        let (_, messages) = check("email", validate_email, &grows_too_long);
        assert_eq!(messages, ["is too long (maximum is 255 characters)"]);
    }

    #[test]
    fn absolute_http_and_https_urls_are_images_stored_trimmed() {
        for (sent, kept) in [
            ("http://example.com/a.png", "http://example.com/a.png"),
            ("HTTPS://EXAMPLE.COM/A.PNG", "HTTPS://EXAMPLE.COM/A.PNG"),
            (
                "  https://example.com/a b.png \t",
                "https://example.com/a b.png",
            ),
        ] {
            assert_eq!(
                check("image", validate_image, sent),
                (Some(kept.to_owned()), vec![]),
                "{sent:?}"
            );
        }
    }

    #[test]
    fn other_schemes_relative_references_and_hostless_urls_are_not_images() {
        for sent in [
            "javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:image/png;base64,iVBORw0KGgo=",
            "file:///etc/passwd",
            "ftp://example.com/a.png",
            "/avatar.png",
            "//example.com/a.png",
            "example.com/a.png",
            "http://",
        ] {
            let (_, messages) = check("image", validate_image, sent);
            assert_eq!(messages, [IMAGE_RULE], "{sent:?}");
        }
    }

    #[test]
    fn an_empty_or_whitespace_image_clears_it() {
        for sent in ["", " \t "] {
            assert_eq!(
                check("image", validate_image, sent),
                (None, vec![]),
                "{sent:?}"
            );
        }
    }

    #[test]
    fn an_image_url_over_2048_characters_is_too_long() {
        let base = "https://example.com/";
        let (_, messages) = check(
            "image",
            validate_image,
            &format!("{base}{}", "a".repeat(2048 - base.len())),
        );
        assert!(messages.is_empty(), "{messages:?}");
        let (_, messages) = check(
            "image",
            validate_image,
            &format!("{base}{}", "a".repeat(2049 - base.len())),
        );
        assert_eq!(messages, ["is too long (maximum is 2048 characters)"]);
    }

    #[test]
    fn a_password_of_8_to_256_characters_is_accepted_counted_in_characters() {
        for sent in ["é".repeat(8), "x".repeat(256)] {
            let (_, messages) = check("password", validate_password, &sent);
            assert!(messages.is_empty(), "{}: {messages:?}", sent.len());
        }
        let (_, messages) = check("password", validate_password, &"é".repeat(7));
        assert_eq!(messages, ["is too short (minimum is 8 characters)"]);
        let (_, messages) = check("password", validate_password, &"x".repeat(257));
        assert_eq!(messages, ["is too long (maximum is 256 characters)"]);
    }

    #[test]
    fn passwords_are_taken_as_typed_spaces_included() {
        let (password, messages) = check("password", validate_password, "  secret  ");
        assert_eq!(password, "  secret  ");
        assert!(messages.is_empty(), "{messages:?}");
        // Four characters once trimmed, ten as typed: the spaces count.
        let (_, messages) = check("password", validate_password, "   abcd   ");
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn a_missing_or_empty_password_is_blank() {
        let mut validator = Validator::default();
        validate_password(&mut validator, None);
        assert_eq!(
            validator.finish().unwrap_err().field_errors(),
            FieldErrors::from([("password".to_owned(), vec![BLANK.to_owned()])])
        );
        let (_, messages) = check("password", validate_password, "");
        assert_eq!(messages, [BLANK]);
    }
}
