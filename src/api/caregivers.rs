//! A patient's caregivers: family members the patient invites to report
//! for them (`/v1/me/caregivers`). The link is read on every request of
//! the caregiver, so a revocation counts at once.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::paging::{Page, PageQuery};
use super::views::InviteView;
use super::Body;
use crate::auth::audit::{self, Action};
use crate::auth::{secrets, AuthUser};
use crate::clock::{now, utc};
use crate::db::caregivers;
use crate::domain::accounts::Role;
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

/// The length a relationship ("mother", "娘") may have, in characters.
pub const RELATIONSHIP_MAX_CHARS: usize = 50;

#[derive(Deserialize)]
pub struct InviteCaregiver {
    relationship: String,
}

#[derive(Serialize)]
pub struct CaregiverInvite {
    invite: InviteView,
}

#[derive(Serialize)]
pub struct CaregiverView {
    user_id: String,
    display_name: String,
    email: String,
    relationship: String,
    created_at: DateTime<Utc>,
}

impl From<caregivers::Caregiver> for CaregiverView {
    fn from(row: caregivers::Caregiver) -> Self {
        Self {
            user_id: row.user_id,
            display_name: row.display_name,
            email: row.email,
            relationship: row.relationship,
            created_at: utc(row.created_at),
        }
    }
}

/// Trims a relationship and checks it is 1..=50 printable characters.
pub fn normalize_relationship(raw: &str) -> Result<String, String> {
    let relationship = raw.trim();
    let chars = relationship.chars().count();
    if chars == 0 || chars > RELATIONSHIP_MAX_CHARS {
        return Err(format!("must be 1 to {RELATIONSHIP_MAX_CHARS} characters"));
    }
    if relationship.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(relationship.to_owned())
}

/// The calling patient's own record (403 for anyone else).
fn own_patient(user: &AuthUser) -> Result<String, ApiError> {
    user.require(&[Role::Patient])?;
    user.patient_id.clone().ok_or(ApiError::Forbidden)
}

#[tracing::instrument(skip_all)]
pub async fn invite(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<InviteCaregiver>,
) -> Result<HttpResponse, ApiError> {
    let invite = issue_invite(&state, user, &body.relationship).await?;
    Ok(HttpResponse::Created().json(CaregiverInvite { invite }))
}

/// A new caregiver invite of the calling patient; the code is shown only in
/// this answer (stored as a hash). Shared with the patient app.
pub async fn issue_invite(
    state: &AppState,
    user: AuthUser,
    relationship: &str,
) -> Result<InviteView, ApiError> {
    let patient_id = own_patient(&user)?;
    let relationship =
        normalize_relationship(relationship).map_err(|m| FieldErrors::single("relationship", m))?;
    let at = now();
    let code = secrets::invite_code();
    let expires_at = at + Duration::days(i64::from(state.settings.invite_ttl_days));
    let id = uuid::Uuid::new_v4().to_string();
    state
        .db
        .transaction(move |conn| {
            caregivers::insert_invite(
                conn,
                &caregivers::NewInvite {
                    id: &id,
                    patient_id: &patient_id,
                    relationship: &relationship,
                    code_hash: &secrets::sha256_hex(&secrets::normalize_invite_code(&code)),
                    created_at: at.naive_utc(),
                    expires_at: expires_at.naive_utc(),
                },
            )?;
            audit::record(
                conn,
                &user,
                Action::Create,
                &[(&patient_id, "caregiver_invite", &id)],
                at,
            )?;
            Ok(InviteView { code, expires_at })
        })
        .await
}

#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, user, &query).await?))
}

/// A page of the calling patient's caregivers, oldest first.
pub async fn load(
    state: &AppState,
    user: AuthUser,
    query: &PageQuery,
) -> Result<Page<CaregiverView>, ApiError> {
    let patient_id = own_patient(&user)?;
    let (limit, after) = (query.limit()?, query.after()?);
    let rows = state
        .db
        .run(move |conn| caregivers::list(conn, &patient_id, after, limit + 1))
        .await?;
    Ok(query.page(
        rows,
        limit,
        |row| (row.created_at, row.user_id.clone()),
        CaregiverView::from,
    ))
}

#[tracing::instrument(skip_all)]
pub async fn revoke(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    end_link(&state, user, path.into_inner().to_string()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends a caregiver's link to the calling patient (404 if there is none).
pub async fn end_link(state: &AppState, user: AuthUser, caregiver: String) -> Result<(), ApiError> {
    let patient_id = own_patient(&user)?;
    let at = now();
    state
        .db
        .transaction(move |conn| {
            if !caregivers::revoke(conn, &patient_id, &caregiver, at.naive_utc())? {
                return Err(ApiError::NotFound);
            }
            audit::record(
                conn,
                &user,
                Action::Delete,
                &[(&patient_id, "caregiver", &caregiver)],
                at,
            )
        })
        .await
}
