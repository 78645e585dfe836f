//! What a test reads or changes in its database directly, behind the API's back: row counts to
//! prove a refused request wrote nothing, a user's columns, an administrator's delete, and the
//! statements and pool checkouts the app made.

use conduit::on_connection;
use diesel_async::RunQueryDsl;

use super::TestApp;

impl TestApp {
    /// Rows in `users`: tests use it to prove that refused requests wrote nothing.
    pub async fn user_count(&self) -> i64 {
        use conduit::db::schema::users;
        use diesel::QueryDsl as _;
        let db = self.state.session();
        on_connection!(&db, async move |conn| {
            Ok(users::table.count().get_result::<i64>(conn).await?)
        })
        .expect("count users")
    }

    /// A user row's columns that an update could change, to prove a refused update changed nothing.
    pub async fn user_row(
        &self,
        username: &str,
    ) -> Option<(String, String, Option<String>, String)> {
        use conduit::db::schema::users;
        use diesel::{ExpressionMethods as _, OptionalExtension as _, QueryDsl as _};
        let db = self.state.session();
        let username = username.to_owned();
        on_connection!(&db, async move |conn| {
            Ok(users::table
                .filter(users::username.eq(username))
                .select((
                    users::username,
                    users::email,
                    users::bio,
                    users::password_hash,
                ))
                .first(conn)
                .await
                .optional()?)
        })
        .expect("read user")
    }

    /// SQL statements run so far by this app's connections.
    pub fn statements(&self) -> u64 {
        self.state.db().statements_run()
    }

    /// Connections checked out of this app's pool so far.
    pub fn checkouts(&self) -> u64 {
        self.state.db().checkouts_made()
    }

    /// Rows in the domain's tables, to prove that refused requests wrote nothing.
    pub async fn row_counts(&self) -> [i64; 5] {
        use conduit::db::schema::{article_tags, articles, comments, favorites, follows};
        use diesel::QueryDsl as _;
        let db = self.state.session();
        on_connection!(&db, async move |conn| {
            Ok([
                articles::table.count().get_result::<i64>(conn).await?,
                article_tags::table.count().get_result::<i64>(conn).await?,
                comments::table.count().get_result::<i64>(conn).await?,
                favorites::table.count().get_result::<i64>(conn).await?,
                follows::table.count().get_result::<i64>(conn).await?,
            ])
        })
        .expect("count rows")
    }

    /// Deletes a user row directly, as an administrator would, leaving their tokens valid JWTs.
    pub async fn delete_user(&self, username: &str) {
        use conduit::db::schema::users;
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        let db = self.state.session();
        let username = username.to_owned();
        let deleted = on_connection!(&db, async move |conn| {
            Ok(
                diesel::delete(users::table.filter(users::username.eq(username)))
                    .execute(conn)
                    .await?,
            )
        });
        assert_eq!(deleted.expect("delete user"), 1);
    }
}
