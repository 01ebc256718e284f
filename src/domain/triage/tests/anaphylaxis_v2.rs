//! Rule 1 as version 2 changed it.

use super::*;

// What changed from version 1, item 2.

#[test]
fn v2_respiratory_involvement_alone_within_the_window_is_an_emergency() {
    let t = run(&acute(&[(ThroatTightness, 1)]));
    assert_eq!(allergic(&t), SUSPECTED);
    assert_eq!(t.level, Level::Emergency);
    assert!(finding(&t, Rule::SuspectedAnaphylaxis)
        .unwrap()
        .names_symptom(ThroatTightness));
}

#[test]
fn v2_lip_tongue_swelling_2_involves_r_as_well_as_s() {
    check_allergic(&[
        (
            "lip/tongue 1: S alone",
            acute(&[(LipTongueSwelling, 1)]),
            POSSIBLE,
        ),
        (
            "lip/tongue 2: S and R",
            acute(&[(LipTongueSwelling, 2)]),
            SUSPECTED,
        ),
        (
            "lip/tongue 4: S and R",
            acute(&[(LipTongueSwelling, 4)]),
            SUSPECTED,
        ),
        (
            "lip/tongue 2 after the window: still two systems",
            after_window(&[(LipTongueSwelling, 2)]),
            SEVERE,
        ),
        (
            "lip/tongue 1 after the window: S alone",
            after_window(&[(LipTongueSwelling, 1)]),
            POSSIBLE,
        ),
    ]);
    let t = run(&acute(&[(LipTongueSwelling, 2)]));
    let f = finding(&t, Rule::SuspectedAnaphylaxis).unwrap();
    assert!(f.names_symptom(LipTongueSwelling));
    assert!(
        f.reasons.iter().any(|r| r.contains("respiratory")),
        "{:?}",
        f.reasons
    );
}

#[test]
fn v2_confusion_2_involves_c_only_beside_another_system() {
    let both = run(&acute(&[(Confusion, 2), (Vomiting, 2)]));
    assert_eq!(allergic(&both), SUSPECTED);
    assert_eq!(level_of(&both, Rule::AlteredConsciousness), U);
    assert!(finding(&both, Rule::SuspectedAnaphylaxis)
        .unwrap()
        .names_symptom(Confusion));

    let alone = run(&acute(&[(Confusion, 2)]));
    assert_eq!(rules(&alone), vec![Rule::AlteredConsciousness]);
    assert_eq!(alone.level, Level::Urgent);

    let severe_alone = run(&acute(&[(Confusion, 4)]));
    assert_eq!(rules(&severe_alone), vec![Rule::AlteredConsciousness]);
    assert_eq!(severe_alone.level, Level::Emergency);

    check_allergic(&[
        (
            "confusion 1 with vomiting 2: G alone",
            acute(&[(Confusion, 1), (Vomiting, 2)]),
            POSSIBLE,
        ),
        (
            "confusion 2 with hives 2: S and C",
            acute(&[(Confusion, 2), (Hives, 2)]),
            SUSPECTED,
        ),
        (
            "confusion 2 with hives 1: nothing",
            acute(&[(Confusion, 2), (Hives, 1)]),
            NOT_ALLERGIC,
        ),
        (
            "confusion 3 with fainting 1: C alone",
            acute(&[(Confusion, 3), (Fainting, 1)]),
            POSSIBLE,
        ),
        (
            "confusion 2 with vomiting 2 after the window: C and G",
            after_window(&[(Confusion, 2), (Vomiting, 2)]),
            SEVERE,
        ),
        (
            "confusion 2 alone after the window",
            after_window(&[(Confusion, 2)]),
            NOT_ALLERGIC,
        ),
    ]);
}

#[test]
fn v2_skin_involvement_with_any_breathing_difficulty_is_an_emergency() {
    check_allergic(&[
        (
            "hives 2, breathing 1",
            acute(&[(Hives, 2), (DifficultyBreathing, 1)]),
            SUSPECTED,
        ),
        (
            "flushing 2, breathing 1",
            acute(&[(Flushing, 2), (DifficultyBreathing, 1)]),
            SUSPECTED,
        ),
        (
            "lip/tongue 1, breathing 1",
            acute(&[(LipTongueSwelling, 1), (DifficultyBreathing, 1)]),
            SUSPECTED,
        ),
        (
            "hives 1, breathing 1",
            acute(&[(Hives, 1), (DifficultyBreathing, 1)]),
            NOT_ALLERGIC,
        ),
        ("hives 2, breathing 0", acute(&[(Hives, 2)]), POSSIBLE),
    ]);
    let t = run(&acute(&[(Hives, 2), (DifficultyBreathing, 1)]));
    let f = finding(&t, Rule::SuspectedAnaphylaxis).unwrap();
    assert!(f.names_symptom(Hives) && f.names_symptom(DifficultyBreathing));
}

#[test]
fn v2_breathing_difficulty_beside_s_and_r_is_named_in_the_reasons() {
    // difficulty_breathing 1 met the threshold of "S and difficulty_breathing
    // >= 1", so the finding names it; its reasons must then mention it.
    for (name, o) in [
        (
            "hives 2, throat 1, breathing 1",
            acute(&[(Hives, 2), (ThroatTightness, 1), (DifficultyBreathing, 1)]),
        ),
        (
            "lip/tongue 2, breathing 1",
            acute(&[(LipTongueSwelling, 2), (DifficultyBreathing, 1)]),
        ),
    ] {
        let t = run(&o);
        assert_eq!(allergic(&t), SUSPECTED, "{name}");
        assert_reasons_name_inputs(name, &t);
    }
}

#[test]
fn v2_hypotension_is_below_90_or_a_fall_of_more_than_30_percent() {
    check_allergic(&[
        ("no baseline, systolic 89", acute(&[]).bp(89.0), SUSPECTED),
        (
            "no baseline, systolic 90",
            acute(&[]).bp(90.0),
            NOT_ALLERGIC,
        ),
        (
            "baseline 130, systolic 90 (900 < 910)",
            acute(&[]).baseline(130.0).bp(90.0),
            SUSPECTED,
        ),
        (
            "baseline 130, systolic 91 (910 = 910)",
            acute(&[]).baseline(130.0).bp(91.0),
            NOT_ALLERGIC,
        ),
        (
            "baseline 130, systolic 89",
            acute(&[]).baseline(130.0).bp(89.0),
            SUSPECTED,
        ),
        (
            "baseline 160, systolic 111",
            acute(&[]).baseline(160.0).bp(111.0),
            SUSPECTED,
        ),
        (
            "baseline 160, systolic 112",
            acute(&[]).baseline(160.0).bp(112.0),
            NOT_ALLERGIC,
        ),
        (
            "baseline 110, systolic 90",
            acute(&[]).baseline(110.0).bp(90.0),
            NOT_ALLERGIC,
        ),
        (
            "baseline, no reading",
            acute(&[]).baseline(130.0),
            NOT_ALLERGIC,
        ),
    ]);
    let t = run(&acute(&[]).baseline(130.0).bp(90.0));
    let f = finding(&t, Rule::SuspectedAnaphylaxis).unwrap();
    assert!(f.names.contains(&Input::SystolicBp));
    assert!(
        f.reasons.iter().any(|r| r.contains("systolic BP 90")),
        "{:?}",
        f.reasons
    );
}
