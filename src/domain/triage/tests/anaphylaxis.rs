//! Rule 1: anaphylaxis and the systemic reactions within and after the acute window.

use super::*;

// Rule 1: suspected_anaphylaxis, severe_systemic_reaction,
// possible_allergic_reaction

#[test]
fn anaphylaxis_involvement_thresholds_within_the_acute_window() {
    check_allergic(&[
        ("hives 1 is not S", acute(&[(Hives, 1)]), NOT_ALLERGIC),
        ("hives 2 is S alone", acute(&[(Hives, 2)]), POSSIBLE),
        ("flushing 1 is not S", acute(&[(Flushing, 1)]), NOT_ALLERGIC),
        ("flushing 2 is S alone", acute(&[(Flushing, 2)]), POSSIBLE),
        (
            "lip/tongue 0",
            acute(&[(LipTongueSwelling, 0)]),
            NOT_ALLERGIC,
        ),
        (
            "lip/tongue 1 is S alone",
            acute(&[(LipTongueSwelling, 1)]),
            POSSIBLE,
        ),
        (
            "throat 1 is R alone",
            acute(&[(ThroatTightness, 1)]),
            SUSPECTED,
        ),
        (
            "breathing 1 is not R",
            acute(&[(DifficultyBreathing, 1)]),
            NOT_ALLERGIC,
        ),
        (
            "breathing 2 is R alone",
            acute(&[(DifficultyBreathing, 2)]),
            SUSPECTED,
        ),
        ("breathing 3", acute(&[(DifficultyBreathing, 3)]), SUSPECTED),
        ("fainting 1 is C alone", acute(&[(Fainting, 1)]), POSSIBLE),
        (
            "dizziness 2 is not C",
            acute(&[(Dizziness, 2)]),
            NOT_ALLERGIC,
        ),
        ("dizziness 3 is C alone", acute(&[(Dizziness, 3)]), POSSIBLE),
        ("vomiting 1 is not G", acute(&[(Vomiting, 1)]), NOT_ALLERGIC),
        ("vomiting 2 is G alone", acute(&[(Vomiting, 2)]), POSSIBLE),
        ("nausea 2 is not G", acute(&[(Nausea, 2)]), NOT_ALLERGIC),
        ("nausea 3 is G alone", acute(&[(Nausea, 3)]), POSSIBLE),
        (
            "abdominal pain 2 is not G",
            acute(&[(AbdominalPain, 2)]),
            NOT_ALLERGIC,
        ),
        (
            "abdominal pain 3 is G alone",
            acute(&[(AbdominalPain, 3)]),
            POSSIBLE,
        ),
        (
            "S and R",
            acute(&[(Hives, 2), (ThroatTightness, 1)]),
            SUSPECTED,
        ),
        (
            "S and C",
            acute(&[(Flushing, 2), (Dizziness, 3)]),
            SUSPECTED,
        ),
        ("S and G", acute(&[(Hives, 2), (Vomiting, 2)]), SUSPECTED),
        ("C and G", acute(&[(Fainting, 1), (Vomiting, 2)]), SUSPECTED),
        (
            "R and G",
            acute(&[(DifficultyBreathing, 2), (Nausea, 3)]),
            SUSPECTED,
        ),
        (
            "S with G below",
            acute(&[(Hives, 2), (Vomiting, 1)]),
            POSSIBLE,
        ),
        (
            "S with C below",
            acute(&[(Hives, 2), (Dizziness, 2)]),
            POSSIBLE,
        ),
        ("systolic 89", acute(&[]).bp(89.0), SUSPECTED),
        ("systolic 90", acute(&[]).bp(90.0), NOT_ALLERGIC),
        (
            "fainting with systolic 89",
            acute(&[(Fainting, 1)]).bp(89.0),
            SUSPECTED,
        ),
        (
            "local symptoms only",
            acute(&[(Redness, 4), (Swelling, 4)]),
            NOT_ALLERGIC,
        ),
    ]);
}

#[test]
fn nausea_or_abdominal_pain_alone_is_never_suspected_anaphylaxis() {
    check_allergic(&[
        ("nausea 4", acute(&[(Nausea, 4)]), POSSIBLE),
        ("abdominal pain 4", acute(&[(AbdominalPain, 4)]), POSSIBLE),
        (
            "both at 4",
            acute(&[(Nausea, 4), (AbdominalPain, 4)]),
            POSSIBLE,
        ),
    ]);
}

