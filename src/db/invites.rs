//! Single-use invite codes that let a patient create their account.
//! Only a hash of each code is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::invites;
use super::DbConnection;
use crate::error::ApiError;

#[derive(Insertable)]
#[diesel(table_name = invites)]
pub struct NewInvite<'a> {
    pub id: &'a str,
    pub patient_id: &'a str,
    pub code_hash: &'a str,
    pub created_by: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Voids every open invite of the patient and inserts the new one.
pub fn replace(conn: &mut DbConnection, invite: &NewInvite<'_>) -> Result<(), ApiError> {
    diesel::update(
        invites::table
            .filter(invites::patient_id.eq(invite.patient_id))
            .filter(invites::used_at.is_null())
            .filter(invites::voided_at.is_null()),
    )
    .set(invites::voided_at.eq(invite.created_at))
    .execute(conn)?;
    diesel::insert_into(invites::table)
        .values(invite)
        .execute(conn)?;
    Ok(())
}

/// The id and patient of the usable invite with this code, if any.
fn find_usable(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(String, String)>, ApiError> {
    Ok(invites::table
        .filter(invites::code_hash.eq(code_hash))
        .filter(invites::used_at.is_null())
        .filter(invites::voided_at.is_null())
        .filter(invites::expires_at.gt(now))
        .select((invites::id, invites::patient_id))
        .first(conn)
        .optional()?)
}

/// Whether the code is a usable invite now (nothing is spent).
pub fn redeemable(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    Ok(find_usable(conn, code_hash, now)?.is_some())
}

/// Spends a usable invite and returns its patient id; `None` when the code
/// is unknown, used, void or expired. Safe against two concurrent uses.
pub fn redeem(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<String>, ApiError> {
    let Some((id, patient_id)) = find_usable(conn, code_hash, now)? else {
        return Ok(None);
    };
    let spent = diesel::update(
        invites::table
            .filter(invites::id.eq(&id))
            .filter(invites::used_at.is_null()),
    )
    .set(invites::used_at.eq(now))
    .execute(conn)?;
    Ok((spent == 1).then_some(patient_id))
}
