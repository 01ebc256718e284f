//! `GET /v1/audit` (admins): who read or changed which patient's data,
//! newest first, optionally for one patient or one actor.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::paging::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::clock::utc;
use crate::db::audit::{self, AuditEvent, Filter};
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    pub patient_id: Option<uuid::Uuid>,
    pub actor_id: Option<uuid::Uuid>,
    // `limit` and `cursor` are the PageQuery's.
}

#[derive(Serialize)]
pub struct AuditView {
    id: String,
    at: DateTime<Utc>,
    actor_id: String,
    actor_role: Role,
    action: String,
    /// None for account events.
    patient_id: Option<String>,
    resource_type: String,
    resource_id: String,
    request_id: Option<String>,
}

impl From<AuditEvent> for AuditView {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            at: utc(e.at),
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            patient_id: Some(e.patient_id).filter(|id| id != crate::auth::audit::NO_PATIENT),
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            request_id: e.request_id,
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<AuditQuery>,
    paging: PageQuery,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, user, query.into_inner(), paging).await?))
}

/// A page of the audit trail, newest first (admins).
pub async fn load(
    state: &AppState,
    user: AuthUser,
    query: AuditQuery,
    paging: PageQuery,
) -> Result<Page<AuditView>, ApiError> {
    user.require(&[Role::Admin])?;
    let (limit, before) = (paging.limit()?, paging.after()?);
    let filter = Filter {
        patient_id: query.patient_id.map(|id| id.to_string()),
        actor_id: query.actor_id.map(|id| id.to_string()),
    };
    let rows = state
        .db
        .run(move |conn| audit::list(conn, &filter, before, limit + 1))
        .await?;
    Ok(paging.page(rows, limit, |e| (e.at, e.id.clone()), AuditView::from))
}
