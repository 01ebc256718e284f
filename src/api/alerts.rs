//! Alerts for the physicians: the list in worklist order, one alert with its
//! evidence and history, and the workflow (acknowledge, snooze, resolve).
//! Patients may read their own alerts; only a care-team physician acts on
//! them.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::paging::{encode_ranked, split_page, Page, PageQuery};
use super::views::utc;
use super::Body;
use crate::alerting::workflow::{self, Request};
use crate::auth::audit::{self, Action};
use crate::auth::{access, AuthUser};
use crate::db::alert_queries::{self, Evidence, Filter, HistoryEntry};
use crate::db::alerts::{self, Alert};
use crate::db::patients::Scope;
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::alerts::{snooze_end_problem, Outcome, Status};
use crate::domain::triage::{Level, Rule};
use crate::error::{ApiError, FieldErrors};
use crate::state::{now, AppState};

#[derive(Serialize, Debug)]
pub struct EvidenceView {
    checkin_id: Option<String>,
    observed_at: DateTime<Utc>,
    level: String,
    reasons: Vec<String>,
}

#[derive(Serialize, Debug)]
pub struct Resolution {
    outcome: String,
    note: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct AlertView {
    pub id: String,
    pub patient_id: String,
    pub treatment_id: String,
    pub rule: String,
    pub level: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub evidence: Vec<EvidenceView>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub snooze_reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    pub overdue_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryView>>,
}

#[derive(Serialize, Debug)]
pub struct HistoryView {
    action: String,
    actor_id: Option<String>,
    from_status: Option<String>,
    to_status: String,
    level: String,
    at: DateTime<Utc>,
}

impl From<HistoryEntry> for HistoryView {
    fn from(e: HistoryEntry) -> Self {
        Self {
            action: e.action,
            actor_id: e.actor_id,
            from_status: e.from_status,
            to_status: e.to_status,
            level: e.level,
            at: utc(e.at),
        }
    }
}

fn evidence_view(e: Evidence) -> EvidenceView {
    EvidenceView {
        checkin_id: e.checkin_id,
        observed_at: utc(e.observed_at),
        level: e.level,
        reasons: serde_json::from_str(&e.reasons).unwrap_or_default(),
    }
}

pub fn alert_view(alert: Alert, evidence: Vec<EvidenceView>) -> AlertView {
    let resolution = alert.resolution_outcome.map(|outcome| Resolution {
        outcome,
        note: alert.resolution_note,
    });
    AlertView {
        id: alert.id,
        patient_id: alert.patient_id,
        treatment_id: alert.treatment_id,
        rule: alert.rule,
        level: alert.level,
        status: alert.status,
        created_at: utc(alert.created_at),
        updated_at: utc(alert.updated_at),
        evidence,
        acknowledged_by: alert.acknowledged_by,
        acknowledged_at: alert.acknowledged_at.map(utc),
        snoozed_until: alert.snoozed_until.map(utc),
        snooze_reason: alert.snooze_reason,
        resolved_by: alert.resolved_by,
        resolved_at: alert.resolved_at.map(utc),
        resolution,
        overdue_at: alert.overdue_notified_at.map(utc),
        history: None,
    }
}

/// The views of these alerts, each with its evidence.
pub fn with_evidence(
    conn: &mut DbConnection,
    rows: Vec<Alert>,
) -> Result<Vec<AlertView>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
    let mut by_alert: HashMap<String, Vec<EvidenceView>> = HashMap::new();
    for e in alert_queries::evidence_for(conn, &ids)? {
        by_alert
            .entry(e.alert_id.clone())
            .or_default()
            .push(evidence_view(e));
    }
    Ok(rows
        .into_iter()
        .map(|a| {
            let evidence = by_alert.remove(&a.id).unwrap_or_default();
            alert_view(a, evidence)
        })
        .collect())
}

#[derive(Deserialize, Debug)]
pub struct AlertQuery {
    status: Option<String>,
    level: Option<String>,
    rule: Option<String>,
    patient_id: Option<uuid::Uuid>,
    limit: Option<i64>,
    cursor: Option<String>,
}

impl AlertQuery {
    fn filter(&self) -> Result<Filter, ApiError> {
        let invalid = |what: &str| ApiError::InvalidQuery(what.to_owned());
        let statuses = match self.status.as_deref() {
            None | Some("") => None,
            // Everything not resolved: what still needs a physician.
            Some("active") => Some(Status::ACTIVE.iter().map(|s| (*s).to_owned()).collect()),
            Some(raw) => Some(
                raw.split(',')
                    .map(|s| Status::parse(s.trim()).map(|s| s.as_str().to_owned()))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        invalid("status must be active or a comma-separated list of open, acknowledged, snoozed, resolved")
                    })?,
            ),
        };
        let level = match self.level.as_deref() {
            None | Some("") => None,
            Some(raw) => match Level::parse(raw) {
                Some(level) if level >= Level::Warning => Some(level.as_str().to_owned()),
                _ => return Err(invalid("level must be warning, urgent or emergency")),
            },
        };
        let rule = match self.rule.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(
                Rule::parse(raw)
                    .ok_or_else(|| invalid("rule is not a rule of the triage engine"))?
                    .as_str()
                    .to_owned(),
            ),
        };
        Ok(Filter {
            statuses,
            level,
            rule,
            patient_id: self.patient_id.map(|id| id.to_string()),
        })
    }
}

