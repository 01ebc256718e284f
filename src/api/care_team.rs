//! Adding and removing physicians on a patient's care team. Admins and the
//! team's own physicians manage it; the last physician stays.

use actix_web::{web, HttpResponse};

use crate::auth::audit::{self, Action};
use crate::auth::{access, AuthUser};
use crate::clock::now;
use crate::db::{care_team, users};
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(serde::Deserialize)]
pub struct MemberPath {
    patient_id: uuid::Uuid,
    physician_id: uuid::Uuid,
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
            if user.role == Role::Patient {
                return Err(ApiError::NotFound);
            }
            access::patient_for(conn, &user, &patient_id)?;
            if !users::is_physician(conn, &physician_id)? {
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
            if user.role == Role::Patient {
                return Err(ApiError::NotFound);
            }
            access::patient_for(conn, &user, &patient_id)?;
            if !users::is_physician(conn, &physician_id)? {
                return Err(ApiError::NotFound);
            }
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
