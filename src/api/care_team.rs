//! Adding and removing physicians and nurses on a patient's care team.
//! Admins and the team's own physicians manage it; the last physician
//! stays.

use actix_web::{web, HttpResponse};

use crate::auth::audit::{self, Action};
use crate::auth::{access, AuthUser};
use crate::clock::now;
use crate::db::{care_team, users, DbConnection};
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(serde::Deserialize)]
pub struct MemberPath {
    patient_id: uuid::Uuid,
    physician_id: uuid::Uuid,
}

/// Whether the caller may change this patient's team, and the member is
/// care-team staff (a physician or a nurse), whose account it answers.
/// Patients and caregivers may not (their own team is not theirs to
/// change), nor staff who cannot see the patient, and a member who is no
/// such staff is unknown: 404. Nurses see the patient but do not choose
/// its team: 403.
fn may_manage(
    conn: &mut DbConnection,
    user: &AuthUser,
    patient_id: &str,
    member_id: &str,
) -> Result<users::User, ApiError> {
    if matches!(user.role, Role::Patient | Role::Caregiver) {
        return Err(ApiError::NotFound);
    }
    access::patient_for(conn, user, patient_id)?;
    user.require(&[Role::Physician, Role::Admin])?;
    users::care_team_staff(conn, member_id)?.ok_or(ApiError::NotFound)
}

#[tracing::instrument(skip_all, fields(patient_id = %path.patient_id))]
pub async fn add(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<MemberPath>,
) -> Result<HttpResponse, ApiError> {
    let (patient_id, physician_id) = (path.patient_id.to_string(), path.physician_id.to_string());
    state
        .db
        .transaction(move |conn| {
            let member = may_manage(conn, &user, &patient_id, &physician_id)?;
            // A deactivated account joins no team; it may still be removed.
            if member.deactivated_at.is_some() {
                return Err(ApiError::NotFound);
            }
            care_team::add(
                conn,
                &patient_id,
                &physician_id,
                Some(&user.id),
                now().naive_utc(),
            )?;
            audit::record(
                conn,
                &user,
                Action::Create,
                &[(&patient_id, "care_team_member", &physician_id)],
                now(),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(skip_all, fields(patient_id = %path.patient_id))]
pub async fn remove(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<MemberPath>,
) -> Result<HttpResponse, ApiError> {
    let (patient_id, physician_id) = (path.patient_id.to_string(), path.physician_id.to_string());
    state
        .db
        .transaction(move |conn| {
            let member = may_manage(conn, &user, &patient_id, &physician_id)?;
            match care_team::remove(conn, &patient_id, &physician_id, member.role)? {
                care_team::Removed::Removed => {}
                care_team::Removed::NotMember => return Ok(()),
                care_team::Removed::LastPhysician => return Err(ApiError::LastPhysician),
            }
            audit::record(
                conn,
                &user,
                Action::Delete,
                &[(&patient_id, "care_team_member", &physician_id)],
                now(),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
