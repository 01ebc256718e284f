//! Staff two-factor sign-in: the sealed authenticator secret, the hashed
//! recovery codes, and the sign-ins waiting for their code.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{mfa_challenges, mfa_recovery_codes, mfa_totp};
use super::DbConnection;
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = mfa_totp)]
pub struct Totp {
    pub user_id: String,
    pub secret_sealed: String,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: Option<i64>,
}

pub fn totp_of(conn: &mut DbConnection, user_id: &str) -> Result<Option<Totp>, ApiError> {
    Ok(mfa_totp::table
        .find(user_id)
        .select(Totp::as_select())
        .first(conn)
        .optional()?)
}

/// Whether the user signs in with a second factor.
pub fn is_enabled(conn: &mut DbConnection, user_id: &str) -> Result<bool, ApiError> {
    Ok(totp_of(conn, user_id)?.is_some_and(|t| t.confirmed_at.is_some()))
}

/// Keeps a new pending secret, replacing a pending one (never a confirmed
/// one: the caller checks).
pub fn start(
    conn: &mut DbConnection,
    user_id: &str,
    sealed: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::delete(mfa_totp::table.find(user_id)).execute(conn)?;
    diesel::insert_into(mfa_totp::table)
        .values((
            mfa_totp::user_id.eq(user_id),
            mfa_totp::secret_sealed.eq(sealed),
            mfa_totp::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records `step` as used if it is later than any used before: false when
/// it is not (the code was used already, maybe by a concurrent sign-in).
pub fn spend_step(conn: &mut DbConnection, user_id: &str, step: i64) -> Result<bool, ApiError> {
    let spent = diesel::update(
        mfa_totp::table.find(user_id).filter(
            mfa_totp::last_step
                .is_null()
                .or(mfa_totp::last_step.lt(step)),
        ),
    )
    .set(mfa_totp::last_step.eq(step))
    .execute(conn)?;
    Ok(spent == 1)
}

pub fn confirm(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(mfa_totp::table.find(user_id))
        .set(mfa_totp::confirmed_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Turns two-factor sign-in off: the secret and the recovery codes go.
pub fn remove(conn: &mut DbConnection, user_id: &str) -> Result<bool, ApiError> {
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    Ok(diesel::delete(mfa_totp::table.find(user_id)).execute(conn)? > 0)
}

/// Replaces the user's recovery codes with these hashes.
pub fn replace_recovery_codes(
    conn: &mut DbConnection,
    user_id: &str,
    hashes: &[String],
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    for hash in hashes {
        diesel::insert_into(mfa_recovery_codes::table)
            .values((
                mfa_recovery_codes::code_hash.eq(hash),
                mfa_recovery_codes::user_id.eq(user_id),
                mfa_recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Spends one of the user's unused recovery codes: false if it is none.
pub fn spend_recovery_code(
    conn: &mut DbConnection,
    user_id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let spent = diesel::update(
        mfa_recovery_codes::table
            .find(hash)
            .filter(mfa_recovery_codes::user_id.eq(user_id))
            .filter(mfa_recovery_codes::used_at.is_null()),
    )
    .set(mfa_recovery_codes::used_at.eq(now))
    .execute(conn)?;
    Ok(spent == 1)
}

/// Whether the code was one of the user's, already spent.
pub fn recovery_code_spent(
    conn: &mut DbConnection,
    user_id: &str,
    hash: &str,
) -> Result<bool, ApiError> {
    let spent: i64 = mfa_recovery_codes::table
        .find(hash)
        .filter(mfa_recovery_codes::user_id.eq(user_id))
        .filter(mfa_recovery_codes::used_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(spent > 0)
}

pub fn insert_challenge(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(mfa_challenges::table)
        .values((
            mfa_challenges::token_hash.eq(token_hash),
            mfa_challenges::user_id.eq(user_id),
            mfa_challenges::created_at.eq(now),
            mfa_challenges::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    // Expired ones are of no use to anyone.
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::expires_at.lt(now)))
        .execute(conn)?;
    Ok(())
}

/// The user of a usable challenge: unexpired, unused, and with fewer than
/// `max_failures` wrong codes.
pub fn challenge_user(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
    max_failures: i32,
) -> Result<Option<String>, ApiError> {
    Ok(mfa_challenges::table
        .find(token_hash)
        .filter(mfa_challenges::used_at.is_null())
        .filter(mfa_challenges::expires_at.gt(now))
        .filter(mfa_challenges::failures.lt(max_failures))
        .select(mfa_challenges::user_id)
        .first(conn)
        .optional()?)
}

pub fn challenge_failed(conn: &mut DbConnection, token_hash: &str) -> Result<(), ApiError> {
    diesel::update(mfa_challenges::table.find(token_hash))
        .set(mfa_challenges::failures.eq(mfa_challenges::failures + 1))
        .execute(conn)?;
    Ok(())
}

/// Spends the challenge: false if another request spent it first.
pub fn spend_challenge(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let spent = diesel::update(
        mfa_challenges::table
            .find(token_hash)
            .filter(mfa_challenges::used_at.is_null()),
    )
    .set(mfa_challenges::used_at.eq(now))
    .execute(conn)?;
    Ok(spent == 1)
}
