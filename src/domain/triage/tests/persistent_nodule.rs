//! Rules 6 and 7: a persistent local reaction, a delayed nodule.

use super::*;

// Rule 6: persistent_local_reaction

#[test]
fn persistent_local_reaction_after_the_configured_days() {
    use Rule::PersistentLocalReaction as P;
    check(&[
        ("redness 1 on day 7", on_day(7, &[(Redness, 1)]), P, NO),
        ("redness 1 on day 8", on_day(8, &[(Redness, 1)]), P, W),
        ("redness 2 on day 8", on_day(8, &[(Redness, 2)]), P, W),
        ("pain 3 on day 8", on_day(8, &[(Pain, 3)]), P, U),
        ("swelling 4 on day 7", on_day(7, &[(Swelling, 4)]), P, NO),
        ("numbness 1 on day 8", on_day(8, &[(Numbness, 1)]), P, W),
        ("discharge 1 on day 9", on_day(9, &[(Discharge, 1)]), P, W),
        (
            "discoloration 1 on day 9",
            on_day(9, &[(SkinDiscoloration, 1)]),
            P,
            W,
        ),
        (
            "headache 3 is not local",
            on_day(9, &[(Headache, 3)]),
            P,
            NO,
        ),
        ("hives 2 is not local", on_day(9, &[(Hives, 2)]), P, NO),
        ("lump 1 on day 13", on_day(13, &[(Lump, 1)]), P, W),
        (
            "lump 1 on day 14 is delayed_nodule's",
            on_day(14, &[(Lump, 1)]),
            P,
            NO,
        ),
        (
            "lump 3 on day 14 is delayed_nodule's",
            on_day(14, &[(Lump, 3)]),
            P,
            NO,
        ),
        ("redness 1 on day 90", on_day(90, &[(Redness, 1)]), P, W),
    ]);
    let custom = Thresholds {
        persistence_days: 10,
    };
    check_with(
        &History::default(),
        &custom,
        &[
            ("persistence 10: day 8", on_day(8, &[(Redness, 1)]), P, NO),
            ("persistence 10: day 10", on_day(10, &[(Redness, 1)]), P, NO),
            ("persistence 10: day 11", on_day(11, &[(Redness, 1)]), P, W),
            (
                "persistence 10: pain 3 on day 11",
                on_day(11, &[(Pain, 3)]),
                P,
                U,
            ),
        ],
    );
}

#[test]
fn persistent_reasons_give_the_first_day_reported() {
    let history = History::of(&[
        on_day(5, &[(Redness, 2), (Swelling, 1)]),
        on_day(2, &[(Redness, 1)]),
        on_day(0, &[(Pain, 0)]),
    ]);
    let t = triage(
        &on_day(8, &[(Redness, 1), (Swelling, 1), (Itching, 2)]),
        &history,
        &Thresholds::default(),
    );
    let f = finding(&t, Rule::PersistentLocalReaction).unwrap();
    assert_eq!(f.level, Level::Warning);
    let reason = |code: &str| {
        f.reasons
            .iter()
            .find(|r| mentions(r, code))
            .unwrap_or_else(|| panic!("no reason names {code}: {:?}", f.reasons))
    };
    assert!(
        reason("redness").contains("first reported on day 2"),
        "{:?}",
        f.reasons
    );
    assert!(
        reason("swelling").contains("first reported on day 5"),
        "{:?}",
        f.reasons
    );
    assert!(
        reason("itching").contains("first reported today"),
        "{:?}",
        f.reasons
    );

    let t = run(&on_day(8, &[(Bruising, 1)]));
    let f = finding(&t, Rule::PersistentLocalReaction).unwrap();
    assert!(
        f.reasons[0].contains("first reported today"),
        "{:?}",
        f.reasons
    );

    let history = History::of(&[on_day(0, &[(Numbness, 1)])]);
    let t = triage(
        &on_day(8, &[(Numbness, 1)]),
        &history,
        &Thresholds::default(),
    );
    let f = finding(&t, Rule::PersistentLocalReaction).unwrap();
    assert!(
        f.reasons[0].contains("first reported on day 0"),
        "{:?}",
        f.reasons
    );
}

