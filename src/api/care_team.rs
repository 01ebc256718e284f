//! Adding and removing physicians on a patient's care team. Admins and the
//! team's own physicians manage it; the last physician stays.

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

/// Whether the caller may change this patient's team, and the physician is
/// one: patients may not (their own team is not theirs to change), staff
/// who cannot see the patient, or a member who is no physician, get 404.
fn may_manage(
    conn: &mut DbConnection,
    user: &AuthUser,
    patient_id: &str,
    physician_id: &str,
) -> Result<(), ApiError> {
    if user.role == Role::Patient {
        return Err(ApiError::NotFound);
    }
    access::patient_for(conn, user, patient_id)?;
    if !users::is_physician(conn, physician_id)? {
        return Err(ApiError::NotFound);
    }
    Ok(())
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
            may_manage(conn, &user, &patient_id, &physician_id)?;
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
            may_manage(conn, &user, &patient_id, &physician_id)?;
            match care_team::remove(conn, &patient_id, &physician_id)? {
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
