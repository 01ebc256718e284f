//! The alert state machine (clinical-rules.md, "Alerts").
//!
//! An alert is *active* until it is resolved: open, acknowledged or
//! snoozed. There is at most one active alert per (treatment, rule). A
//! finding at warning or above opens one when none is active; a higher level
//! escalates the active one, which also puts it back to open (a physician
//! who acknowledged "moderate" has not yet seen "emergency"); the same or a
//! lower level only adds evidence and notifies nobody.

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
}
