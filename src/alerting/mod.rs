//! Turns findings into alert changes, inside the caller's transaction:
//! the state machine of domain::alerts applied to stored alerts, with an
//! evidence row per finding, a history row per change and an outbox row per
//! event, so that a commit carries all of them or none.

pub mod workflow;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::db::alerts::{self, Alert, NewAlert, NewEvent, NewEvidence};
use crate::db::outbox::{self, NewOutboxEvent};
use crate::db::DbConnection;
use crate::domain::alerts::{self as machine, event_for, on_finding, Decision, Event, Status};
use crate::domain::triage::{Level, Rule};
use crate::error::ApiError;
use crate::webhooks;

/// What an alert looked like after a change, as check-in answers list it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlertChange {
    pub id: String,
    pub rule: Rule,
    pub level: Level,
    pub status: Status,
}

impl From<Alert> for AlertChange {
    fn from(alert: Alert) -> Self {
        Self {
            id: alert.id,
            rule: alert.rule,
            level: alert.level,
            status: alert.status,
        }
    }
}

/// One finding, as the alerting needs it.
pub struct Input<'a> {
    pub patient_id: &'a str,
    pub treatment_id: &'a str,
    pub checkin_id: Option<&'a str>,
    pub observed_at: DateTime<Utc>,
    pub rule: Rule,
    pub level: Level,
    pub reasons: &'a [String],
    /// The finding comes from triaging the check-in again after an earlier
    /// check-in arrived late; its evidence says so.
    pub retriaged: bool,
}

impl Input<'_> {
    fn evidence(&self) -> machine::Evidence {
        machine::Evidence {
            level: self.level,
            observed_at: self.observed_at,
        }
    }
}

/// The webhook body: identifiers, level and status, never health data;
/// `clinical` adds the rule, which says what the finding was.
pub fn event_payload(event: Event, alert: &Alert, at: DateTime<Utc>, clinical: bool) -> String {
    let mut data = json!({
        "alert_id": alert.id,
        "patient_id": alert.patient_id,
        "treatment_id": alert.treatment_id,
        "level": alert.level,
        "status": alert.status,
    });
    if clinical {
        data["rule"] = json!(alert.rule);
    }
    json!({"type": event.as_str(), "timestamp": at, "data": data}).to_string()
}

/// Writes the event to the outbox, with a delivery for every endpoint that
/// subscribes to it: the dispatcher sends what this transaction commits.
pub fn emit(
    conn: &mut DbConnection,
    event: Event,
    alert: &Alert,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let id = uuid::Uuid::now_v7().to_string();
    let payload = event_payload(event, alert, at, false);
    let clinical_payload = event_payload(event, alert, at, true);
    outbox::add(
        conn,
        &NewOutboxEvent {
            id: &id,
            event_type: event.as_str(),
            alert_id: &alert.id,
            patient_id: &alert.patient_id,
            treatment_id: &alert.treatment_id,
            payload: &payload,
            clinical_payload: &clinical_payload,
            created_at: at.naive_utc(),
            dispatched_at: Some(at.naive_utc()),
        },
    )?;
    webhooks::fan_out(
        conn,
        &webhooks::Event {
            id: &id,
            event_type: event.as_str(),
            patient_id: &alert.patient_id,
            payload: &payload,
            clinical_payload: &clinical_payload,
        },
        at,
    )?;
    Ok(())
}

/// Records a state change in the alert's history.
pub fn record(
    conn: &mut DbConnection,
    alert: &Alert,
    action: &str,
    actor: Option<&str>,
    from: Option<Status>,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    alerts::add_event(
        conn,
        &NewEvent {
            // Time-ordered ids keep the history in order when two changes
            // share a timestamp (a snooze that ends and its overdue report).
            id: &uuid::Uuid::now_v7().to_string(),
            alert_id: &alert.id,
            action,
            actor_id: actor,
            from_status: from,
            to_status: alert.status,
            level: alert.level,
            detail,
            at: at.naive_utc(),
        },
    )
}

/// What a finding will do to its alert, decided before anything is
/// written, so that a check-in's answer can name the alert changes and be
/// stored with the check-in in one insert.
pub struct Plan {
    decision: Decision,
    /// The active alert for the finding's key; none when one opens.
    active: Option<Alert>,
    /// The id of the alert that opens.
    new_id: String,
}

impl Plan {
    /// Whether the clinic is told: the finding opens, escalates or reopens
    /// an alert (evidence added to one nobody set aside notifies nobody).
    pub fn notifies(&self) -> bool {
        event_for(self.decision).is_some()
    }