/// Whose alerts the caller may see.
fn scope_of(user: &AuthUser) -> Scope<'_> {
    match user.role {
        Role::Admin => Scope::All,
        Role::Physician => Scope::CareTeamOf(&user.id),
        Role::Patient => Scope::Only(user.patient_id.as_deref().unwrap_or_default()),
    }
}

#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = query.filter()?;
    let paging = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (paging.limit()?, paging.after_ranked()?);
    let at = now();
    let page = state
        .db
        .run(move |conn| {
            workflow::reopen_ended_snoozes(conn, at)?;
            let rows = alert_queries::list(conn, scope_of(&user), &filter, after, limit + 1)?;
            let (rows, next_cursor) = split_page(rows, limit, |a| {
                encode_ranked(a.level_rank, a.created_at, &a.id)
            });
            let touched: Vec<_> = rows
                .iter()
                .map(|a| (a.patient_id.as_str(), "alert", a.id.as_str()))
                .collect();
            audit::record(conn, &user, Action::Read, &touched, at)?;
            Ok(Page {
                items: with_evidence(conn, rows)?,
                next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Loads the alert if the caller may see its patient.
fn alert_for(conn: &mut DbConnection, user: &AuthUser, id: &str) -> Result<Alert, ApiError> {
    let alert = alerts::find(conn, id)?.ok_or(ApiError::NotFound)?;
    access::patient_for(conn, user, &alert.patient_id)?;
    Ok(alert)
}

/// The alert with its evidence and its whole history.
fn full_view(conn: &mut DbConnection, alert: Alert) -> Result<AlertView, ApiError> {
    let history = alert_queries::history(conn, &alert.id)?;
    let mut views = with_evidence(conn, vec![alert])?;
    let mut view = views.pop().ok_or(ApiError::NotFound)?;
    view.history = Some(history.into_iter().map(HistoryView::from).collect());
    Ok(view)
}

#[tracing::instrument(skip_all, fields(alert_id = %path))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().to_string();
    let at = now();
    let view = state
        .db
        .run(move |conn| {
            workflow::reopen_ended_snoozes(conn, at)?;
            let alert = alert_for(conn, &user, &id)?;
            audit::record(
                conn,
                &user,
                Action::Read,
                &[(&alert.patient_id, "alert", &alert.id)],
                at,
            )?;
            full_view(conn, alert)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Loads, authorises and applies a physician's request, in one transaction.
async fn act(
    state: web::Data<AppState>,
    user: AuthUser,
    id: String,
    request: Request,
) -> Result<HttpResponse, ApiError> {
    let at = now();
    let view = state
        .db
        .transaction(move |conn| {
            // An ended snooze is open again before anyone acts on it.
            workflow::reopen_ended_snoozes(conn, at)?;
            let alert = alert_for(conn, &user, &id)?;
            // Seeing an alert is not treating the patient: only the care
            // team acts on it.
            user.require(&[Role::Physician])?;
            let updated = workflow::act(conn, alert, &user.id, &request, at)?;
            audit::record(
                conn,
                &user,
                Action::Update,
                &[(&updated.patient_id, "alert", &updated.id)],
                at,
            )?;
            full_view(conn, updated)
        })
        .await?;
    state.deliveries.notify();
    Ok(HttpResponse::Ok().json(view))
}

#[tracing::instrument(skip_all, fields(alert_id = %path))]
pub async fn acknowledge(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    act(
        state,
        user,
        path.into_inner().to_string(),
        Request::Acknowledge,
    )
    .await
}

#[derive(Deserialize)]
pub struct SnoozeBody {
    until: DateTime<Utc>,
    reason: String,
}

const REASON_MAX: usize = 500;
const NOTE_MAX: usize = 2000;

#[tracing::instrument(skip_all, fields(alert_id = %path))]
pub async fn snooze(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    Body(body): Body<SnoozeBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::new();
    if let Some(problem) = snooze_end_problem(now(), body.until) {
        errors.add("until", problem);
    }
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > REASON_MAX {
        errors.add("reason", format!("must be 1 to {REASON_MAX} characters"));
    }
    errors.into_result()?;
    let request = Request::Snooze {
        until: body.until.trunc_subsecs(6),
        reason,
    };
    act(state, user, path.into_inner().to_string(), request).await
}

#[derive(Deserialize)]
pub struct ResolveBody {
    outcome: String,
    note: String,
}

#[tracing::instrument(skip_all, fields(alert_id = %path))]
pub async fn resolve(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    Body(body): Body<ResolveBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::new();
    let outcome = Outcome::parse(&body.outcome);
    if outcome.is_none() {
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        errors.add("outcome", format!("must be one of {}", names.join(", ")));
    }
    let note = body.note.trim().to_owned();
    if note.is_empty() || note.chars().count() > NOTE_MAX {
        errors.add("note", format!("must be 1 to {NOTE_MAX} characters"));
    }
    errors.into_result()?;
    let Some(outcome) = outcome else {
        return Err(FieldErrors::single("outcome", "is unknown"));
    };
    act(
        state,
        user,
        path.into_inner().to_string(),
        Request::Resolve { outcome, note },
    )
    .await
}
