//! How an alert is answered: the alert with its evidence, its resolution
//! and, for one alert, its history.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::api::photos::{self, PhotoView};
use crate::clock::utc;
use crate::db::alert_queries::{self, Evidence, HistoryEntry};
use crate::db::alerts::Alert;
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::alerts::Status;
use crate::domain::triage::{Level, Rule};
use crate::error::ApiError;

#[derive(Serialize, Debug)]
pub struct EvidenceView {
    checkin_id: Option<String>,
    /// Who recorded the check-in: the patient, a caregiver, staff.
    recorded_by_role: Option<Role>,
    observed_at: DateTime<Utc>,
    level: Level,
    reasons: Vec<String>,
    /// Present (true) only for a finding made by triaging the check-in
    /// again after an earlier one arrived late.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    retriaged: bool,
    /// Present (true) only when the check-in, triaged again, no longer has
    /// the finding.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    superseded: bool,
    /// The check-in's photos, oldest first.
    photos: Vec<PhotoView>,
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
    pub rule: Rule,
    pub level: Level,
    pub status: Status,
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
    from_status: Option<Status>,
    to_status: Status,
    level: Level,
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

fn evidence_view(
    e: Evidence,
    recorded_by_role: Option<String>,
    photos: Vec<PhotoView>,
) -> EvidenceView {
    EvidenceView {
        checkin_id: e.checkin_id,
        recorded_by_role: recorded_by_role.as_deref().and_then(Role::parse),
        observed_at: utc(e.observed_at),
        level: e.level,
        reasons: serde_json::from_str(&e.reasons).unwrap_or_default(),
        retriaged: e.retriaged,
        superseded: e.superseded,
        photos,
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

/// The views of these alerts, each with its evidence and the evidence's
/// photos.
pub fn with_evidence(
    conn: &mut DbConnection,
    rows: Vec<Alert>,
) -> Result<Vec<AlertView>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
    let evidence = alert_queries::evidence_for(conn, &ids)?;
    let checkin_ids: Vec<String> = evidence
        .iter()
        .filter_map(|(e, _)| e.checkin_id.clone())
        .collect();
    let photos = photos::by_checkin(conn, &checkin_ids)?;
    let mut by_alert: HashMap<String, Vec<EvidenceView>> = HashMap::new();
    for (e, recorded_by_role) in evidence {
        let shown = e
            .checkin_id
            .as_ref()
            .and_then(|id| photos.get(id))
            .cloned()
            .unwrap_or_default();
        by_alert
            .entry(e.alert_id.clone())
            .or_default()
            .push(evidence_view(e, recorded_by_role, shown));
    }
    Ok(rows
        .into_iter()
        .map(|a| {
            let evidence = by_alert.remove(&a.id).unwrap_or_default();
            alert_view(a, evidence)
        })
        .collect())
}

/// The alert with its evidence and its whole history.
pub(super) fn full_view(conn: &mut DbConnection, alert: Alert) -> Result<AlertView, ApiError> {
    let history = alert_queries::history(conn, &alert.id)?;
    let mut views = with_evidence(conn, vec![alert])?;
    let mut view = views.pop().ok_or(ApiError::NotFound)?;
    view.history = Some(history.into_iter().map(HistoryView::from).collect());
    Ok(view)
}