// ---------------------------------------------------------------------------
// Rule 7: delayed_nodule

#[test]
fn delayed_nodule_thresholds() {
    use Rule::DelayedNodule as N;
    check(&[
        ("lump 1 on day 13", on_day(13, &[(Lump, 1)]), N, NO),
        ("lump 3 on day 13", on_day(13, &[(Lump, 3)]), N, NO),
        ("lump 1 on day 14", on_day(14, &[(Lump, 1)]), N, W),
        ("lump 2 on day 14", on_day(14, &[(Lump, 2)]), N, W),
        ("lump 3 on day 14", on_day(14, &[(Lump, 3)]), N, U),
        ("lump 0 on day 14", on_day(14, &[(Redness, 2)]), N, NO),
        (
            "lump 2 with redness 2",
            on_day(21, &[(Lump, 2), (Redness, 2)]),
            N,
            U,
        ),
        (
            "lump 2 with redness 1",
            on_day(21, &[(Lump, 2), (Redness, 1)]),
            N,
            W,
        ),
        (
            "lump 2 with pain 2",
            on_day(21, &[(Lump, 2), (Pain, 2)]),
            N,
            U,
        ),
        (
            "lump 2 with pain 1",
            on_day(21, &[(Lump, 2), (Pain, 1)]),
            N,
            W,
        ),
        (
            "lump 2 with discharge 1",
            on_day(21, &[(Lump, 2), (Discharge, 1)]),
            N,
            U,
        ),
        (
            "lump 1 with redness 2",
            on_day(21, &[(Lump, 1), (Redness, 2)]),
            N,
            W,
        ),
        (
            "lump 1 with discharge 3",
            on_day(21, &[(Lump, 1), (Discharge, 3)]),
            N,
            W,
        ),
        (
            "lump 2 with swelling 4",
            on_day(21, &[(Lump, 2), (Swelling, 4)]),
            N,
            W,
        ),
        ("lump 1 on day 90", on_day(90, &[(Lump, 1)]), N, W),
    ]);
}

#[test]
fn from_day_14_a_lump_is_delayed_nodules_alone() {
    let history = History::of(&[on_day(7, &[(Lump, 1), (Redness, 1)])]);
    let t = triage(&on_day(14, &[(Lump, 4)]), &history, &Thresholds::default());
    assert_eq!(rules(&t), vec![Rule::DelayedNodule], "{:#?}", t.findings);
    assert_eq!(t.level, Level::Urgent);

    let t = triage(
        &on_day(14, &[(Lump, 3), (Redness, 2)]),
        &history,
        &Thresholds::default(),
    );
    assert_eq!(level_of(&t, Rule::DelayedNodule), U);
    assert_eq!(level_of(&t, Rule::PersistentLocalReaction), W);
    assert_eq!(level_of(&t, Rule::WorseningLocalReaction), W);
    for f in &t.findings {
        if f.rule != Rule::DelayedNodule {
            assert!(
                !f.names_symptom(Lump),
                "{} names lump: {f:#?}",
                f.rule.as_str()
            );
        }
    }
    assert_eq!(level_of(&t, Rule::SevereSymptom), NO);

    // Before day 14 the lump is a local symptom like any other.
    let t = triage(&on_day(13, &[(Lump, 4)]), &history, &Thresholds::default());
    assert_eq!(level_of(&t, Rule::DelayedNodule), NO);
    assert_eq!(level_of(&t, Rule::PersistentLocalReaction), U);
    assert_eq!(level_of(&t, Rule::WorseningLocalReaction), W);
    assert!(finding(&t, Rule::PersistentLocalReaction)
        .unwrap()
        .names_symptom(Lump));
    assert!(finding(&t, Rule::WorseningLocalReaction)
        .unwrap()
        .names_symptom(Lump));
    assert_eq!(level_of(&t, Rule::SevereSymptom), NO);

    // A lump of 3 on day 10 (under the persistence days) is severe_symptom's.
    let t = triage(
        &on_day(10, &[(Lump, 3)]),
        &History::default(),
        &Thresholds {
            persistence_days: 10,
        },
    );
    assert_eq!(rules(&t), vec![Rule::SevereSymptom]);
}
