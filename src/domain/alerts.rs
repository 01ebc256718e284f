//! The alert state machine (clinical-rules.md, "Alerts").
//!
//! An alert is *active* until it is resolved: open, acknowledged or
//! snoozed. There is at most one active alert per (treatment, rule). A
//! finding at warning or above opens one when none is active; a higher level
//! escalates the active one, which also puts it back to open (a physician
//! who acknowledged "moderate" has not yet seen "emergency"); the same or a
//! lower level only adds evidence and notifies nobody.
//!
//! A physician acknowledges, snoozes (with a reason, at most 24 hours) or
//! resolves an active alert; a resolved alert takes no further action. A
//! snoozed alert is open again at its end. An urgent or emergency alert that
//! stays open (not acknowledged, not snoozed) for the overdue time after it
//! reached its level is overdue once per level.

use crate::domain::triage::Level;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Open,
    Acknowledged,
    Snoozed,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
            Self::Snoozed => "snoozed",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Open,
            Self::Acknowledged,
            Self::Snoozed,
            Self::Resolved,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }

    pub const ACTIVE: [&'static str; 3] = ["open", "acknowledged", "snoozed"];
}

/// Events written to the outbox for webhook receivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Created,
    Escalated,
    Overdue,
    Acknowledged,
    Resolved,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "alert.created",
            Self::Escalated => "alert.escalated",
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

/// The status an action leaves, or `None` when the alert is resolved and
/// takes no more actions. Acknowledging an acknowledged alert changes
/// nothing; snoozing again moves the end.
pub fn after_action(current: Status, action: Action) -> Option<Status> {
    if current == Status::Resolved {
        return None;
    }
    Some(match action {
        Action::Acknowledge => Status::Acknowledged,
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
    /// Add the check-in as evidence; nobody is notified.
    AddEvidence,
}

/// What a finding does, given the level of the active alert for its key.
pub fn on_finding(active: Option<Level>, finding: Level) -> Option<Decision> {
    if finding < Level::Warning {
        return None;
    }
    Some(match active {
        None => Decision::Open,
        Some(current) if finding > current => Decision::Escalate,
        Some(_) => Decision::AddEvidence,
    })
}

/// The event a decision emits, if any.
pub fn event_for(decision: Decision) -> Option<Event> {
    match decision {
        Decision::Open => Some(Event::Created),
        Decision::Escalate => Some(Event::Escalated),
        Decision::AddEvidence => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_open_escalate_or_add_evidence() {
        use Level::*;
        assert_eq!(on_finding(Option::None, Level::None), Option::None);
        assert_eq!(on_finding(Option::None, Info), Option::None);
        assert_eq!(on_finding(Option::None, Warning), Some(Decision::Open));
        assert_eq!(on_finding(Some(Warning), Urgent), Some(Decision::Escalate));
        assert_eq!(
            on_finding(Some(Urgent), Urgent),
            Some(Decision::AddEvidence)
        );
        assert_eq!(
            on_finding(Some(Emergency), Warning),
            Some(Decision::AddEvidence)
        );
        assert_eq!(event_for(Decision::Escalate), Some(Event::Escalated));
        assert_eq!(event_for(Decision::AddEvidence), Option::None);
        assert_eq!(Status::parse("snoozed"), Some(Status::Snoozed));
    }

    #[test]
    fn actions_move_active_alerts_and_never_a_resolved_one() {
        use Status::*;
        for from in [Open, Acknowledged, Snoozed] {
            assert_eq!(after_action(from, Action::Acknowledge), Some(Acknowledged));
            assert_eq!(after_action(from, Action::Snooze), Some(Snoozed));
            assert_eq!(after_action(from, Action::Resolve), Some(Resolved));
        }
        for action in [Action::Acknowledge, Action::Snooze, Action::Resolve] {
            assert_eq!(after_action(Resolved, action), Option::None);
        }
    }

    #[test]
    fn snoozes_end_in_the_next_24_hours() {
        let now = chrono::Utc::now();
        assert!(snooze_end_problem(now, now).is_some());
        assert!(snooze_end_problem(now, now + chrono::Duration::seconds(1)).is_none());
        assert!(snooze_end_problem(now, now + MAX_SNOOZE).is_none());
        assert!(snooze_end_problem(now, now + MAX_SNOOZE + chrono::Duration::seconds(1)).is_some());
    }

    #[test]
    fn only_open_urgent_or_emergency_alerts_become_overdue_once() {
        let now = chrono::Utc::now();
        let ten = chrono::Duration::minutes(10);
        let raised = now - ten;
        assert!(is_overdue(
            Level::Urgent,
            Status::Open,
            raised,
            false,
            now,
            ten
        ));
        assert!(is_overdue(
            Level::Emergency,
            Status::Open,
            raised,
            false,
            now,
            ten
        ));
        assert!(!is_overdue(
            Level::Warning,
            Status::Open,
            raised,
            false,
            now,
            ten
        ));
        assert!(!is_overdue(
            Level::Urgent,
            Status::Acknowledged,
            raised,
            false,
            now,
            ten
        ));
        assert!(!is_overdue(
            Level::Urgent,
            Status::Snoozed,
            raised,
            false,
            now,
            ten
        ));
        assert!(!is_overdue(
            Level::Urgent,
            Status::Open,
            raised,
            true,
            now,
            ten
        ));
        let just_before = now - ten + chrono::Duration::seconds(1);
        assert!(!is_overdue(
            Level::Urgent,
            Status::Open,
            just_before,
            false,
            now,
            ten
        ));
    }

    #[test]
    fn outcomes_parse_and_map_to_fhir() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
        }
        assert_eq!(Outcome::parse("cured"), Option::None);
        assert_eq!(
            Outcome::RecoveredWithSequelae.fhir_code(),
            "resolvedWithSequelae"
        );
    }
}
