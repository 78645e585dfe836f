//! Server-sent events (`text/event-stream`) for REST clients: the live updates GraphQL
//! subscriptions deliver ([`crate::service::live`]), in the REST JSON shapes.
//!
//! - `GET /api/articles/{slug}/comments/events`: `commentAdded` (data `{"comment": …}`, as
//!   `POST …/comments` answers; `id:` is the comment's id) and `commentDeleted` (data
//!   `{"id": N}`, no `id:`, so a client's last event id stays the last comment it received). A
//!   reconnecting client's `Last-Event-ID` (which browsers' `EventSource` sends by itself) first
//!   gets the comments written after that id, read from the database; deletions missed meanwhile
//!   are not replayed.
//! - `GET /api/articles/events?tag=&author=`: `articlePublished` (data `{"article": …}`, as
//!   `GET /api/articles/{slug}` answers, viewer-relative when a token is sent), not replayed.
//!
//! A heartbeat comment line (`: keep-alive`) every [`HEARTBEAT`] keeps proxies from closing an
//! idle stream, and `X-Accel-Buffering: no` tells Nginx not to buffer it. A read that fails is
//! an `error` event with the REST error body (the stream goes on); a client that falls
//! `EVENTS_BUFFER` events behind gets an `error` event (`stream: …`) and the stream ends (it
//! reconnects, with `Last-Event-ID`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse as _, Response};
use futures_util::{Stream, StreamExt as _, stream};
use serde::Serialize;
use serde_json::json;

use super::articles::{Article, ArticleEnvelope};
use super::comments::CommentEnvelope;
use super::error::ErrorBody;
use super::extract::MaybeAuthUser;
use crate::error::AppError;
use crate::events::connections::LiveConnection;
use crate::service::comments::Comment;
use crate::service::live::{self, CommentChange, LiveError, LiveItem, PublishedFilter};
use crate::service::{articles, comments};
use crate::state::AppState;

/// How often an idle stream gets a comment line.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// How long a client waits before reconnecting after the stream broke (SSE `retry:`).
const RECONNECT_AFTER: Duration = Duration::from_secs(3);

/// `data` of a `commentDeleted` event.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeletedCommentData {
    /// The deleted comment's id.
    id: i32,
}

/// `GET /api/articles/{slug}/comments/events`
#[utoipa::path(get, path = "/api/articles/{slug}/comments/events", operation_id = "GetArticleCommentEvents", tag = "Comments",
    description = "Server-sent events (`text/event-stream`) for the article's comments, from now on: `event: commentAdded` with `id: <comment id>` and `data: {\"comment\": …}` (the shape `POST …/comments` answers), `event: commentDeleted` with `data: {\"id\": N}`. With `Last-Event-ID: <comment id>` (sent by `EventSource` when it reconnects), the comments written after that one come first. A heartbeat comment line comes every 15 s. `event: error` carries an error body; after a `stream` error (the client fell behind) the stream ends. Delivery is at-most-once; deletions are not replayed.",
    params(("slug" = String, Path), ("Last-Event-ID" = Option<i32>, Header, description = "The id of the last comment received: replay the ones after it")),
    security((), ("Token" = [])),
    responses((status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        (status = 404, description = "Unknown article", body = ErrorBody), (status = 401, description = "An invalid or expired token (a missing one is fine)", body = ErrorBody),
        (status = 503, description = "Too many live connections on this instance, or the database is unavailable", body = ErrorBody)))]
pub async fn comment_events(
    State(state): State<AppState>,
    MaybeAuthUser(viewer): MaybeAuthUser,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let connection = state.live_connections().open()?;
    let session = state.session();
    let article = articles::get_article(&session, viewer, &slug).await?;
    // Subscribe before reading the replay, so that a comment committed in between is not lost;
    // the live part then skips what the replay already sent.
    let changes = live::comment_changes(&state, viewer, article.id);
    let last_event_id = last_event_id(&headers);
    let replay = match last_event_id {
        Some(after) => comments::comments_since(&session, viewer, article.id, after).await?,
        None => Vec::new(),
    };
    drop(session);
    let seen = replay
        .last()
        .map(|comment| comment.id)
        .or(last_event_id)
        .unwrap_or(0);
    let replay = stream::iter(replay).map(added_event);
    let changes = changes
        .filter(move |change| {
            let replayed =
                matches!(change, Ok(CommentChange::Added(comment)) if comment.id <= seen);
            std::future::ready(!replayed)
        })
        .map(move |change| {
            change.map(|change| match change {
                CommentChange::Added(comment) => added_event(comment),
                CommentChange::Deleted(deleted) => {
                    json_event("commentDeleted", &DeletedCommentData { id: deleted.id })
                }
            })
        });
    Ok(event_stream(
        replay.chain(until_lagged(changes)),
        connection,
    ))
}

