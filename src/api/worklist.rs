//! `GET /v1/worklist`: one row per active treatment of the physician's
//! patients (given in the last 90 days, or with an alert not yet resolved),
//! most urgent first.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::paging::{audited_page, Page, PageQuery};
use super::views::PatientView;
use crate::alerting::workflow;
use crate::auth::audit::{Audited, Touch};
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::alert_queries;
use crate::db::alerts::Alert;
use crate::db::patients::Patient;
use crate::db::standings::{self, StandingRow};
use crate::db::treatments::Treatment;
use crate::db::worklist as rows;
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::alerts::Status;
use crate::domain::schedule::day_of;
use crate::domain::triage::{Level, Rule};
use crate::domain::worklist::Standing;
use crate::error::ApiError;
use crate::state::AppState;

/// How long after administration a treatment stays on the worklist.
const ACTIVE_DAYS: i64 = 90;

#[derive(Serialize)]
struct TreatmentBrief {
    id: String,
    kind: String,
    sites: Vec<String>,
    product: String,
    administered_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct AlertBrief {
    id: String,
    rule: Rule,
    level: Level,
    status: Status,
    created_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct Row {
    patient: PatientView,
    treatment: TreatmentBrief,
    day: i64,
    worst_alert: Option<AlertBrief>,
    open_alerts: i32,
    last_checkin_at: Option<DateTime<Utc>>,
    missed_checkins: i32,
}

/// A row shows the treatment and its patient.
impl Audited for (Standing, Row) {
    fn touch(&self) -> Touch<'_> {
        (&self.1.patient.id, "treatment", &self.1.treatment.id)
    }
}

/// A page of standings turned into rows: their treatments, patients and
/// shown alerts loaded for the page only, in the page's order.
fn rows_of(
    conn: &mut DbConnection,
    standings: Vec<StandingRow>,
    at: DateTime<Utc>,
) -> Result<Vec<(Standing, Row)>, ApiError> {
    let ids: Vec<String> = standings.iter().map(|s| s.treatment_id.clone()).collect();
    let shown: Vec<String> = standings
        .iter()
        .filter_map(|s| s.worst_alert_id.clone())
        .collect();
    let mut treatments = rows::treatments_of(conn, &ids)?;
    let mut alerts: HashMap<String, Alert> = alert_queries::by_ids(conn, &shown)?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    standings
        .into_iter()
        .map(|standing| {
            let (treatment, patient) = treatments
                .remove(&standing.treatment_id)
                .ok_or(ApiError::NotFound)?;
            let worst = standing
                .worst_alert_id
                .as_ref()
                .and_then(|id| alerts.remove(id));
            Ok(row(standing, worst, treatment, patient, at))
        })
        .collect()
}

/// One treatment's row and its place in the order.
fn row(
    standing: StandingRow,
    worst: Option<Alert>,
    treatment: Treatment,
    patient: Patient,
    at: DateTime<Utc>,
) -> (Standing, Row) {
    let given = utc(treatment.administered_at);
    let place = standing.place();
    let row = Row {
        day: day_of(at, given, patient.zone()),
        worst_alert: worst.map(|a| AlertBrief {
            id: a.id,
            rule: a.rule,
            level: a.level,
            status: a.status,
            created_at: utc(a.created_at),
        }),
        open_alerts: standing.open_alerts,
        last_checkin_at: standing.last_checkin_at.map(utc),
        missed_checkins: standing.missed_checkins,
        treatment: TreatmentBrief {
            sites: treatment.site_codes(),
            id: treatment.id,
            kind: treatment.kind,
            product: treatment.product,
            administered_at: given,
        },
        patient: patient.into(),
    };
    (place, row)
}

#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, user, query).await?))
}

/// A page of the physician's worklist, its reads audited.
pub async fn load(
    state: &AppState,
    user: AuthUser,
    query: PageQuery,
) -> Result<Page<Row>, ApiError> {
    user.require(&[Role::Physician, Role::Nurse])?;
    let limit = query.limit()?;
    let after: Option<Standing> = query.position()?;
    let at = now();
    let reopened = workflow::reopen_ended_snoozes_before_read(&state.db, at).await?;
    standings::recount_due(&state.db, at).await?;
    let page = state
        .db
        .run(move |conn| {
            let since = (at - Duration::days(ACTIVE_DAYS)).naive_utc();
            let standings = rows::page(conn, &user.id, since, after.as_ref(), limit + 1)?;
            let all = rows_of(conn, standings, at)?;
            let page = audited_page(&user, at, all, limit, |(s, _)| query.cursor_of(s));
            Ok(page.map(|page| page.map(|(_, row)| row)))
        })
        .await?;
    let page = state.reads.audit(page).await?;
    if reopened > 0 {
        state.deliveries.notify();
    }
    Ok(page)
}
