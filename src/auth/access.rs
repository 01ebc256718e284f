//! May this caller see this patient? Admins see all, patients themselves,
//! physicians and nurses the patients on whose care team they are.
//! Caregivers see no record: they report for their patient, and read the
//! schedule and the photos they took, through `may_report_for`. Everything
//! else is answered as if the patient did not exist.

use crate::db::{care_team, caregivers, patients, treatments, DbConnection};
use crate::domain::accounts::Role;
use crate::error::ApiError;

use super::AuthUser;

pub fn can_see_patient(
    conn: &mut DbConnection,
    user: &AuthUser,
    patient_id: &str,
) -> Result<bool, ApiError> {
    Ok(match user.role {
        Role::Admin => true,
        Role::Patient => user.patient_id.as_deref() == Some(patient_id),
        Role::Physician | Role::Nurse => care_team::is_member(conn, patient_id, &user.id)?,
        Role::Caregiver => false,
    })
}

/// Whether the caller may record check-ins and photos for the patient:
/// the patient, a caregiver whose link stands (read on every request, so
/// that a revocation counts at once), or care-team staff.
pub fn may_report_for(
    conn: &mut DbConnection,
    user: &AuthUser,
    patient_id: &str,
) -> Result<bool, ApiError> {
    match user.role {
        Role::Caregiver => caregivers::is_caregiver(conn, patient_id, &user.id),
        Role::Admin => Ok(false),
        _ => can_see_patient(conn, user, patient_id),
    }
}

/// Loads the patient if the caller may see it, else `NotFound`.
pub fn patient_for(
    conn: &mut DbConnection,
    user: &AuthUser,
    patient_id: &str,
) -> Result<patients::Patient, ApiError> {
    if !can_see_patient(conn, user, patient_id)? {
        return Err(ApiError::NotFound);
    }
    patients::find(conn, patient_id)?.ok_or(ApiError::NotFound)
}

/// Loads the treatment and its patient if the caller may see the patient,
/// else `NotFound`.
pub fn treatment_for(
    conn: &mut DbConnection,
    user: &AuthUser,
    treatment_id: &str,
) -> Result<(treatments::Treatment, patients::Patient), ApiError> {
    let treatment = treatments::find(conn, treatment_id)?.ok_or(ApiError::NotFound)?;
    let patient = patient_for(conn, user, &treatment.patient_id)?;
    Ok((treatment, patient))
}

/// Loads the treatment and its patient if the caller may report for the
/// patient (`may_report_for`), else `NotFound`.
pub fn treatment_to_report(
    conn: &mut DbConnection,
    user: &AuthUser,
    treatment_id: &str,
) -> Result<(treatments::Treatment, patients::Patient), ApiError> {
    let treatment = treatments::find(conn, treatment_id)?.ok_or(ApiError::NotFound)?;
    if !may_report_for(conn, user, &treatment.patient_id)? {
        return Err(ApiError::NotFound);
    }
    let patient = patients::find(conn, &treatment.patient_id)?.ok_or(ApiError::NotFound)?;
    Ok((treatment, patient))
}
