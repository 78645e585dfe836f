//! `conduit check`, the real binary on the test's database: no drift after writes through the
//! API; drift made by direct SQL (as an administrator's edit would) is found, reported per counter
//! with exit code 1, and `--repair` sets the counters back to the recount.

use std::process::{Command, Output};

use conduit::db::schema::{article_tags, articles, tags, users};
use conduit::on_connection;
use diesel::{ExpressionMethods as _, QueryDsl as _};
use diesel_async::RunQueryDsl as _;
use serde_json::json;

use crate::harness::binary::conduit_binary;
use crate::harness::{SECRET, TestApp};
use crate::operations::races::assert_counters_match_rows;

fn conduit_check(app: &TestApp, repair: bool) -> (bool, String) {
    let mut command = Command::new(conduit_binary());
    command
        .arg("check")
        .env("DATABASE_URL", app.database_url())
        .env("JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn");
    if repair {
        command.arg("--repair");
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run conduit check");
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    if !status.success() {
        assert!(
            String::from_utf8_lossy(&stderr).contains("counter row(s) drifted"),
            "{}",
            String::from_utf8_lossy(&stderr)
        );
    }
    (status.success(), stdout)
}

#[tokio::test(flavor = "multi_thread")]
async fn check_finds_drift_made_outside_the_service_and_repair_fixes_it() {
    let app = TestApp::spawn().await;
    let ann = app.register("ann").await;
    let ben = app.register("ben").await;
    app.create_article(&ann, "First", &["rust", "sql"]).await;
    app.create_article(&ann, "Second", &["rust"]).await;
    app.create_article(&ben, "Third", &["sql"]).await;
    for slug in ["first", "third"] {
        app.rest(
            "POST",
            &format!("/api/articles/{slug}/favorite"),
            Some(&ben),
            None,
        )
        .await;
    }
    app.rest("POST", "/api/profiles/ann/follow", Some(&ben), None)
        .await;

    let (exact, report) = conduit_check(&app, false);
    assert!(exact, "{report}");
    assert_eq!(report.matches(": exact").count(), 6, "{report}");

    // Drift: counters edited by hand, and a user deleted by hand (their article, tag link and
    // favorite go with them by cascade, past the service's counters).
    let db = app.state.session();
    on_connection!(&db, async move |conn| {
        diesel::update(articles::table.filter(articles::slug.eq("third")))
            .set(articles::favorites_count.eq(7))
            .execute(conn)
            .await?;
        diesel::update(tags::table.filter(tags::name.eq("rust")))
            .set(tags::articles_count.eq(0))
            .execute(conn)
            .await?;
        diesel::update(users::table.filter(users::username.eq("ann")))
            .set(users::favorites_count.eq(3))
            .execute(conn)
            .await?;
        let second = articles::table
            .filter(articles::slug.eq("second"))
            .select(articles::id)
            .first::<i32>(conn)
            .await?;
        diesel::update(article_tags::table.filter(article_tags::article_id.eq(second)))
            .set(
                article_tags::article_created_at.eq(chrono::NaiveDate::from_ymd_opt(2001, 1, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap()),
            )
            .execute(conn)
            .await?;
        Ok(())
    })
    .expect("edit counters");
    app.delete_user("ben").await;
    let tags_now = app.rest("GET", "/api/tags", None, None).await;
    assert_eq!(tags_now.body["tags"], json!(["sql"]), "the hand edit shows");

    let (exact, report) = conduit_check(&app, false);
    assert!(!exact, "{report}");
    for line in [
        "site_counters.articles_count: 1 row(s) drifted",
        "users.articles_count: exact",
        "users.favorites_count: 1 row(s) drifted",
        "articles.favorites_count: 1 row(s) drifted",
        "tags.articles_count: 2 row(s) drifted",
        "article_tags.article_created_at: 1 row(s) drifted",
    ] {
        assert!(report.contains(line), "{line} in:\n{report}");
    }
    let (unchanged, _) = conduit_check(&app, false);
    assert!(!unchanged, "a check without --repair changes nothing");

    let (repaired, report) = conduit_check(&app, true);
    assert!(repaired, "{report}");
    assert!(
        report.contains("tags.articles_count: 2 row(s) drifted, repaired"),
        "{report}"
    );
    let (exact, report) = conduit_check(&app, false);
    assert!(exact, "{report}");

    let list = app.rest("GET", "/api/articles", None, None).await;
    assert_eq!(list.body["articlesCount"], 2);
    let first = app.rest("GET", "/api/articles/first", None, None).await;
    assert_eq!(first.body["article"]["favoritesCount"], 0);
    let tags_now = app.rest("GET", "/api/tags", None, None).await;
    assert_eq!(tags_now.body["tags"], json!(["rust", "sql"]));
    assert_counters_match_rows(&app, &[("ann".to_owned(), ann)]).await;
}
