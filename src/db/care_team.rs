//! Which physicians look after which patients.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::care_team_members;
use super::DbConnection;
use crate::error::ApiError;

pub fn is_member(
    conn: &mut DbConnection,
    patient_id: &str,
    physician_id: &str,
) -> Result<bool, ApiError> {
    let count: i64 = care_team_members::table
        .filter(care_team_members::patient_id.eq(patient_id))
        .filter(care_team_members::physician_id.eq(physician_id))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Adds the physician to the team; adding a member again changes nothing.
pub fn add(
    conn: &mut DbConnection,
    patient_id: &str,
    physician_id: &str,
    added_by: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    if is_member(conn, patient_id, physician_id)? {
        return Ok(());
    }
    let inserted = diesel::insert_into(care_team_members::table)
        .values((
            care_team_members::patient_id.eq(patient_id),
            care_team_members::physician_id.eq(physician_id),
            care_team_members::added_by.eq(added_by),
            care_team_members::added_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        // Added concurrently by someone else: the outcome is the same.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

pub fn remove(
    conn: &mut DbConnection,
    patient_id: &str,
    physician_id: &str,
) -> Result<(), ApiError> {
    diesel::delete(
        care_team_members::table
            .filter(care_team_members::patient_id.eq(patient_id))
            .filter(care_team_members::physician_id.eq(physician_id)),
    )
    .execute(conn)?;
    Ok(())
}
