//! `GET /v1/worklist`: one row per active treatment of the physician's
//! patients (given in the last 90 days, or with an alert not yet resolved),
//! most urgent first.

use std::cmp::Ordering;
use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::paging::{audited_page, PageQuery};
use super::views::PatientView;
use crate::alerting::workflow;
use crate::auth::audit::{Audited, Touch};
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::alert_queries;
use crate::db::alerts::Alert;
use crate::db::patients::Patient;
use crate::db::treatments::Treatment;
use crate::db::worklist as rows;
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::alerts::Status;
use crate::domain::schedule::{day_of, local_date, schedule};
use crate::domain::triage::{Level, Rule};
use crate::domain::worklist::{missed_checkins, urgency, Standing};
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
struct Row {
    patient: PatientView,
    treatment: TreatmentBrief,
    day: i64,
    worst_alert: Option<AlertBrief>,
    open_alerts: usize,
    last_checkin_at: Option<DateTime<Utc>>,
    missed_checkins: usize,
}

/// A row shows the treatment and its patient.
impl Audited for (Standing, Row) {
    fn touch(&self) -> Touch<'_> {
        (&self.1.patient.id, "treatment", &self.1.treatment.id)
    }
}

/// Open and acknowledged alerts count; a snoozed one is set aside until its
/// end, a resolved one is done.
const COUNTED: [Status; 2] = [Status::Open, Status::Acknowledged];

/// What the rows need beyond the treatments, loaded once for all of them.
struct Facts {
    alerts: HashMap<String, Vec<Alert>>,
    last_checkins: HashMap<String, chrono::NaiveDateTime>,
    days_done: HashMap<String, Vec<i64>>,
}

impl Facts {
    fn load(conn: &mut DbConnection, ids: &[String]) -> Result<Self, ApiError> {
        let mut alerts: HashMap<String, Vec<Alert>> = HashMap::new();
        for alert in alert_queries::for_treatments(conn, ids, &COUNTED)? {
            alerts
                .entry(alert.treatment_id.clone())
                .or_default()
                .push(alert);
        }
        Ok(Self {
            alerts,
            last_checkins: rows::last_checkins(conn, ids)?,
            days_done: crate::db::checkins::days_done(conn, ids)?,
        })
    }

    /// One treatment's row and its place in the order.
    fn row(
        &mut self,
        treatment: Treatment,
        patient: Patient,
        at: DateTime<Utc>,
    ) -> (Standing, Row) {
        let zone = patient.zone();
        let given = utc(treatment.administered_at);
        let open = self.alerts.remove(&treatment.id).unwrap_or_default();
        // Most severe, then oldest: the alert the row is about.
        let worst = open.iter().min_by(|a, b| {
            b.level_rank
                .cmp(&a.level_rank)
                .then(a.created_at.cmp(&b.created_at))
        });
        let done = self
            .days_done
            .get(&treatment.id)
            .map_or(&[][..], Vec::as_slice);
        let missed = missed_checkins(&schedule(given, zone), local_date(at, zone), done);
        let standing = Standing {
            worst_rank: worst.map_or(0, |a| a.level_rank),
            oldest_open_alert: open.iter().map(|a| utc(a.created_at)).min(),
            missed_checkins: missed,
            administered_at: given,
            treatment_id: treatment.id.clone(),
        };
        let row = Row {
            day: day_of(at, given, zone),
            worst_alert: worst.map(|a| AlertBrief {
                id: a.id.clone(),
                rule: a.rule,
                level: a.level,
                status: a.status,
                created_at: utc(a.created_at),
            }),
            open_alerts: open.len(),
            last_checkin_at: self.last_checkins.get(&treatment.id).copied().map(utc),
            missed_checkins: missed,
            treatment: TreatmentBrief {
                sites: serde_json::from_str(&treatment.sites).unwrap_or_default(),
                id: treatment.id,
                kind: treatment.kind,
                product: treatment.product,
                administered_at: given,
            },
            patient: patient.into(),
        };
        (standing, row)
    }
}

#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Physician])?;
    let limit = query.limit()?;
    let after: Option<Standing> = query.position()?;
    let at = now();
    let (page, reopened) = state
        .db
        .run(move |conn| {
            let reopened = workflow::reopen_ended_snoozes_before_read(conn, at)?;
            let since = (at - Duration::days(ACTIVE_DAYS)).naive_utc();
            let active = rows::active_treatments(conn, &user.id, since)?;
            let ids: Vec<String> = active.iter().map(|(t, _)| t.id.clone()).collect();
            let mut facts = Facts::load(conn, &ids)?;
            let mut all: Vec<(Standing, Row)> = active
                .into_iter()
                .map(|(treatment, patient)| facts.row(treatment, patient, at))
                .filter(|(standing, _)| {
                    after
                        .as_ref()
                        .is_none_or(|cursor| urgency(standing, cursor) == Ordering::Greater)
                })
                .collect();
            all.sort_by(|a, b| urgency(&a.0, &b.0));
            let page = audited_page(conn, &user, at, all, limit, |(s, _)| query.cursor_of(s))?;
            Ok((page.map(|(_, row)| row), reopened))
        })
        .await?;
    if reopened > 0 {
        state.deliveries.notify();
    }
    Ok(HttpResponse::Ok().json(page))
}