    /// The alert as the change leaves it.
    pub fn change(&self, input: &Input<'_>) -> AlertChange {
        match (&self.active, self.decision) {
            (None, _) | (_, Decision::Open) => AlertChange {
                id: self.new_id.clone(),
                rule: input.rule,
                level: input.level,
                status: Status::Open,
            },
            (Some(alert), Decision::Escalate) => AlertChange {
                id: alert.id.clone(),
                rule: alert.rule,
                level: input.level,
                status: Status::Open,
            },
            (Some(alert), Decision::Reopen) => AlertChange {
                status: Status::Open,
                ..alert.clone().into()
            },
            (Some(alert), Decision::AddEvidence) => alert.clone().into(),
        }
    }
}

/// The stored alert as the state machine sees it.
fn active_of(alert: &Alert) -> machine::Active {
    machine::Active {
        level: alert.level,
        status: alert.status,
        acknowledged_at: alert.acknowledged_at.map(|at| at.and_utc()),
    }
}

/// Decides what one finding does (reads only, and on PostgreSQL locks the
/// active alert so that the decision holds until the transaction ends);
/// none for a finding below warning.
pub fn plan(conn: &mut DbConnection, input: &Input<'_>) -> Result<Option<Plan>, ApiError> {
    if on_finding(None, input.evidence()).is_none() {
        return Ok(None);
    }
    let active = alerts::find_active_for_update(conn, input.treatment_id, input.rule)?;
    let state = active.as_ref().map(active_of);
    Ok(on_finding(state, input.evidence()).map(|decision| Plan {
        decision,
        active,
        new_id: uuid::Uuid::now_v7().to_string(),
    }))
}

/// Applies one finding; returns the alert if it was opened or changed.
pub fn apply(
    conn: &mut DbConnection,
    input: &Input<'_>,
    at: DateTime<Utc>,
) -> Result<Option<AlertChange>, ApiError> {
    match plan(conn, input)? {
        Some(plan) => carry_out(conn, input, plan, at).map(Some),
        None => Ok(None),
    }
}

/// Writes what `plan` decided: the alert, its evidence, its history and
/// its event.
pub fn carry_out(
    conn: &mut DbConnection,
    input: &Input<'_>,
    plan: Plan,
    at: DateTime<Utc>,
) -> Result<AlertChange, ApiError> {
    let Plan {
        decision,
        active,
        new_id,
    } = plan;
    let now = at.naive_utc();
    let alert = match (decision, active) {
        (Decision::Open, _) => {
            let opening = NewAlert::opening(
                &new_id,
                input.patient_id,
                input.treatment_id,
                input.rule,
                input.level,
                now,
            );
            let alert = alerts::insert(conn, &opening)?;
            record(conn, &alert, "opened", None, None, None, at)?;
            alert
        }
        (Decision::Escalate, Some(mut alert)) => {
            let (from_status, from_level) = (alert.status, alert.level);
            alerts::escalate(conn, &alert.id, input.level, now)?;
            alert.level = input.level;
            alert.level_rank = input.level.rank();
            alert.status = Status::Open;
            record(
                conn,
                &alert,
                "escalated",
                None,
                Some(from_status),
                Some(&format!("from {from_level}")),
                at,
            )?;
            alert
        }
        (Decision::Reopen, Some(mut alert)) => {
            let from_status = alert.status;
            alerts::reopen(conn, &alert.id, now)?;
            alert.status = Status::Open;
            alert.acknowledged_by = None;
            alert.acknowledged_at = None;
            alert.snoozed_until = None;
            alert.snooze_reason = None;
            alert.overdue_notified_at = None;
            alert.raised_at = Some(now);
            alert.updated_at = now;
            record(
                conn,
                &alert,
                "reopened",
                None,
                Some(from_status),
                Some(&format!("new {} evidence", input.level.as_str())),
                at,
            )?;
            alert
        }
        (_, Some(alert)) => {
            alerts::touch(conn, &alert.id, now)?;
            alert
        }
        (_, None) => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "alert decision without an alert"
            )))
        }
    };
    let reasons = serde_json::to_string(input.reasons).map_err(ApiError::internal)?;
    alerts::add_evidence(
        conn,
        &NewEvidence {
            id: &uuid::Uuid::now_v7().to_string(),
            alert_id: &alert.id,
            checkin_id: input.checkin_id,
            observed_at: input.observed_at.naive_utc(),
            level: input.level,
            reasons: &reasons,
            created_at: now,
            retriaged: input.retriaged,
        },
    )?;
    if let Some(event) = event_for(decision) {
        emit(conn, event, &alert, at)?;
    }
    Ok(alert.into())
}