#[test]
fn the_acute_window_ends_at_24_hours_elapsed() {
    check_allergic(&[
        (
            "R alone at 23:59:59",
            at(hms(23, 59, 59), &[(ThroatTightness, 1)]),
            SUSPECTED,
        ),
        (
            "R alone at 24:00:00",
            at(hms(24, 0, 0), &[(ThroatTightness, 1)]),
            POSSIBLE,
        ),
        (
            "S and G at 23:59:59",
            at(hms(23, 59, 59), &[(Hives, 2), (Vomiting, 2)]),
            SUSPECTED,
        ),
        (
            "S and G at 24:00:00",
            at(hms(24, 0, 0), &[(Hives, 2), (Vomiting, 2)]),
            SEVERE,
        ),
        (
            "S alone at 24:00:00",
            at(hms(24, 0, 0), &[(Hives, 2)]),
            POSSIBLE,
        ),
        (
            "G alone at 23:59:59",
            at(hms(23, 59, 59), &[(Vomiting, 2)]),
            POSSIBLE,
        ),
        (
            "G alone at 24:00:00",
            at(hms(24, 0, 0), &[(Vomiting, 2)]),
            NOT_ALLERGIC,
        ),
        (
            "hypotension alone at 23:59:59",
            at(hms(23, 59, 59), &[]).bp(85.0),
            SUSPECTED,
        ),
        (
            "hypotension alone at 24:00:00",
            at(hms(24, 0, 0), &[]).bp(85.0),
            POSSIBLE,
        ),
    ]);
    // The window is elapsed time, not the calendar day: 23:59:59 is day 1
    // for a morning treatment and still acute.
    let mut late_evening = at(hms(23, 59, 59), &[(ThroatTightness, 1)]);
    late_evening.day = 1;
    assert_eq!(allergic(&run(&late_evening)), SUSPECTED);
}

#[test]
fn after_the_window_the_same_patterns_are_severe_systemic_or_possible() {
    check_allergic(&[
        ("S alone", after_window(&[(Hives, 2)]), POSSIBLE),
        (
            "C alone (fainting)",
            after_window(&[(Fainting, 1)]),
            POSSIBLE,
        ),
        (
            "C alone (dizziness 3)",
            after_window(&[(Dizziness, 3)]),
            POSSIBLE,
        ),
        (
            "S and R",
            after_window(&[(Flushing, 2), (ThroatTightness, 1)]),
            SEVERE,
        ),
        (
            "S and C",
            after_window(&[(Hives, 2), (Fainting, 1)]),
            SEVERE,
        ),
        (
            "S and G",
            after_window(&[(Hives, 2), (Vomiting, 2)]),
            SEVERE,
        ),
        (
            "C and G",
            after_window(&[(Dizziness, 3), (AbdominalPain, 3)]),
            SEVERE,
        ),
        (
            "S and breathing 1",
            after_window(&[(Hives, 2), (DifficultyBreathing, 1)]),
            SEVERE,
        ),
        (
            "lip/tongue 2 is S and R",
            after_window(&[(LipTongueSwelling, 2)]),
            SEVERE,
        ),
        (
            "hypotension with S",
            after_window(&[(Hives, 2)]).bp(80.0),
            SEVERE,
        ),
    ]);
}

#[test]
fn after_the_window_r_alone_or_hypotension_alone_is_urgent_unless_severe() {
    check_allergic(&[
        ("throat 1", after_window(&[(ThroatTightness, 1)]), POSSIBLE),
        ("throat 2", after_window(&[(ThroatTightness, 2)]), POSSIBLE),
        ("throat 3", after_window(&[(ThroatTightness, 3)]), SEVERE),
        ("throat 4", after_window(&[(ThroatTightness, 4)]), SEVERE),
        (
            "breathing 2",
            after_window(&[(DifficultyBreathing, 2)]),
            POSSIBLE,
        ),
        (
            "breathing 3",
            after_window(&[(DifficultyBreathing, 3)]),
            SEVERE,
        ),
        (
            "throat 2 and breathing 2",
            after_window(&[(ThroatTightness, 2), (DifficultyBreathing, 2)]),
            POSSIBLE,
        ),
        ("systolic 89 alone", after_window(&[]).bp(89.0), POSSIBLE),
        (
            "systolic 90 alone",
            after_window(&[]).bp(90.0),
            NOT_ALLERGIC,
        ),
        (
            "systolic 89 with fainting 1",
            after_window(&[(Fainting, 1)]).bp(89.0),
            SEVERE,
        ),
        (
            "systolic 89 with confusion 2",
            after_window(&[(Confusion, 2)]).bp(89.0),
            SEVERE,
        ),
        (
            "systolic 89 with confusion 1",
            after_window(&[(Confusion, 1)]).bp(89.0),
            POSSIBLE,
        ),
        (
            "systolic 89 with dizziness 3",
            after_window(&[(Dizziness, 3)]).bp(89.0),
            POSSIBLE,
        ),
        (
            "fainting 1 without hypotension",
            after_window(&[(Fainting, 1)]).bp(90.0),
            POSSIBLE,
        ),
        (
            "baseline 130, systolic 90 alone",
            after_window(&[]).baseline(130.0).bp(90.0),
            POSSIBLE,
        ),
        (
            "baseline 130, systolic 90 with fainting",
            after_window(&[(Fainting, 1)]).baseline(130.0).bp(90.0),
            SEVERE,
        ),
    ]);
}

#[test]
fn after_the_window_g_alone_yields_nothing_without_an_earlier_allergic_finding() {
    check_allergic(&[
        ("vomiting 2", after_window(&[(Vomiting, 2)]), NOT_ALLERGIC),
        ("vomiting 4", after_window(&[(Vomiting, 4)]), NOT_ALLERGIC),
        ("nausea 3", after_window(&[(Nausea, 3)]), NOT_ALLERGIC),
        (
            "abdominal pain 3",
            after_window(&[(AbdominalPain, 3)]),
            NOT_ALLERGIC,
        ),
        (
            "all of G on day 5",
            on_day(5, &[(Vomiting, 3), (Nausea, 3), (AbdominalPain, 3)]),
            NOT_ALLERGIC,
        ),
    ]);
}
