//! Reading alerts for the physician's views: filtered, scoped lists in
//! worklist order (most severe, then oldest), their evidence and history.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::alerts::Alert;
use super::patients::Scope;
use super::schema::{alert_events, alert_evidence, alerts, care_team_members, checkins};
use super::DbConnection;
use crate::domain::alerts::Status;
use crate::domain::triage::{Level, Rule};
use crate::error::ApiError;

/// What the alert list may be narrowed to; `None` leaves a field open.
#[derive(Default, Debug, Clone)]
pub struct Filter {
    /// Any of these statuses.
    pub statuses: Option<Vec<Status>>,
    pub level: Option<Level>,
    pub rule: Option<Rule>,
    pub patient_id: Option<String>,
}

/// Sort key of the list: (level rank, created_at, id).
pub type Position = (i32, NaiveDateTime, String);

pub fn list(
    conn: &mut DbConnection,
    scope: Scope<'_>,
    filter: &Filter,
    after: Option<Position>,
    limit: i64,
) -> Result<Vec<Alert>, ApiError> {
    let mut query = alerts::table
        .select(Alert::as_select())
        .order((
            alerts::level_rank.desc(),
            alerts::created_at.asc(),
            alerts::id.asc(),
        ))
        .limit(limit)
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::Only(patient_id) => {
            query = query.filter(alerts::patient_id.eq(patient_id.to_owned()))
        }
        Scope::CareTeamOf(physician_id) => {
            let team = care_team_members::table
                .filter(care_team_members::physician_id.eq(physician_id.to_owned()))
                .select(care_team_members::patient_id);
            query = query.filter(alerts::patient_id.eq_any(team));
        }
    }
    if let Some(statuses) = &filter.statuses {
        query = query.filter(alerts::status.eq_any(statuses.clone()));
    }
    if let Some(level) = &filter.level {
        query = query.filter(alerts::level.eq(*level));
    }
    if let Some(rule) = &filter.rule {
        query = query.filter(alerts::rule.eq(*rule));
    }
    if let Some(patient_id) = &filter.patient_id {
        query = query.filter(alerts::patient_id.eq(patient_id.clone()));
    }
    if let Some((rank, at, id)) = after {
        query = query.filter(
            alerts::level_rank
                .lt(rank)
                .or(alerts::level_rank.eq(rank).and(
                    alerts::created_at
                        .gt(at)
                        .or(alerts::created_at.eq(at).and(alerts::id.gt(id))),
                )),
        );
    }
    Ok(query.load(conn)?)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = alert_evidence)]
pub struct Evidence {
    pub alert_id: String,
    pub checkin_id: Option<String>,
    pub observed_at: NaiveDateTime,
    pub level: Level,
    /// JSON array of reasons.
    pub reasons: String,
    pub retriaged: bool,
    pub superseded: bool,
}

/// The evidence of these alerts, oldest first, each with the role of
/// whoever recorded its check-in (the patient, a caregiver, staff).
pub fn evidence_for(
    conn: &mut DbConnection,
    alert_ids: &[String],
) -> Result<Vec<(Evidence, Option<String>)>, ApiError> {
    if alert_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(alert_evidence::table
        .left_join(checkins::table.on(alert_evidence::checkin_id.eq(checkins::id.nullable())))
        .filter(alert_evidence::alert_id.eq_any(alert_ids))
        .select((Evidence::as_select(), checkins::recorded_by_role.nullable()))
        .order((alert_evidence::observed_at.asc(), alert_evidence::id.asc()))
        .load(conn)?)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = alert_events)]
pub struct HistoryEntry {
    pub action: String,
    pub actor_id: Option<String>,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub level: Level,
    pub detail: Option<String>,
    pub at: NaiveDateTime,
}

/// Every state change of the alert, oldest first.
pub fn history(conn: &mut DbConnection, alert_id: &str) -> Result<Vec<HistoryEntry>, ApiError> {
    Ok(alert_events::table
        .filter(alert_events::alert_id.eq(alert_id))
        .select(HistoryEntry::as_select())
        .order((alert_events::at.asc(), alert_events::id.asc()))
        .load(conn)?)
}

/// Alerts whose snooze has ended and that are still snoozed, in id order
/// (two transactions reopening them lock them in the same order).
pub fn snooze_ended(conn: &mut DbConnection, at: NaiveDateTime) -> Result<Vec<Alert>, ApiError> {
    Ok(alerts::table
        .filter(alerts::status.eq(Status::Snoozed))
        .filter(alerts::snoozed_until.le(at))
        .select(Alert::as_select())
        .order(alerts::id.asc())
        .load(conn)?)
}

/// Whether any snooze has ended: a read that lets readers skip the write.
pub fn any_snooze_ended(conn: &mut DbConnection, at: NaiveDateTime) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        alerts::table
            .filter(alerts::status.eq(Status::Snoozed))
            .filter(alerts::snoozed_until.le(at)),
    ))
    .get_result(conn)?)
}

/// Open urgent and emergency alerts raised at or before `cutoff` and not
/// yet reported overdue.
pub fn overdue_candidates(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
) -> Result<Vec<Alert>, ApiError> {
    Ok(alerts::table
        .filter(alerts::status.eq(Status::Open))
        .filter(alerts::level_rank.ge(3))
        .filter(alerts::overdue_notified_at.is_null())
        .filter(alerts::raised_at.le(cutoff))
        .select(Alert::as_select())
        .load(conn)?)
}

/// The alerts of these treatments in the given statuses.
/// The alerts of these ids.
pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<Alert>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(alerts::table
        .filter(alerts::id.eq_any(ids))
        .select(Alert::as_select())
        .load(conn)?)
}

pub fn for_treatments(
    conn: &mut DbConnection,
    treatment_ids: &[String],
    statuses: &[Status],
) -> Result<Vec<Alert>, ApiError> {
    if treatment_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(alerts::table
        .filter(alerts::treatment_id.eq_any(treatment_ids))
        .filter(alerts::status.eq_any(statuses))
        .select(Alert::as_select())
        .order((alerts::created_at.asc(), alerts::id.asc()))
        .load(conn)?)
}

/// (status, level, number of alerts), for the metrics.
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(Status, Level, i64)>, ApiError> {
    Ok(alerts::table
        .group_by((alerts::status, alerts::level))
        .select((alerts::status, alerts::level, diesel::dsl::count_star()))
        .load(conn)?)
}
