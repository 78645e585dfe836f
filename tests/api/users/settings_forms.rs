//! Settings forms: a frontend that sends the whole form on every save, with an empty password
//! box, changes only what was edited; an update that changes nothing (no field, or only an
//! empty password, as the official conformance suite sends) is 422. Every case runs through
//! REST and GraphQL, which must agree.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, error_of, errors};
use crate::users::graphql::{LOGIN, UPDATE};

/// The two ways to update the viewer; each test runs through both.
#[derive(Clone, Copy, Debug)]
pub enum Via {
    Rest,
    Graphql,
}

pub const BOTH: [Via; 2] = [Via::Rest, Via::Graphql];

impl Via {
    /// A username of its own per interface, so both run against the same database.
    pub fn user(self, name: &str) -> String {
        let interface = match self {
            Via::Rest => "rest",
            Via::Graphql => "graphql",
        };
        format!("{name}{interface}")
    }
}

/// Updates the viewer with `fields`: the user as returned (username, email, bio, image), or the
/// `{"<field>": [messages]}` map of a refusal, which must be 422 / `VALIDATION_FAILED`.
pub async fn update_viewer(
    app: &TestApp,
    via: Via,
    token: &str,
    fields: Value,
) -> Result<Value, Value> {
    let (user, refusal) = match via {
        Via::Rest => {
            let response = app
                .rest(
                    "PUT",
                    "/api/user",
                    Some(token),
                    Some(json!({"user": fields})),
                )
                .await;
            if response.status == StatusCode::OK {
                (response.body["user"].clone(), None)
            } else {
                assert_eq!(
                    response.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{fields}: {:?}",
                    response.body
                );
                (Value::Null, Some(errors(&response)))
            }
        }
        Via::Graphql => {
            let response = app
                .graphql(UPDATE, json!({"input": fields}), Some(token))
                .await;
            if response["errors"].is_null() {
                (response["data"]["updateViewer"]["viewer"].clone(), None)
            } else {
                let (code, map) = error_of(&response);
                assert_eq!(code, "VALIDATION_FAILED", "{fields}: {response}");
                (Value::Null, Some(map))
            }
        }
    };
    match refusal {
        Some(map) => Err(map),
        None => Ok(json!({
            "username": user["username"], "email": user["email"],
            "bio": user["bio"], "image": user["image"],
        })),
    }
}

async fn can_log_in(app: &TestApp, email: &str, password: &str) -> bool {
    let response = app
        .graphql(
            LOGIN,
            json!({"input": {"email": email, "password": password}}),
            None,
        )
        .await;
    response["data"]["login"]["token"].is_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_settings_form_with_an_empty_password_changes_only_the_edited_fields() {
    let app = TestApp::spawn().await;
    for via in BOTH {
        let name = via.user("svelte");
        let token = app.register(&name).await;
        let email = format!("{name}@example.com");
        update_viewer(
            &app,
            via,
            &token,
            json!({"image": "https://img.example/a.png"}),
        )
        .await
        .unwrap();
        let before = app.user_row(&name).await.unwrap();

        // Exactly what the Svelte frontend sends when only the bio was edited.
        let form =
            json!({"username": name, "email": email, "password": "", "image": "", "bio": "new"});
        let user = update_viewer(&app, via, &token, form.clone()).await;
        assert_eq!(
            user,
            Ok(json!({"username": name, "email": email, "bio": "new", "image": null})),
            "{via:?}: an empty image clears it"
        );
        let after = app.user_row(&name).await.unwrap();
        assert_eq!(after.3, before.3, "{via:?}: the password hash is kept");
        assert!(
            can_log_in(&app, &email, &format!("password-of-{name}")).await,
            "{via:?}"
        );

        // Saving the same form again is no error: values equal to the current ones are fine.
        let again = update_viewer(&app, via, &token, form).await;
        assert!(again.is_ok(), "{via:?}: {again:?}");

        // A password typed into the same form is a password change.
        let form = json!({"username": name, "email": email, "password": "typed-password", "image": "", "bio": "new"});
        update_viewer(&app, via, &token, form).await.unwrap();
        assert!(can_log_in(&app, &email, "typed-password").await, "{via:?}");
        assert!(
            !can_log_in(&app, &email, &format!("password-of-{name}")).await,
            "{via:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_that_changes_nothing_is_422_through_both_interfaces() {
    let app = TestApp::spawn().await;
    let nothing = json!({"user": ["has no field to update"]});
    for via in BOTH {
        let name = via.user("noop");
        let token = app.register(&name).await;
        let before = app.user_row(&name).await;
        // The official suite's `{"user":{"password":""}}`, a `null` password, and no field.
        for fields in [
            json!({"password": ""}),
            json!({"password": null}),
            json!({}),
        ] {
            let outcome = update_viewer(&app, via, &token, fields.clone()).await;
            assert_eq!(outcome, Err(nothing.clone()), "{via:?} {fields}");
        }
        // An empty password next to a bad field: the field's own message, nothing about updating.
        let outcome = update_viewer(&app, via, &token, json!({"password": "", "email": ""})).await;
        assert_eq!(
            outcome,
            Err(json!({"email": ["can't be blank"]})),
            "{via:?}"
        );
        assert_eq!(app.user_row(&name).await, before, "{via:?}");
    }
}
