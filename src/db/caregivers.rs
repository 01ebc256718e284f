//! Caregivers: the family members a patient lets report for them, and the
//! single-use codes that invite them (only a hash of each is stored).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{caregiver_invites, caregivers, users};
use super::DbConnection;
use crate::error::ApiError;

#[derive(Insertable)]
#[diesel(table_name = caregiver_invites)]
pub struct NewInvite<'a> {
    pub id: &'a str,
    pub patient_id: &'a str,
    pub relationship: &'a str,
    pub code_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_invite(conn: &mut DbConnection, invite: &NewInvite<'_>) -> Result<(), ApiError> {
    diesel::insert_into(caregiver_invites::table)
        .values(invite)
        .execute(conn)?;
    Ok(())
}

/// The (id, patient, relationship) of the usable invite with this code.
fn find_usable(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(String, String, String)>, ApiError> {
    Ok(caregiver_invites::table
        .filter(caregiver_invites::code_hash.eq(code_hash))
        .filter(caregiver_invites::used_at.is_null())
        .filter(caregiver_invites::expires_at.gt(now))
        .select((
            caregiver_invites::id,
            caregiver_invites::patient_id,
            caregiver_invites::relationship,
        ))
        .first(conn)
        .optional()?)
}

/// Whether the code is a usable caregiver invite now (nothing is spent).
pub fn redeemable(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    Ok(find_usable(conn, code_hash, now)?.is_some())
}

/// Spends a usable invite: its (patient, relationship), or `None` when the
/// code is unknown, used or expired. Safe against two concurrent uses.
pub fn redeem(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(String, String)>, ApiError> {
    let Some((id, patient_id, relationship)) = find_usable(conn, code_hash, now)? else {
        return Ok(None);
    };
    let spent = diesel::update(
        caregiver_invites::table
            .filter(caregiver_invites::id.eq(&id))
            .filter(caregiver_invites::used_at.is_null()),
    )
    .set(caregiver_invites::used_at.eq(now))
    .execute(conn)?;
    Ok((spent == 1).then_some((patient_id, relationship)))
}

pub fn link(
    conn: &mut DbConnection,
    patient_id: &str,
    user_id: &str,
    relationship: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(caregivers::table)
        .values((
            caregivers::patient_id.eq(patient_id),
            caregivers::user_id.eq(user_id),
            caregivers::relationship.eq(relationship),
            caregivers::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the user is a caregiver of the patient whose link stands.
pub fn is_caregiver(
    conn: &mut DbConnection,
    patient_id: &str,
    user_id: &str,
) -> Result<bool, ApiError> {
    let count: i64 = caregivers::table
        .filter(caregivers::patient_id.eq(patient_id))
        .filter(caregivers::user_id.eq(user_id))
        .filter(caregivers::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// The patients the user is a caregiver of now.
pub fn patients_of(conn: &mut DbConnection, user_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(caregivers::table
        .filter(caregivers::user_id.eq(user_id))
        .filter(caregivers::revoked_at.is_null())
        .order(caregivers::created_at.asc())
        .select(caregivers::patient_id)
        .load(conn)?)
}

/// A caregiver of a patient, as the patient's list shows them.
#[derive(Clone, Debug, Queryable)]
pub struct Caregiver {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
    pub relationship: String,
    pub created_at: NaiveDateTime,
}

/// The patient's caregivers whose link stands, oldest first, after the
/// cursor's (created_at, user_id).
pub fn list(
    conn: &mut DbConnection,
    patient_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Caregiver>, ApiError> {
    let mut query = caregivers::table
        .inner_join(users::table)
        .filter(caregivers::patient_id.eq(patient_id))
        .filter(caregivers::revoked_at.is_null())
        .select((
            caregivers::user_id,
            users::display_name,
            users::email,
            caregivers::relationship,
            caregivers::created_at,
        ))
        .order((caregivers::created_at.asc(), caregivers::user_id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            caregivers::created_at.gt(at).or(caregivers::created_at
                .eq(at)
                .and(caregivers::user_id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Ends the link; whether there was one standing.
pub fn revoke(
    conn: &mut DbConnection,
    patient_id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let revoked = diesel::update(
        caregivers::table
            .filter(caregivers::patient_id.eq(patient_id))
            .filter(caregivers::user_id.eq(user_id))
            .filter(caregivers::revoked_at.is_null()),
    )
    .set(caregivers::revoked_at.eq(now))
    .execute(conn)?;
    Ok(revoked > 0)
}

/// A caregiver ever linked to a patient, revoked or not.
#[derive(Clone, Debug, Queryable)]
pub struct Linked {
    pub user_id: String,
    pub display_name: String,
    pub relationship: String,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Every caregiver ever linked to the patient, for the FHIR export.
pub fn all_of_patient(conn: &mut DbConnection, patient_id: &str) -> Result<Vec<Linked>, ApiError> {
    Ok(caregivers::table
        .inner_join(users::table)
        .filter(caregivers::patient_id.eq(patient_id))
        .order((caregivers::created_at.asc(), caregivers::user_id.asc()))
        .select((
            caregivers::user_id,
            users::display_name,
            caregivers::relationship,
            caregivers::revoked_at,
        ))
        .load(conn)?)
}
