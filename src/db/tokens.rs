//! Refresh tokens: stored as hashes, grouped in families (one per login),
//! each spent on use.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::refresh_tokens;
use super::DbConnection;
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: String,
    pub user_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub spent_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub amr: String,
    pub user_agent: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub family_id: &'a str,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub amr: &'a str,
    pub user_agent: Option<&'a str>,
}

pub fn insert(conn: &mut DbConnection, token: &NewRefreshToken<'_>) -> Result<(), ApiError> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> Result<Option<RefreshToken>, ApiError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the token spent; false when it was spent or revoked meanwhile.
pub fn spend(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<bool, ApiError> {
    let updated = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::spent_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::spent_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Whether the session (refresh-token family) was ended: by logout, or
/// because a spent token was presented again. One probe of the family index.
pub fn session_revoked(conn: &mut DbConnection, family_id: &str) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_not_null()),
    ))
    .get_result(conn)?)
}

pub fn revoke_family(
    conn: &mut DbConnection,
    family_id: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// A session (refresh-token family) as the sessions list shows it.
#[derive(Clone, Debug, Queryable)]
pub struct Family {
    pub family_id: String,
    pub created_at: NaiveDateTime,
    /// When its newest token was issued (the sign-in or the last refresh).
    pub last_used_at: NaiveDateTime,
    pub user_agent: Option<String>,
}

/// The user's sessions that are neither revoked nor past their last
/// token's expiry.
pub fn families_of(
    conn: &mut DbConnection,
    user_id: &str,
    at: NaiveDateTime,
) -> Result<Vec<Family>, ApiError> {
    use diesel::dsl::{max, min};
    // (family, first issued, last issued, last expiry, a user agent, the
    // revocation): one grouped read; every token of a family shares its
    // client and is revoked with it.
    type Row = (
        String,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
        Option<String>,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user_id))
        .group_by(refresh_tokens::family_id)
        .select((
            refresh_tokens::family_id,
            min(refresh_tokens::created_at),
            max(refresh_tokens::created_at),
            max(refresh_tokens::expires_at),
            max(refresh_tokens::user_agent),
            max(refresh_tokens::revoked_at),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(family_id, first, last, expires, user_agent, revoked)| {
            let live = revoked.is_none() && expires.is_some_and(|expires| expires > at);
            Some(Family {
                family_id,
                created_at: first?,
                last_used_at: last?,
                user_agent,
            })
            .filter(|_| live)
        })
        .collect())
}

/// Whether the family is the user's.
pub fn family_of_user(
    conn: &mut DbConnection,
    user_id: &str,
    family_id: &str,
) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::user_id.eq(user_id)),
    ))
    .get_result(conn)?)
}

/// Revokes every live session of the user but `keep`; the families ended.
pub fn revoke_all_of_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: Option<&str>,
    now: NaiveDateTime,
) -> Result<Vec<String>, ApiError> {
    let mut live = refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .select(refresh_tokens::family_id)
        .distinct()
        .into_boxed();
    if let Some(keep) = keep {
        live = live.filter(refresh_tokens::family_id.ne(keep));
    }
    let families: Vec<String> = live.load(conn)?;
    for family in &families {
        revoke_family(conn, family, now)?;
    }
    Ok(families)
}

/// How the family was signed in (its first token's `amr`).
pub fn amr_of_family(conn: &mut DbConnection, family_id: &str) -> Result<String, ApiError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family_id))
        .select(refresh_tokens::amr)
        .first(conn)
        .optional()?
        .unwrap_or_else(|| "pwd".to_owned()))
}

/// Sets how the family counts as signed in, for its next refreshes.
pub fn set_family_amr(conn: &mut DbConnection, family_id: &str, amr: &str) -> Result<(), ApiError> {
    diesel::update(refresh_tokens::table.filter(refresh_tokens::family_id.eq(family_id)))
        .set(refresh_tokens::amr.eq(amr))
        .execute(conn)?;
    Ok(())
}
