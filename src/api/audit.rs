//! `GET /v1/audit` (admins): who read or changed which patient's data,
//! newest first, optionally for one patient or one actor; and
//! `GET /v1/audit/export`, the sealed chain of a time range as JSON lines
//! for `aftercare audit verify`.

use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::paging::{Page, PageQuery};
use crate::auth::audit::{record, Action, NO_PATIENT};
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::audit::{self, AuditEvent, Filter};
use crate::db::{audit_chain, Db};
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

/// The longest range an export covers.
const EXPORT_DAYS: i64 = 31;
/// Sealed rows read from the database per chunk of the export.
const EXPORT_PAGE: i64 = 2_000;

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(deserialize_with = "super::instants::required")]
    from: DateTime<Utc>,
    #[serde(deserialize_with = "super::instants::required")]
    to: DateTime<Utc>,
}

/// `GET /v1/audit/export?from=&to=`: the sealed rows of `[from, to)` in
/// chain order, one JSON object a line, then a trailer line
/// `{first_seq, last_seq, head_hash, count}`. Rows written in the last
/// moments are sealed first, so the export reaches up to the request.
#[tracing::instrument(skip_all)]
pub async fn export(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let ExportQuery { from, to } = query.into_inner();
    if to <= from {
        return Err(ApiError::InvalidQuery("to must be after from".into()));
    }
    if to - from > chrono::Duration::days(EXPORT_DAYS) {
        return Err(ApiError::RangeTooLarge(format!(
            "an export covers at most {EXPORT_DAYS} days; ask for several"
        )));
    }
    let at = now();
    crate::jobs::seal_audit_trail(&state.db, at, true).await?;
    let range = format!("{}/{}", from.to_rfc3339(), to.to_rfc3339());
    let stretch = state
        .db
        .transaction(move |conn| {
            record(
                conn,
                &user,
                Action::Read,
                &[(NO_PATIENT, "audit_export", &range)],
                at,
            )?;
            audit_chain::stretch(conn, from.naive_utc(), to.naive_utc())
        })
        .await?;
    let export = Export {
        db: state.db.clone(),
        after: stretch.map_or(0, |(first, _)| first - 1),
        last: stretch.map_or(0, |(_, last)| last),
        first: None,
        head: None,
        count: 0,
        done: false,
    };
    let body = futures_util::stream::unfold(export, |mut export| async move {
        let chunk = export.next_chunk().await?;
        Some((chunk, export))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header(("cache-control", "no-store"))
        .streaming(body))
}

/// Where an export is: the rows after `after` up to `last` are still to
/// be sent, then the trailer.
struct Export {
    db: Db,
    after: i64,
    last: i64,
    first: Option<i64>,
    head: Option<(i64, String)>,
    count: u64,
    done: bool,
}

impl Export {
    /// The next rows as lines, the trailer after the last, then none. A row
    /// whose audit row is gone is left out: the copy shows the gap.
    async fn next_chunk(&mut self) -> Option<Result<Bytes, ApiError>> {
        if self.done {
            return None;
        }
        let (after, last) = (self.after, self.last);
        let page = match self
            .db
            .run(move |conn| audit_chain::seals_after(conn, after, last, EXPORT_PAGE))
            .await
        {
            Ok(page) => page,
            Err(error) => {
                self.done = true;
                return Some(Err(error));
            }
        };
        let mut chunk = String::new();
        if page.is_empty() {
            self.done = true;
            let trailer = json!({
                "first_seq": self.first,
                "last_seq": self.head.as_ref().map(|(seq, _)| seq),
                "head_hash": self.head.as_ref().map(|(_, hash)| hash),
                "count": self.count,
            });
            chunk.push_str(&trailer.to_string());
            chunk.push('\n');
            return Some(Ok(Bytes::from(chunk)));
        }
        for (seal, event) in &page {
            self.after = seal.seq;
            let Some(event) = event else { continue };
            let line = audit_chain::line(audit_chain::sealed(seal, event));
            chunk.push_str(&serde_json::Value::Object(line).to_string());
            chunk.push('\n');
            self.first.get_or_insert(seal.seq);
            self.head = Some((seal.seq, seal.hash.clone()));
            self.count += 1;
        }
        Some(Ok(Bytes::from(chunk)))
    }
}
