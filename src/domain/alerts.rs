//! The alert state machine (clinical-rules.md, "Alerts").
//!
//! An alert is *active* until it is resolved: open, acknowledged or
//! snoozed. There is at most one active alert per (treatment, rule). A
//! finding at warning or above opens one when none is active; a higher level
//! escalates the active one, which also puts it back to open (a physician
//! who acknowledged "moderate" has not yet seen "emergency"); the same or a
//! lower level only adds evidence and notifies nobody, unless it is news to
//! whoever set the alert aside: it ends a snooze at the alert's level,
//! repeats an acknowledged emergency, or is urgent and observed after the
//! acknowledgement of an urgent alert. Those reopen the alert.
//!
//! A physician acknowledges, snoozes (with a reason, at most 24 hours) or
//! resolves an active alert; a resolved alert takes no further action, and
//! an urgent or emergency one is snoozed only once acknowledged. A request
//! that names the level or version the physician saw is refused when the
//! alert has changed since. A snoozed alert is open again at its end. An
//! urgent or emergency alert that stays open (not acknowledged, not
//! snoozed) for the overdue time after it was last raised or reopened is
//! overdue once per opening.

use chrono::{DateTime, Utc};

use crate::domain::triage::Level;

codes! {
    pub enum Status {
        Open => "open",
        Acknowledged => "acknowledged",
        Snoozed => "snoozed",
        Resolved => "resolved",
    }
}

impl Status {
    /// Every status but resolved: what still needs a physician.
    pub const ACTIVE: [Status; 3] = [Self::Open, Self::Acknowledged, Self::Snoozed];
}

/// Events written to the outbox for webhook receivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Created,
    Escalated,
    Reopened,
    Snoozed,
    Overdue,
    Acknowledged,
    Resolved,
}

impl Event {
    pub const ALL: [Self; 7] = [
        Self::Created,
        Self::Escalated,
        Self::Reopened,
        Self::Snoozed,
        Self::Overdue,
        Self::Acknowledged,
        Self::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "alert.created",
            Self::Escalated => "alert.escalated",
            Self::Reopened => "alert.reopened",
            Self::Snoozed => "alert.snoozed",
            Self::Overdue => "alert.overdue",
            Self::Acknowledged => "alert.acknowledged",
            Self::Resolved => "alert.resolved",
        }
    }
}

/// A physician's action on an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    Snooze,
    Resolve,
}

/// What the physician had in front of them when they asked: the level they
/// name (if they named one) and whether the version they name (If-Match)
/// is the alert's current one (true when they named none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub level: Option<Level>,
    pub current_version: bool,
}

impl Seen {
    /// A request that names neither: it acts on the alert as it is.
    pub const ANYTHING: Self = Self {
        level: None,
        current_version: true,
    };
}

/// Why an action is refused, in the order the checks are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The alert is resolved and takes no more actions.
    Resolved,
    /// The version the physician saw is not the current one (If-Match).
    StaleVersion,
    /// The level the physician saw is not the current one.
    LevelChanged,
    /// An urgent or emergency alert is snoozed only once acknowledged: a
    /// snooze must not stand in for having seen it.
    AcknowledgeFirst,
}

/// The status an action leaves, or why it is refused. Acknowledging an
/// acknowledged alert changes nothing; snoozing again moves the end.
pub fn after_action(
    status: Status,
    level: Level,
    action: Action,
    seen: Seen,
) -> Result<Status, Refusal> {
    if status == Status::Resolved {
        return Err(Refusal::Resolved);
    }
    if !seen.current_version {
        return Err(Refusal::StaleVersion);
    }
    if seen.level.is_some_and(|seen| seen != level) {
        return Err(Refusal::LevelChanged);
    }
    Ok(match action {
        Action::Acknowledge => Status::Acknowledged,
        Action::Snooze if status == Status::Open && level >= Level::Urgent => {
            return Err(Refusal::AcknowledgeFirst)
        }
        Action::Snooze => Status::Snoozed,
        Action::Resolve => Status::Resolved,
    })
}

/// The longest snooze: a day.
pub const MAX_SNOOZE: chrono::Duration = chrono::Duration::hours(24);

