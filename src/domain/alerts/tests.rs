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
