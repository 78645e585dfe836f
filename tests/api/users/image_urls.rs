//! `image` is an absolute http(s) URL: frontends put it into `<img src>` and links, so every
//! other scheme and relative references are 422 with a message that says what is allowed,
//! through REST and GraphQL alike, and change nothing. `""` and `null` clear it.

use serde_json::json;

use crate::harness::TestApp;
use crate::users::settings_forms::{BOTH, update_viewer};

#[tokio::test(flavor = "multi_thread")]
async fn only_absolute_http_and_https_urls_are_accepted_as_image() {
    let app = TestApp::spawn().await;
    let refused = json!({"image": ["must be an absolute http:// or https:// URL"]});
    for via in BOTH {
        let name = via.user("avatar");
        let token = app.register(&name).await;

        for image in [
            "https://img.example/a.png",
            "http://img.example:8080/a.png?size=80#top",
            "  https://img.example/padded.png  ",
        ] {
            let user = update_viewer(&app, via, &token, json!({"image": image})).await;
            assert_eq!(
                user.map(|user| user["image"].clone()),
                Ok(json!(image.trim())),
                "{via:?}"
            );
        }
        let before = app.user_row(&name).await;

        for image in [
            "javascript:alert(document.cookie)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "ftp://img.example/a.png",
            "//img.example/a.png",
            "/uploads/a.png",
            "a.png",
            "https://",
            "http:/",
            "mailto:someone@example.com",
        ] {
            let outcome = update_viewer(&app, via, &token, json!({"image": image})).await;
            assert_eq!(outcome, Err(refused.clone()), "{via:?} {image:?}");
            // Next to a good field the whole update is refused.
            let outcome =
                update_viewer(&app, via, &token, json!({"bio": "fine", "image": image})).await;
            assert_eq!(outcome, Err(refused.clone()), "{via:?} {image:?}");
        }
        assert_eq!(
            app.user_row(&name).await,
            before,
            "{via:?}: refusals change nothing"
        );
        let read = app.rest("GET", "/api/user", Some(&token), None).await;
        assert_eq!(
            read.body["user"]["image"], "https://img.example/padded.png",
            "{via:?}"
        );

        for clear in [json!(""), json!(null), json!("   ")] {
            update_viewer(
                &app,
                via,
                &token,
                json!({"image": "https://img.example/b.png"}),
            )
            .await
            .unwrap();
            let user = update_viewer(&app, via, &token, json!({"image": clear})).await;
            assert_eq!(
                user.map(|user| user["image"].clone()),
                Ok(json!(null)),
                "{via:?} {clear}"
            );
        }
    }
}
