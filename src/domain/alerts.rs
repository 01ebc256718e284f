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
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn findings_open_escalate_reopen_or_add_evidence() {
        use Decision::*;
        use Level::{Emergency as E, Info as I, None as N, Urgent as U, Warning as W};
        use Status::{Acknowledged as Ack, Open as O, Resolved as R, Snoozed as S};
        // The alert was acknowledged at minute 0 where it is acknowledged.
        let active = |level, status| Active {
            level,
            status,
            acknowledged_at: (status == Ack).then(|| at(0)),
        };
        #[rustfmt::skip]
        type Case = (&'static str, Option<Active>, Level, i64, Option<Decision>);
        let cases: &[Case] = &[
            ("below warning opens nothing", None, I, 0, Option::None),
            ("no level opens nothing", None, N, 0, Option::None),
            (
                "below warning is no evidence either",
                Some(active(U, O)),
                I,
                0,
                Option::None,
            ),
            ("a warning opens", None, W, 0, Some(Open)),
            ("an emergency opens", None, E, 0, Some(Open)),
            (
                "a resolved alert is no active one",
                Some(active(U, R)),
                U,
                0,
                Some(Open),
            ),
            (
                "higher escalates an open alert",
                Some(active(W, O)),
                U,
                0,
                Some(Escalate),
            ),
            (
                "higher escalates a snoozed alert",
                Some(active(W, S)),
                E,
                0,
                Some(Escalate),
            ),
            (
                "higher escalates an acknowledged alert",
                Some(active(U, Ack)),
                E,
                -5,
                Some(Escalate),
            ),
            (
                "the same level adds to an open alert",
                Some(active(U, O)),
                U,
                5,
                Some(AddEvidence),
            ),
            (
                "lower adds to an open alert",
                Some(active(E, O)),
                W,
                5,
                Some(AddEvidence),
            ),
            (
                "its level ends a snooze",
                Some(active(U, S)),
                U,
                5,
                Some(Reopen),
            ),
            (
                "its level ends a warning's snooze",
                Some(active(W, S)),
                W,
                5,
                Some(Reopen),
            ),
            (
                "lower does not end a snooze",
                Some(active(U, S)),
                W,
                5,
                Some(AddEvidence),
            ),
            (
                "lower does not end an emergency's snooze",
                Some(active(E, S)),
                U,
                5,
                Some(AddEvidence),
            ),
            (
                "an emergency reopens an acknowledged emergency",
                Some(active(E, Ack)),
                E,
                -5,
                Some(Reopen),
            ),
            (
                "urgent does not reopen an acknowledged emergency",
                Some(active(E, Ack)),
                U,
                5,
                Some(AddEvidence),
            ),
            (
                "urgent after the acknowledgement reopens",
                Some(active(U, Ack)),
                U,
                1,
                Some(Reopen),
            ),
            (
                "urgent before the acknowledgement adds",
                Some(active(U, Ack)),
                U,
                -1,
                Some(AddEvidence),
            ),
            (
                "urgent at the acknowledgement adds",
                Some(active(U, Ack)),
                U,
                0,
                Some(AddEvidence),
            ),
            (
                "a warning does not reopen an acknowledged urgent",
                Some(active(U, Ack)),
                W,
                5,
                Some(AddEvidence),
            ),
            (
                "a warning does not reopen an acknowledged warning",
                Some(active(W, Ack)),
                W,
                5,
                Some(AddEvidence),
            ),
        ];
        for (name, active, level, minutes, expected) in cases {
            let evidence = Evidence {
                level: *level,
                observed_at: at(*minutes),
            };
            assert_eq!(on_finding(*active, evidence), *expected, "{name}");
        }
        // An acknowledgement of unknown time cannot have covered the news.
        let unknown = Active {
            level: U,
            status: Ack,
            acknowledged_at: Option::None,
        };
        let evidence = Evidence {
            level: U,
            observed_at: at(-60),
        };
        assert_eq!(on_finding(Some(unknown), evidence), Some(Reopen));
    }

    #[test]
    fn decisions_name_their_events() {
        assert_eq!(event_for(Decision::Open), Some(Event::Created));
        assert_eq!(event_for(Decision::Escalate), Some(Event::Escalated));
        assert_eq!(event_for(Decision::Reopen), Some(Event::Reopened));
        assert_eq!(event_for(Decision::AddEvidence), Option::None);
        assert_eq!(Event::Reopened.as_str(), "alert.reopened");
        assert_eq!(Event::Snoozed.as_str(), "alert.snoozed");
        assert_eq!(Status::parse("snoozed"), Some(Status::Snoozed));
    }

    #[test]
    fn actions_move_active_alerts_and_never_a_resolved_one() {
        use Level::{Emergency as E, Urgent as U, Warning as W};
        use Status::*;
        let any = Seen::ANYTHING;
        for level in [W, U, E] {
            for from in [Open, Acknowledged, Snoozed] {
                assert_eq!(
                    after_action(from, level, Action::Acknowledge, any),
                    Ok(Acknowledged)
                );
                assert_eq!(
                    after_action(from, level, Action::Resolve, any),
                    Ok(Resolved)
                );
            }
            for action in [Action::Acknowledge, Action::Snooze, Action::Resolve] {
                assert_eq!(
                    after_action(Resolved, level, action, any),
                    Err(Refusal::Resolved)
                );
            }
        }
    }

    #[test]
    fn urgent_and_emergency_alerts_are_snoozed_only_once_acknowledged() {
        use Level::{Emergency as E, Urgent as U, Warning as W};
        use Status::*;
        #[rustfmt::skip]
        let cases = [
            (W, Open, Ok(Snoozed)),
            (W, Acknowledged, Ok(Snoozed)),
            (W, Snoozed, Ok(Snoozed)),
            (U, Open, Err(Refusal::AcknowledgeFirst)),
            (E, Open, Err(Refusal::AcknowledgeFirst)),
            (U, Acknowledged, Ok(Snoozed)),
            (E, Acknowledged, Ok(Snoozed)),
            // Only an acknowledged one can have been snoozed: again is fine.
            (U, Snoozed, Ok(Snoozed)),
            (E, Snoozed, Ok(Snoozed)),
        ];
        for (level, status, expected) in cases {
            assert_eq!(
                after_action(status, level, Action::Snooze, Seen::ANYTHING),
                expected,
                "{level:?} {status:?}"
            );
        }
    }

    #[test]
    fn requests_that_saw_another_alert_are_refused_in_order() {
        use Level::{Emergency as E, Urgent as U};
        use Status::*;
        let seen = |level, current_version| Seen {
            level,
            current_version,
        };
        #[rustfmt::skip]
        let cases = [
            // (status, level now, action, seen, outcome)
            (Open, E, Action::Acknowledge, seen(Some(U), true), Err(Refusal::LevelChanged)),
            (Open, E, Action::Acknowledge, seen(Some(E), true), Ok(Acknowledged)),
            (Open, E, Action::Acknowledge, seen(None, false), Err(Refusal::StaleVersion)),
            (Open, E, Action::Resolve, seen(Some(U), true), Err(Refusal::LevelChanged)),
            (Acknowledged, U, Action::Snooze, seen(Some(E), true), Err(Refusal::LevelChanged)),
            // A stale version is reported before a changed level.
            (Open, E, Action::Acknowledge, seen(Some(U), false), Err(Refusal::StaleVersion)),
            // A resolved alert is reported before either.
            (Resolved, E, Action::Acknowledge, seen(Some(U), false), Err(Refusal::Resolved)),
            // A changed level is reported before acknowledge_first.
            (Open, E, Action::Snooze, seen(Some(U), true), Err(Refusal::LevelChanged)),
            (Open, E, Action::Snooze, seen(None, false), Err(Refusal::StaleVersion)),
            (Open, E, Action::Snooze, seen(Some(E), true), Err(Refusal::AcknowledgeFirst)),
        ];
        for (status, level, action, seen, expected) in cases {
            assert_eq!(
                after_action(status, level, action, seen),
                expected,
                "{status:?} {level:?} {action:?} {seen:?}"
            );
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
