//! Which physicians and nurses look after which patients.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{care_team_members, patients, users};
use super::DbConnection;
use crate::domain::accounts::Role;
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

/// What removing a physician from a team did.
#[derive(Debug, PartialEq, Eq)]
pub enum Removed {
    Removed,
    /// Not on the team: nothing to do.
    NotMember,
    /// The only physician left: a patient always has someone to act on
    /// their alerts.
    LastPhysician,
}

/// Removes the member unless they are the team's last physician (nurses
/// do not count). The patient's row is locked on PostgreSQL first, so that
/// two removals of the last two physicians take turns and the second sees
/// one left (SQLite's writers take turns already).
pub fn remove(
    conn: &mut DbConnection,
    patient_id: &str,
    physician_id: &str,
    role: Role,
) -> Result<Removed, ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        patients::table
            .find(patient_id)
            .select(patients::id)
            .for_no_key_update()
            .first::<String>(pg)
            .optional()?;
    }
    if !is_member(conn, patient_id, physician_id)? {
        return Ok(Removed::NotMember);
    }
    if role == Role::Physician {
        let physicians: i64 = care_team_members::table
            .inner_join(users::table.on(users::id.eq(care_team_members::physician_id)))
            .filter(care_team_members::patient_id.eq(patient_id))
            .filter(users::role.eq(Role::Physician))
            .count()
            .get_result(conn)?;
        if physicians <= 1 {
            return Ok(Removed::LastPhysician);
        }
    }
    diesel::delete(
        care_team_members::table
            .filter(care_team_members::patient_id.eq(patient_id))
            .filter(care_team_members::physician_id.eq(physician_id)),
    )
    .execute(conn)?;
    Ok(Removed::Removed)
}

/// The patients on whose care teams the member is: (id, display name).
pub fn patients_of_member(
    conn: &mut DbConnection,
    member_id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    Ok(care_team_members::table
        .inner_join(patients::table)
        .filter(care_team_members::physician_id.eq(member_id))
        .order(patients::display_name.asc())
        .select((patients::id, patients::display_name))
        .load(conn)?)
}
