//! What happens to an alert after it opens: a physician acknowledges,
//! snoozes or resolves it; the clock reopens ended snoozes and reports
//! overdue alerts. Every change leaves a history row (who and when) and,
//! where the contract names an event, an outbox row, in the caller's
//! transaction.

use chrono::{DateTime, Duration, Utc};

use super::{emit, record};
use crate::clock::utc;
use crate::db::alert_queries;
use crate::db::alerts::{self, Alert, Change};
use crate::db::{self, DbConnection};
use crate::domain::alerts::{
    after_action, is_overdue, Action, Event, Outcome, Refusal, Seen, Status,
};

use crate::error::ApiError;

/// A physician's request, already validated.
pub enum Request {
    Acknowledge,
    Snooze {
        until: DateTime<Utc>,
        reason: String,
    },
    Resolve {
        outcome: Outcome,
        note: String,
    },
}

impl Request {
    fn action(&self) -> Action {
        match self {
            Self::Acknowledge => Action::Acknowledge,
            Self::Snooze { .. } => Action::Snooze,
            Self::Resolve { .. } => Action::Resolve,
        }
    }
}

/// The physician saw another alert than the current one: the answer shows
/// them the current one, and nothing changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// Their If-Match names another version (412).
    Version,
    /// The level they name is not the alert's now (409 alert_changed).
    Level,
}

/// Applies the request to the alert (read under lock by the caller);
/// returns the alert as it now is, or how the physician's view of it is
/// stale.
pub fn act(
    conn: &mut DbConnection,
    alert: Alert,
    actor: &str,
    request: &Request,
    seen: Seen,
    at: DateTime<Utc>,
) -> Result<Result<Alert, Stale>, ApiError> {
    let (status, level) = (alert.status, alert.level);
    let action = request.action();
    match after_action(status, level, action, seen) {
        Ok(_) => {}
        Err(Refusal::Resolved) => return Err(ApiError::AlertResolved),
        Err(Refusal::StaleVersion) => return Ok(Err(Stale::Version)),
        Err(Refusal::LevelChanged) => return Ok(Err(Stale::Level)),
        Err(Refusal::AcknowledgeFirst) => return Err(ApiError::AcknowledgeFirst),
    }
    if action == Action::Acknowledge && status == Status::Acknowledged {
        return Ok(Ok(alert));
    }
    let (change, name, detail) = match request {
        Request::Acknowledge => (Change::Acknowledge { by: actor }, "acknowledged", None),
        Request::Snooze { until, reason } => (
            Change::Snooze {
                until: until.naive_utc(),
                reason,
            },
            "snoozed",
            Some(format!("until {}", until.to_rfc3339())),
        ),
        Request::Resolve { outcome, note } => (
            Change::Resolve {
                by: actor,
                outcome: outcome.as_str(),
                note,
            },
            "resolved",
            Some(outcome.as_str().to_owned()),
        ),
    };
    // The update only applies to an active alert: a resolve that won a race
    // leaves this one with nothing to change.
    if !alerts::change(conn, &alert.id, &change, at.naive_utc())? {
        return Err(ApiError::AlertResolved);
    }
    let updated = alerts::find(conn, &alert.id)?.ok_or(ApiError::NotFound)?;
    record(
        conn,
        &updated,
        name,
        Some(actor),
        Some(alert.status),
        detail.as_deref(),
        at,
    )?;
    let event = match action {
        Action::Acknowledge => Event::Acknowledged,
        Action::Snooze => Event::Snoozed,
        Action::Resolve => Event::Resolved,
    };
    emit(conn, event, &updated, at)?;
    Ok(Ok(updated))
}

/// Puts alerts whose snooze has ended back to open, with the overdue clock
/// started again, each with its history row and `alert.reopened`, in the
/// caller's transaction; returns how many.
pub fn reopen_ended_snoozes(conn: &mut DbConnection, at: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut reopened = 0;
    for alert in alert_queries::snooze_ended(conn, at.naive_utc())? {
        if alerts::change(conn, &alert.id, &Change::SnoozeEnded, at.naive_utc())? {
            let updated = alerts::find(conn, &alert.id)?.ok_or(ApiError::NotFound)?;
            record(
                conn,
                &updated,
                "reopened",
                None,
                Some(alert.status),
                Some("snooze ended"),
                at,
            )?;
            emit(conn, Event::Reopened, &updated, at)?;
            reopened += 1;
        }
    }
    Ok(reopened)
}

/// Before a read of alerts: reopens ended snoozes in a transaction of their
/// own (SQLite's write turn), and only when there is one to reopen, so that
/// a read writes nothing in the common case. Returns how many.
pub async fn reopen_ended_snoozes_before_read(
    db: &db::Db,
    at: DateTime<Utc>,
) -> Result<usize, ApiError> {
    if !db
        .run(move |conn| alert_queries::any_snooze_ended(conn, at.naive_utc()))
        .await?
    {
        return Ok(0);
    }
    db.transaction(move |conn| reopen_ended_snoozes(conn, at))
        .await
}

/// Emits `alert.overdue` once for each open urgent or emergency alert left
/// unacknowledged for `after` since it reached its level.
pub fn report_overdue(
    conn: &mut DbConnection,
    at: DateTime<Utc>,
    after: Duration,
) -> Result<Vec<Alert>, ApiError> {
    let mut reported = Vec::new();
    for alert in alert_queries::overdue_candidates(conn, (at - after).naive_utc())? {
        let raised = utc(alert.raised_at.unwrap_or(alert.created_at));
        let notified = alert.overdue_notified_at.is_some();
        if !is_overdue(alert.level, alert.status, raised, notified, at, after) {
            continue;
        }
        if alerts::mark_overdue(conn, &alert.id, at.naive_utc())? {
            record(conn, &alert, "overdue", None, Some(alert.status), None, at)?;
            emit(conn, Event::Overdue, &alert, at)?;
            reported.push(alert);
        }
    }
    Ok(reported)
}
