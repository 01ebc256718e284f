//! Alerts, their evidence and their history (the outbox rows their events
//! leave are in `outbox`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{alert_events, alert_evidence, alerts};
use super::{standings, DbConnection};
use crate::domain::alerts::Status;
use crate::domain::triage::{Level, Rule};
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = alerts)]
pub struct Alert {
    pub id: String,
    pub patient_id: String,
    pub treatment_id: String,
    pub rule: Rule,
    pub level: Level,
    /// 2 warning, 3 urgent, 4 emergency: sorts most severe first.
    pub level_rank: i32,
    pub status: Status,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub snoozed_until: Option<NaiveDateTime>,
    pub snooze_reason: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolution_outcome: Option<String>,
    pub resolution_note: Option<String>,
    pub overdue_notified_at: Option<NaiveDateTime>,
    /// When the alert reached its current level: overdue counts from here.
    pub raised_at: Option<NaiveDateTime>,
}

/// An alert as it opens: at its finding's level, open, the overdue clock
/// started; everything else empty.
#[derive(Insertable)]
#[diesel(table_name = alerts)]
pub struct NewAlert<'a> {
    pub id: &'a str,
    pub patient_id: &'a str,
    pub treatment_id: &'a str,
    pub rule: Rule,
    pub level: Level,
    pub level_rank: i32,
    pub status: Status,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub raised_at: Option<NaiveDateTime>,
}

impl<'a> NewAlert<'a> {
    pub fn opening(
        id: &'a str,
        patient_id: &'a str,
        treatment_id: &'a str,
        rule: Rule,
        level: Level,
        at: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            patient_id,
            treatment_id,
            rule,
            level,
            level_rank: level.rank(),
            status: Status::Open,
            created_at: at,
            updated_at: at,
            raised_at: Some(at),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = alert_evidence)]
pub struct NewEvidence<'a> {
    pub id: &'a str,
    pub alert_id: &'a str,
    pub checkin_id: Option<&'a str>,
    pub observed_at: NaiveDateTime,
    pub level: Level,
    /// JSON array of reasons.
    pub reasons: &'a str,
    pub created_at: NaiveDateTime,
    /// Made by triaging the check-in again after an earlier one arrived.
    pub retriaged: bool,
}

#[derive(Insertable)]
#[diesel(table_name = alert_events)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub alert_id: &'a str,
    pub action: &'a str,
    pub actor_id: Option<&'a str>,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub level: Level,
    pub detail: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// The active alert for the key, locked on PostgreSQL until the
