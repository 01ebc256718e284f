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
    pub amr: &'a str,
    pub user_agent: Option<&'a str>,
    pub last_used_at: Option<NaiveDateTime>,
}

/// A live session and its user.
pub struct WebSession {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
    pub amr: String,
    pub last_used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, session: &NewWebSession<'_>) -> Result<(), ApiError> {
    diesel::insert_into(web_sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

/// The session with this token hash, if it has not expired at `at` and
/// its account is active.
pub fn find_live(
    conn: &mut DbConnection,
    id_hash: &str,
    at: NaiveDateTime,
) -> Result<Option<WebSession>, ApiError> {
    type Row = (User, String, NaiveDateTime, String, Option<NaiveDateTime>);
    let found = web_sessions::table
        .inner_join(users::table)
        .filter(web_sessions::id_hash.eq(id_hash))
        .filter(web_sessions::expires_at.gt(at))
        .filter(users::deactivated_at.is_null())
        .select((
            User::as_select(),
            web_sessions::csrf_token,
            web_sessions::expires_at,
            web_sessions::amr,
            web_sessions::last_used_at,
        ))
        .first::<Row>(conn)
        .optional()?;
    Ok(found.map(
        |(user, csrf_token, expires_at, amr, last_used_at)| WebSession {
            user,
            csrf_token,
            expires_at,
            amr,
            last_used_at,
        },
    ))
}

/// Notes that the session was used at `at`.
pub fn touch(conn: &mut DbConnection, id_hash: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(web_sessions::table.find(id_hash))
        .set(web_sessions::last_used_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// A browser session as the sessions list shows it.
#[derive(Clone, Debug, Queryable)]
pub struct Listed {
    pub id_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub user_agent: Option<String>,
}

/// The user's live browser sessions.
pub fn of_user(
    conn: &mut DbConnection,
    user_id: &str,
    at: NaiveDateTime,
) -> Result<Vec<Listed>, ApiError> {
    Ok(web_sessions::table
        .filter(web_sessions::user_id.eq(user_id))
        .filter(web_sessions::expires_at.gt(at))
        .select((
            web_sessions::id_hash,
            web_sessions::created_at,
            web_sessions::last_used_at,
            web_sessions::user_agent,
        ))
        .load(conn)?)
}

/// Ends every session of the user but `keep` (a password change, MFA
/// turned on or off, a deactivation); how many ended.
pub fn delete_all_of_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: Option<&str>,
) -> Result<usize, ApiError> {
    let mut query = diesel::delete(web_sessions::table)
        .filter(web_sessions::user_id.eq(user_id))
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(web_sessions::id_hash.ne(keep));
    }
    Ok(query.execute(conn)?)
}

/// Ends one session of the user: false if it is not theirs or gone.
pub fn delete_of_user(
    conn: &mut DbConnection,
    user_id: &str,
    id_hash: &str,
) -> Result<bool, ApiError> {
    Ok(diesel::delete(
        web_sessions::table
            .filter(web_sessions::user_id.eq(user_id))
            .filter(web_sessions::id_hash.eq(id_hash)),
    )
    .execute(conn)?
        > 0)
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

/// Sets how the browser session counts as signed in.
pub fn set_amr(conn: &mut DbConnection, id_hash: &str, amr: &str) -> Result<(), ApiError> {
    diesel::update(web_sessions::table.find(id_hash))
        .set(web_sessions::amr.eq(amr))
        .execute(conn)?;
    Ok(())
}
