//! Rows as Diesel reads and writes them. These never leave the service layer: handlers and
//! resolvers see the view types of `service`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update: `None` leaves the column as it is; `Some(None)` sets it to NULL.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChangeset {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub bio: Option<Option<String>>,
    pub image: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}