/// transaction ends: what a finding does is decided on the alert it will
/// write to, not on one a physician changes meanwhile (SQLite's writers
/// already take turns).
pub fn find_active_for_update(
    conn: &mut DbConnection,
    treatment_id: &str,
    rule: Rule,
) -> Result<Option<Alert>, ApiError> {
    let active = alerts::table
        .filter(alerts::treatment_id.eq(treatment_id))
        .filter(alerts::rule.eq(rule))
        .filter(alerts::status.ne(Status::Resolved));
    Ok(match conn {
        DbConnection::Postgres(pg) => active
            .select(Alert::as_select())
            .for_no_key_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => {
            active.select(Alert::as_select()).first(sqlite).optional()?
        }
    })
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Alert>, ApiError> {
    Ok(alerts::table
        .find(id)
        .select(Alert::as_select())
        .first(conn)
        .optional()?)
}

/// The alert, locked on PostgreSQL until the transaction ends, so that a
/// physician's action is checked against the alert it changes: an
/// escalation either waits for it or is seen by it.
pub fn find_for_update(conn: &mut DbConnection, id: &str) -> Result<Option<Alert>, ApiError> {
    Ok(match conn {
        DbConnection::Postgres(pg) => alerts::table
            .find(id)
            .select(Alert::as_select())
            .for_no_key_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => alerts::table
            .find(id)
            .select(Alert::as_select())
            .first(sqlite)
            .optional()?,
    })
}

/// Opens the alert; returns it as stored.
pub fn insert(conn: &mut DbConnection, alert: &NewAlert<'_>) -> Result<Alert, ApiError> {
    let insert = diesel::insert_into(alerts::table).values(alert);
    // RETURNING is spelled per backend: diesel's MultiConnection has no
    // portable form of it.
    let stored = match conn {
        DbConnection::Postgres(pg) => insert.returning(Alert::as_returning()).get_result(pg)?,
        DbConnection::Sqlite(sqlite) => {
            insert.returning(Alert::as_returning()).get_result(sqlite)?
        }
    };
    standings::recount_alerts(conn, &stored.treatment_id)?;
    Ok(stored)
}

/// Raises the level; the alert is open again for whoever acknowledged or
/// snoozed the lower one.
pub fn escalate(
    conn: &mut DbConnection,
    id: &str,
    level: Level,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(alerts::table.find(id))
        .set((
            alerts::level.eq(level),
            alerts::level_rank.eq(level.rank()),
            alerts::status.eq(Status::Open),
            alerts::updated_at.eq(at),
            alerts::acknowledged_by.eq(None::<String>),
            alerts::acknowledged_at.eq(None::<NaiveDateTime>),
            alerts::snoozed_until.eq(None::<NaiveDateTime>),
            alerts::snooze_reason.eq(None::<String>),
            alerts::overdue_notified_at.eq(None::<NaiveDateTime>),
            alerts::raised_at.eq(at),
        ))
        .execute(conn)?;
    standings::alert_changed(conn, id)
}

/// Back to open, with the overdue clock started again: whoever snoozed or
/// acknowledged it has news to see.
#[derive(AsChangeset)]
#[diesel(table_name = alerts, treat_none_as_null = true)]
struct Reopening {
    status: Status,
    acknowledged_by: Option<String>,
    acknowledged_at: Option<NaiveDateTime>,
    snoozed_until: Option<NaiveDateTime>,
    snooze_reason: Option<String>,
    overdue_notified_at: Option<NaiveDateTime>,
    raised_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl Reopening {
    fn at(at: NaiveDateTime) -> Self {
        Self {
            status: Status::Open,
            acknowledged_by: None,
            acknowledged_at: None,
            snoozed_until: None,
            snooze_reason: None,
            overdue_notified_at: None,
            raised_at: Some(at),
            updated_at: at,
        }
    }
}

/// Reopens an active alert on new evidence; returns whether it changed.
pub fn reopen(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<bool, ApiError> {
    let updated = diesel::update(
        alerts::table
            .find(id)
            .filter(alerts::status.ne(Status::Resolved)),
    )
    .set(Reopening::at(at))
    .execute(conn)?;
    if updated == 1 {
        standings::alert_changed(conn, id)?;
    }
    Ok(updated == 1)
}

/// Marks the evidence this check-in gave alerts of this rule (any status)
/// as superseded: triaged again, the check-in no longer has the finding.
/// Returns how many rows changed.
pub fn supersede_evidence(
    conn: &mut DbConnection,
    checkin_id: &str,
    rule: Rule,
) -> Result<usize, ApiError> {
    let of_rule = alerts::table
        .filter(alerts::rule.eq(rule))
        .select(alerts::id);
    Ok(diesel::update(
        alert_evidence::table
            .filter(alert_evidence::checkin_id.eq(checkin_id))
            .filter(alert_evidence::alert_id.eq_any(of_rule))
            .filter(alert_evidence::superseded.eq(false)),
    )
    .set(alert_evidence::superseded.eq(true))
    .execute(conn)?)
}

pub fn touch(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(alerts::table.find(id))
        .set(alerts::updated_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn add_evidence(conn: &mut DbConnection, evidence: &NewEvidence<'_>) -> Result<(), ApiError> {
    diesel::insert_into(alert_evidence::table)
        .values(evidence)
        .execute(conn)?;
    Ok(())
}

pub fn add_event(conn: &mut DbConnection, event: &NewEvent<'_>) -> Result<(), ApiError> {
    diesel::insert_into(alert_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

/// Whether any alert of the key already carries evidence with exactly these
/// reasons: how time-based rules stay idempotent across runs.
pub fn has_evidence(
    conn: &mut DbConnection,
    treatment_id: &str,
    rule: &str,
    reasons: &str,
) -> Result<bool, ApiError> {
    let count: i64 = alert_evidence::table
        .inner_join(alerts::table)
        .filter(alerts::treatment_id.eq(treatment_id))
        .filter(alerts::rule.eq(rule))
        .filter(alert_evidence::reasons.eq(reasons))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// A physician's change of status. Each update only applies while the alert
/// is still active, so a concurrent resolve wins cleanly; returns whether
/// the row changed.
pub enum Change<'a> {
    Acknowledge {
        by: &'a str,
    },
    Snooze {
        until: NaiveDateTime,
        reason: &'a str,
    },
    Resolve {
        by: &'a str,
        outcome: &'a str,
        note: &'a str,
    },
    /// The snooze ended: open again, with the overdue clock started again.
    SnoozeEnded,
}

pub fn change(
    conn: &mut DbConnection,
    id: &str,
    change: &Change<'_>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let target = alerts::table
        .find(id)
        .filter(alerts::status.ne(Status::Resolved));
    let none_at = None::<NaiveDateTime>;
    let none_text = None::<String>;
    let updated = match change {
        Change::Acknowledge { by } => diesel::update(target)
            .set((
                alerts::status.eq(Status::Acknowledged),
                alerts::acknowledged_by.eq(Some(*by)),
                alerts::acknowledged_at.eq(Some(at)),
                alerts::snoozed_until.eq(none_at),
                alerts::snooze_reason.eq(none_text),
                alerts::updated_at.eq(at),
            ))
            .execute(conn)?,
        Change::Snooze { until, reason } => diesel::update(target)
            .set((
                alerts::status.eq(Status::Snoozed),
                alerts::snoozed_until.eq(Some(*until)),
                alerts::snooze_reason.eq(Some(*reason)),
                alerts::updated_at.eq(at),
            ))
            .execute(conn)?,
        Change::Resolve { by, outcome, note } => diesel::update(target)
            .set((
                alerts::status.eq(Status::Resolved),
                alerts::resolved_by.eq(Some(*by)),
                alerts::resolved_at.eq(Some(at)),
                alerts::resolution_outcome.eq(Some(*outcome)),
                alerts::resolution_note.eq(Some(*note)),
                alerts::snoozed_until.eq(none_at),
                alerts::updated_at.eq(at),
            ))
            .execute(conn)?,
        Change::SnoozeEnded => diesel::update(
            alerts::table
                .find(id)
                .filter(alerts::status.eq(Status::Snoozed))
                .filter(alerts::snoozed_until.le(at)),
        )
        .set(Reopening::at(at))
        .execute(conn)?,
    };
    if updated == 1 {
        standings::alert_changed(conn, id)?;
    }
    Ok(updated == 1)
}

/// Marks the alert overdue unless another run already did.
pub fn mark_overdue(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let updated = diesel::update(
        alerts::table
            .find(id)
            .filter(alerts::overdue_notified_at.is_null())
            .filter(alerts::status.eq(Status::Open)),
    )
    .set(alerts::overdue_notified_at.eq(Some(at)))
    .execute(conn)?;
    Ok(updated == 1)
}