/// `GET /api/articles/events?tag=&author=`
#[utoipa::path(get, path = "/api/articles/events", operation_id = "GetArticleEvents", tag = "Articles",
    description = "Server-sent events (`text/event-stream`) for articles published from now on, optionally only those with the tag `tag` and/or by the user `author`: `event: articlePublished` with `data: {\"article\": …}` (the shape `GET /api/articles/{slug}` answers; `favorited` and `following` are the token's user's). A heartbeat comment line comes every 15 s. `event: error` carries an error body; after a `stream` error (the client fell behind) the stream ends. Delivery is at-most-once and nothing is replayed: after a reconnect, re-read the list.",
    params(("tag" = Option<String>, Query, description = "Only articles with this tag"),
        ("author" = Option<String>, Query, description = "Only articles by this username")),
    security((), ("Token" = [])),
    responses((status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        (status = 401, description = "An invalid or expired token (a missing one is fine)", body = ErrorBody),
        (status = 503, description = "Too many live connections on this instance", body = ErrorBody)))]
pub async fn article_events(
    State(state): State<AppState>,
    MaybeAuthUser(viewer): MaybeAuthUser,
    // Read as `GET /api/articles` reads its filters: a parameter given twice counts once (the
    // last), unknown ones are ignored, and nothing here can fail with a deserializer's message.
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let connection = state.live_connections().open()?;
    let filter = PublishedFilter {
        tag: query.get("tag").cloned(),
        author: query.get("author").cloned(),
    };
    let published = live::articles_published(&state, viewer, filter).map(|item| {
        item.map(|article| {
            json_event(
                "articlePublished",
                &ArticleEnvelope {
                    article: Article::from(article),
                },
            )
        })
    });
    Ok(event_stream(until_lagged(published), connection))
}

/// The comment's `commentAdded` event, its id the comment's.
fn added_event(comment: Comment) -> SseEvent {
    let id = comment.id.to_string();
    json_event(
        "commentAdded",
        &CommentEnvelope {
            comment: comment.into(),
        },
    )
    .id(id)
}

/// The `Last-Event-ID` header as a comment id; anything else is ignored (the stream then starts
/// from now, as for a first connection).
fn last_event_id(headers: &HeaderMap) -> Option<i32> {
    headers
        .get("last-event-id")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|id: &i32| *id >= 0)
}

/// Live items as events: a failed read is an `error` event and the stream goes on; falling behind
/// is an `error` event and the end of the stream.
fn until_lagged(
    items: impl Stream<Item = LiveItem<SseEvent>> + Send,
) -> impl Stream<Item = SseEvent> + Send {
    items.scan(false, |ended, item| {
        if *ended {
            return std::future::ready(None);
        }
        let event = match item {
            Ok(event) => event,
            Err(LiveError::Failed(error)) => error_event(json!(error.field_errors())),
            Err(LiveError::Lagged(lagged)) => {
                *ended = true;
                error_event(json!({ "stream": [lagged.to_string()] }))
            }
        };
        std::future::ready(Some(event))
    })
}

fn error_event(errors: serde_json::Value) -> SseEvent {
    json_event("error", &json!({ "errors": errors }))
}

/// The event `name` with `data` as one line of JSON. Our view types always serialize; were one
/// ever not to, the client gets an `error` event rather than a broken stream.
fn json_event(name: &'static str, data: &impl Serialize) -> SseEvent {
    let data = serde_json::to_string(data).unwrap_or_else(|error| {
        tracing::error!(%error, event = name, "an event did not serialize");
        json!({ "errors": { "event": ["could not be rendered"] } }).to_string()
    });
    SseEvent::default().event(name).data(data)
}

/// The response: how soon to reconnect, the events, heartbeats, and no buffering by Nginx. The
/// connection's slot is freed when the client goes (the stream is dropped); the stream ends when
/// the instance shuts down, and the client reconnects (to another replica) after
/// `RECONNECT_AFTER`.
fn event_stream(
    events: impl Stream<Item = SseEvent> + Send + 'static,
    connection: LiveConnection,
) -> Response {
    let reconnect = SseEvent::default().retry(RECONNECT_AFTER);
    let events = stream::once(std::future::ready(reconnect))
        .chain(events)
        .take_until(connection.closing())
        .map(move |event| {
            let _open = &connection;
            Ok::<_, Infallible>(event)
        });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("keep-alive"))
        .into_response();
    response.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}
