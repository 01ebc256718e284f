//! Rule 1 after the acute window: biphasic reactions.

use super::*;

// Biphasic reactions: the earlier allergic finding.

/// A history with one allergic check-in (hives 2: S alone, urgent) at
/// `elapsed`.
fn allergic_earlier_at(elapsed: Duration) -> History {
    History::of(&[at(elapsed, &[(Hives, 2)])])
}

#[test]
fn v2_after_the_window_an_earlier_allergic_finding_makes_r_or_hypotension_alone_an_emergency() {
    let earlier = allergic_earlier_at(Duration::hours(10));
    check_allergic_with(
        &earlier,
        &[
            (
                "throat 1",
                at(hms(30, 0, 0), &[(ThroatTightness, 1)]),
                SEVERE,
            ),
            (
                "breathing 2",
                at(hms(30, 0, 0), &[(DifficultyBreathing, 2)]),
                SEVERE,
            ),
            ("systolic 89 alone", at(hms(30, 0, 0), &[]).bp(89.0), SEVERE),
            (
                "S alone stays urgent",
                at(hms(30, 0, 0), &[(Hives, 2)]),
                POSSIBLE,
            ),
            (
                "C alone (fainting) stays urgent",
                at(hms(30, 0, 0), &[(Fainting, 1)]),
                POSSIBLE,
            ),
            (
                "G alone is urgent",
                at(hms(30, 0, 0), &[(Vomiting, 2)]),
                POSSIBLE,
            ),
            (
                "nothing allergic",
                at(hms(30, 0, 0), &[(Redness, 2)]),
                NOT_ALLERGIC,
            ),
            (
                "throat 1 at 71:59:59 after it",
                at(hms(81, 59, 59), &[(ThroatTightness, 1)]),
                SEVERE,
            ),
            (
                "throat 1 at 72:00:00 after it",
                at(hms(82, 0, 0), &[(ThroatTightness, 1)]),
                POSSIBLE,
            ),
            (
                "G alone at 71:59:59 after it",
                at(hms(81, 59, 59), &[(Vomiting, 2)]),
                POSSIBLE,
            ),
            (
                "G alone at 72:00:00 after it",
                at(hms(82, 0, 0), &[(Vomiting, 2)]),
                NOT_ALLERGIC,
            ),
            (
                "systolic 89 at 72:00:00 after it",
                at(hms(82, 0, 0), &[]).bp(89.0),
                POSSIBLE,
            ),
        ],
    );
    // Without an earlier allergic finding, the same check-ins.
    let unrelated = History::of(&[at(Duration::hours(10), &[(Redness, 2), (Vomiting, 1)])]);
    check_allergic_with(
        &unrelated,
        &[
            (
                "throat 1, no earlier finding",
                at(hms(30, 0, 0), &[(ThroatTightness, 1)]),
                POSSIBLE,
            ),
            (
                "G alone, no earlier finding",
                at(hms(30, 0, 0), &[(Vomiting, 2)]),
                NOT_ALLERGIC,
            ),
        ],
    );
    let t = triage(
        &at(hms(30, 0, 0), &[(ThroatTightness, 1)]),
        &earlier,
        &Thresholds::default(),
    );
    let f = finding(&t, Rule::SevereSystemicReaction).unwrap();
    assert!(
        f.reasons
            .iter()
            .any(|r| r.contains("earlier allergic finding")),
        "{:?}",
        f.reasons
    );
}

#[test]
fn v2_every_kind_of_allergic_finding_opens_the_biphasic_window() {
    let kinds = [
        (
            "suspected_anaphylaxis",
            at(Duration::hours(1), &[(ThroatTightness, 1)]),
        ),
        (
            "severe_systemic_reaction",
            at(Duration::hours(30), &[(Hives, 2), (Vomiting, 2)]),
        ),
        (
            "possible_allergic_reaction within the window",
            at(Duration::hours(1), &[(Vomiting, 2)]),
        ),
        (
            "possible_allergic_reaction after the window",
            at(Duration::hours(30), &[(Hives, 2)]),
        ),
    ];
    for (name, earlier) in kinds {
        let history = History::of(&[earlier]);
        let later = at(Duration::hours(60), &[(Vomiting, 2)]);
        let t = triage(&later, &history, &Thresholds::default());
        assert_eq!(allergic(&t), POSSIBLE, "{name}: {:#?}", t.findings);
    }
}

#[test]
fn v2_an_echo_does_not_renew_the_biphasic_window() {
    let first = at(Duration::hours(2), &[(Hives, 2)]);
    // G alone after the window: urgent only because of `first`.
    let echo = at(Duration::hours(60), &[(Vomiting, 2)]);
    let t = triage(&echo, &History::of(&[first]), &Thresholds::default());
    assert_eq!(allergic(&t), POSSIBLE);

    // 98 h after `first`, 40 h after the echo: no earlier allergic finding.
    let history = History::of(&[first, echo]);
    check_allergic_with(
        &history,
        &[
            (
                "G alone after the echo",
                at(Duration::hours(100), &[(Vomiting, 2)]),
                NOT_ALLERGIC,
            ),
            (
                "R alone after the echo",
                at(Duration::hours(100), &[(ThroatTightness, 1)]),
                POSSIBLE,
            ),
            (
                "hypotension alone after the echo",
                at(Duration::hours(100), &[]).bp(85.0),
                POSSIBLE,
            ),
        ],
    );
    // Whatever order they are folded in.
    assert_eq!(History::of(&[echo, first]), history);
}

#[test]
fn an_r_alone_finding_raised_by_an_earlier_one_is_an_echo() {
    // The after-window emergency "or there is an earlier allergic finding"
    // is a biphasic clause: its finding does not renew the window.
    let first = at(Duration::hours(2), &[(Hives, 2)]);
    let second = at(Duration::hours(60), &[(ThroatTightness, 1)]);
    assert_eq!(
        allergic(&triage(
            &second,
            &History::of(&[first]),
            &Thresholds::default()
        )),
        SEVERE
    );
    let history = History::of(&[first, second]);
    check_allergic_with(
        &history,
        &[(
            "R alone 40 h after the echo, 98 h after the first",
            at(Duration::hours(100), &[(ThroatTightness, 1)]),
            POSSIBLE,
        )],
    );
}
