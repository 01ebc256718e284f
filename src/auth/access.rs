//! May this caller see this patient? Admins see all, patients themselves,
//! physicians the patients on whose care team they are. Everything else is
//! answered as if the patient did not exist.

use crate::db::{care_team, patients, treatments, DbConnection};
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
        Role::Physician => care_team::is_member(conn, patient_id, &user.id)?,
    })
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
