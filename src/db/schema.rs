//! Diesel's view of the tables created by `migrations/{sqlite,postgres,mysql}`. The column types
//! are the ones all three backends share, so every query is written once.

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        email -> Text,
        password_hash -> Text,
        bio -> Nullable<Text>,
        image -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Articles this user wrote (see `service::counters`).
        articles_count -> Integer,
        /// Articles this user favorited.
        favorites_count -> Integer,
    }
}

diesel::table! {
    follows (follower_id, followee_id) {
        follower_id -> Integer,
        followee_id -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> Integer,
        slug -> Text,
        title -> Text,
        description -> Text,
        body -> Text,
        author_id -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        /// Users who favorited this article.
        favorites_count -> Integer,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        name -> Text,
        /// Articles with this tag; tags at 0 are not listed.
        articles_count -> Integer,
    }
}

diesel::table! {
    /// One row (`id` 1): site-wide counters.
    site_counters (id) {
        id -> Integer,
        /// All articles.
        articles_count -> Integer,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> Integer,
        tag_id -> Integer,
        /// A copy of the article's `created_at` (which never changes), so that a tag's articles
        /// are paged newest first from the index `(tag_id, article_created_at, article_id)`.
        article_created_at -> Timestamp,
    }
}

diesel::table! {
    favorites (user_id, article_id) {
        user_id -> Integer,
        article_id -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comments (id) {
        id -> Integer,
        article_id -> Integer,
        author_id -> Integer,
        body -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Stored images (see `service::uploads`); `object_key` names the object in the store.
    uploads (id) {
        id -> Integer,
        object_key -> Text,
        owner_id -> Integer,
        content_type -> Text,
        /// Bytes.
        size_bytes -> Integer,
        /// Pixels, as the image header states them.
        width -> Integer,
        height -> Integer,
        created_at -> Timestamp,
    }
}

diesel::joinable!(uploads -> users (owner_id));
diesel::joinable!(articles -> users (author_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(favorites -> articles (article_id));
diesel::joinable!(favorites -> users (user_id));
diesel::joinable!(comments -> articles (article_id));
diesel::joinable!(comments -> users (author_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    follows,
    articles,
    tags,
    article_tags,
    favorites,
    comments,
    site_counters,
    uploads,
);
