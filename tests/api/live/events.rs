//! The event service's contract, observed from a subscriber of the app's hub: an event per
//! committed write, none for a refused or rolled-back one, through both interfaces.

use std::time::Duration;

use conduit::db::Backend;
use conduit::events::{Event, Subscriber};
use conduit::on_connection;
use diesel_async::SimpleAsyncConnection as _;
use serde_json::json;

use crate::harness::TestApp;

/// The next event, or `None` if none comes within a moment.
async fn next_event(subscriber: &mut Subscriber) -> Option<Event> {
    let event = tokio::time::timeout(Duration::from_millis(500), subscriber.next()).await;
    Some((*event.ok()??.expect("the test keeps up")).clone())
}

/// Makes every insert into `article_tags` fail, so that creating an article with tags fails
/// after its row was inserted, inside the transaction.
async fn refuse_tag_links(app: &TestApp) {
    let sql = match app.state.db().backend() {
        Backend::Sqlite => {
            "CREATE TRIGGER refuse_tag_links BEFORE INSERT ON article_tags
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION refuse_tag_links() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
             CREATE TRIGGER refuse_tag_links BEFORE INSERT ON article_tags
               FOR EACH ROW EXECUTE FUNCTION refuse_tag_links();"
        }
        Backend::Mysql => {
            "CREATE TRIGGER refuse_tag_links BEFORE INSERT ON article_tags FOR EACH ROW
             SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test';"
        }
    };
    let db = app.state.session();
    on_connection!(&db, async move |conn| {
        conn.batch_execute(sql).await?;
        Ok(())
    })
    .expect("create the trigger");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rolled_back_write_announces_nothing_and_a_committed_one_does() {
    let app = TestApp::spawn().await;
    let token = app.register("alice").await;
    let mut subscriber = app.state.events().subscribe();
    refuse_tag_links(&app).await;

    let before = app.row_counts().await;
    let article = json!({ "article": {
        "title": "Doomed", "description": "d", "body": "b", "tagList": ["x"] } });
    let response = app
        .rest("POST", "/api/articles", Some(&token), Some(article))
        .await;
    assert_eq!(response.status, 500, "{:?}", response.body);
    // The article row was inserted, then rolled back with the transaction.
    assert_eq!(app.row_counts().await, before);
    // Refused before any write: a validation error.
    let response = app
        .rest(
            "POST",
            "/api/articles",
            Some(&token),
            Some(json!({ "article": { "title": "" } })),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(next_event(&mut subscriber).await, None);

    let created = app.create_article(&token, "Kept", &[]).await;
    let Some(Event::ArticlePublished { author, tags, .. }) = next_event(&mut subscriber).await
    else {
        panic!("expected articlePublished");
    };
    assert_eq!((author.as_str(), tags.len()), ("alice", 0));
    let slug = created["slug"].as_str().unwrap();

    // Through GraphQL: the same service function, the same event.
    let added = app
        .graphql(
            "mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id } } }",
            json!({ "input": { "slug": slug, "body": "hi" } }),
            Some(&token),
        )
        .await;
    let comment_id = added["data"]["addComment"]["comment"]["id"]
        .as_i64()
        .unwrap();
    let Some(Event::CommentAdded { comment_id: id, .. }) = next_event(&mut subscriber).await else {
        panic!("expected commentAdded");
    };
    assert_eq!(i64::from(id), comment_id);

    // Someone else's delete is refused (403): nothing announced.
    let bob = app.register("bob").await;
    let path = format!("/api/articles/{slug}/comments/{comment_id}");
    let response = app.rest("DELETE", &path, Some(&bob), None).await;
    assert_eq!(response.status, 403);
    assert_eq!(next_event(&mut subscriber).await, None);
}
