//! Dashboard sessions: one row per signed-in browser, found by the hash of
//! its cookie's token.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{users, web_sessions};
use super::users::User;
use super::DbConnection;
use crate::error::ApiError;

#[derive(Insertable)]
#[diesel(table_name = web_sessions)]
pub struct NewWebSession<'a> {
    pub id_hash: &'a str,
    pub user_id: &'a str,
    pub csrf_token: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A live session and its user.
pub struct WebSession {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, session: &NewWebSession<'_>) -> Result<(), ApiError> {
    diesel::insert_into(web_sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

/// The session with this token hash, if it has not expired at `at`.
pub fn find_live(
    conn: &mut DbConnection,
    id_hash: &str,
    at: NaiveDateTime,
) -> Result<Option<WebSession>, ApiError> {
    let found = web_sessions::table
        .inner_join(users::table)
        .filter(web_sessions::id_hash.eq(id_hash))
        .filter(web_sessions::expires_at.gt(at))
        .select((
            User::as_select(),
            web_sessions::csrf_token,
            web_sessions::expires_at,
        ))
        .first::<(User, String, NaiveDateTime)>(conn)
        .optional()?;
    Ok(found.map(|(user, csrf_token, expires_at)| WebSession {
        user,
        csrf_token,
        expires_at,
    }))
}

/// Ends the session (sign-out); ends also the expired ones.
pub fn delete(conn: &mut DbConnection, id_hash: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::delete(
        web_sessions::table.filter(
            web_sessions::id_hash
                .eq(id_hash)
                .or(web_sessions::expires_at.le(at)),
        ),
    )
    .execute(conn)?;
    Ok(())
}