/// Why a snooze end is refused, if it is.
pub fn snooze_end_problem(
    now: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
) -> Option<&'static str> {
    if until <= now {
        Some("must be in the future")
    } else if until > now + MAX_SNOOZE {
        Some("must be at most 24 hours ahead")
    } else {
        None
    }
}

/// Whether an alert is overdue: urgent or emergency, open, not yet
/// reported overdue at this level, and raised at least `after` ago.
pub fn is_overdue(
    level: Level,
    status: Status,
    raised_at: chrono::DateTime<chrono::Utc>,
    already_notified: bool,
    now: chrono::DateTime<chrono::Utc>,
    after: chrono::Duration,
) -> bool {
    level >= Level::Urgent
        && status == Status::Open
        && !already_notified
        && now - raised_at >= after
}

/// How an alert ended, after FHIR AdverseEvent.outcome, plus two of the
/// clinic's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Recovered,
    Recovering,
    Ongoing,
    RecoveredWithSequelae,
    FalseAlarm,
    Referred,
}

impl Outcome {
    pub const ALL: [Self; 6] = [
        Self::Recovered,
        Self::Recovering,
        Self::Ongoing,
        Self::RecoveredWithSequelae,
        Self::FalseAlarm,
        Self::Referred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recovered => "recovered",
            Self::Recovering => "recovering",
            Self::Ongoing => "ongoing",
            Self::RecoveredWithSequelae => "recovered_with_sequelae",
            Self::FalseAlarm => "false_alarm",
            Self::Referred => "referred",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == raw)
    }

    /// The FHIR R4 adverse-event-outcome code; the clinic's own outcomes map
    /// to the nearest one (a false alarm had no event to recover from; a
    /// referral leaves it ongoing here).
    pub fn fhir_code(self) -> &'static str {
        match self {
            Self::Recovered | Self::FalseAlarm => "resolved",
            Self::Recovering => "recovering",
            Self::Ongoing | Self::Referred => "ongoing",
            Self::RecoveredWithSequelae => "resolvedWithSequelae",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Open a new alert at the finding's level (event `alert.created`).
    Open,
    /// Raise the active alert to the finding's level (`alert.escalated`).
    Escalate,
    /// Put the active alert back to open at its level (`alert.reopened`):
    /// the evidence is news to whoever snoozed or acknowledged it.
    Reopen,
    /// Add the check-in as evidence; nobody is notified.
    AddEvidence,
}

/// The active alert for a finding's key, as the decision needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Active {
    pub level: Level,
    pub status: Status,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// A finding, as evidence: its level and when the check-in was observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub level: Level,
    pub observed_at: DateTime<Utc>,
}

/// What a finding does to the active alert for its key (none: it opens
/// one), or `None` for a finding below warning.
pub fn on_finding(active: Option<Active>, evidence: Evidence) -> Option<Decision> {
    if evidence.level < Level::Warning {
        return None;
    }
    let Some(active) = active.filter(|a| a.status != Status::Resolved) else {
        return Some(Decision::Open);
    };
    if evidence.level > active.level {
        return Some(Decision::Escalate);
    }
    let at_its_level = evidence.level == active.level;
    let reopens = match active.status {
        Status::Snoozed => at_its_level,
        Status::Acknowledged => match active.level {
            Level::Emergency => at_its_level,
            // An acknowledgement covers what was reported before it; with
            // no time to compare, the physician cannot have seen it.
            Level::Urgent => {
                at_its_level
                    && active
                        .acknowledged_at
                        .is_none_or(|acknowledged| evidence.observed_at > acknowledged)
            }
            _ => false,
        },
        Status::Open | Status::Resolved => false,
    };
    Some(if reopens {
        Decision::Reopen
    } else {
        Decision::AddEvidence
    })
}

/// The event a decision emits, if any.
pub fn event_for(decision: Decision) -> Option<Event> {
    match decision {
        Decision::Open => Some(Event::Created),
        Decision::Escalate => Some(Event::Escalated),
        Decision::Reopen => Some(Event::Reopened),
        Decision::AddEvidence => None,
    }
}

#[cfg(test)]
mod tests;
