//! Table tests (clinical-rules.md version 2): each rule at, just below and
//! just above each threshold, and one test per item of "What changed from
//! version 1" that the triage engine implements.

use chrono::Duration;

use super::*;
use crate::domain::symptoms::Severities;
use crate::domain::symptoms::Symptom::{self, *};

const NO: Option<Level> = None;
const W: Option<Level> = Some(Level::Warning);
const U: Option<Level> = Some(Level::Urgent);
const E: Option<Level> = Some(Level::Emergency);

/// The one allergic finding (rule 1) a check-in may have.
type Allergic = Option<(Rule, Level)>;
const NOT_ALLERGIC: Allergic = None;
const SUSPECTED: Allergic = Some((Rule::SuspectedAnaphylaxis, Level::Emergency));
const SEVERE: Allergic = Some((Rule::SevereSystemicReaction, Level::Emergency));
const POSSIBLE: Allergic = Some((Rule::PossibleAllergicReaction, Level::Urgent));

fn hms(hours: i64, minutes: i64, seconds: i64) -> Duration {
    Duration::hours(hours) + Duration::minutes(minutes) + Duration::seconds(seconds)
}

/// A check-in `elapsed` after an injection (not into the face or scalp),
/// on day `elapsed / 24 h`.
fn at(elapsed: Duration, symptoms: &[(Symptom, u8)]) -> Observation {
    let mut severities = Severities::default();
    for (s, v) in symptoms {
        severities.set(*s, *v);
    }
    Observation {
        day: elapsed.num_hours().div_euclid(24),
        elapsed,
        severities,
        ..Observation::default()
    }
}

/// A check-in at 2 hours past the treatment's time of day on `day`: day 0
/// is within the acute window, day 1 on is not.
fn on_day(day: i64, symptoms: &[(Symptom, u8)]) -> Observation {
    at(Duration::days(day) + Duration::hours(2), symptoms)
}

/// Within the acute window (2 hours after the treatment, day 0).
fn acute(symptoms: &[(Symptom, u8)]) -> Observation {
    on_day(0, symptoms)
}

/// After the acute window (30 hours after the treatment, day 1).
fn after_window(symptoms: &[(Symptom, u8)]) -> Observation {
    at(Duration::hours(30), symptoms)
}

/// Treatment and vitals, set on an observation.
trait Set: Sized {
    fn iv(self) -> Self;
    fn face(self) -> Self;
    fn baseline(self, systolic: f64) -> Self;
    fn glucose(self, glucose: Glucose) -> Self;
    fn bp(self, systolic: f64) -> Self;
    fn temperature(self, celsius: f64) -> Self;
    fn care(self, care: MedicalCare) -> Self;
}

impl Set for Observation {
    fn iv(mut self) -> Self {
        self.treatment.route = Route::Intravenous;
        self
    }
    fn face(mut self) -> Self {
        self.treatment.face_or_scalp = true;
        self
    }
    fn baseline(mut self, systolic: f64) -> Self {
        self.treatment.baseline_systolic_bp = Some(systolic);
        self
    }
    fn glucose(mut self, glucose: Glucose) -> Self {
        self.vitals.glucose = Some(glucose);
        self
    }
    fn bp(mut self, systolic: f64) -> Self {
        self.vitals.systolic_bp = Some(systolic);
        self
    }
    fn temperature(mut self, celsius: f64) -> Self {
        self.vitals.temperature_c = Some(celsius);
        self
    }
    fn care(mut self, care: MedicalCare) -> Self {
        self.medical_care = care;
        self
    }
}

fn mg(value: f64) -> Glucose {
    Glucose::mg_dl(value)
}

fn mmol(value: f64) -> Glucose {
    Glucose::mmol_l(value)
}

fn run(o: &Observation) -> Triage {
    triage(o, &History::default(), &Thresholds::default())
}

fn finding(t: &Triage, rule: Rule) -> Option<&Finding> {
    t.findings.iter().find(|f| f.rule == rule)
}

fn level_of(t: &Triage, rule: Rule) -> Option<Level> {
    finding(t, rule).map(|f| f.level)
}

fn rules(t: &Triage) -> Vec<Rule> {
    t.findings.iter().map(|f| f.rule).collect()
}

fn allergic(t: &Triage) -> Allergic {
    let found: Vec<(Rule, Level)> = t
        .findings
        .iter()
        .filter(|f| f.rule.is_allergic())
        .map(|f| (f.rule, f.level))
        .collect();
    assert!(
        found.len() <= 1,
        "more than one allergic finding: {found:?}"
    );
    found.first().copied()
}

/// Whether `text` mentions `word` as a whole word ("pain" is not in
/// "abdominal_pain").
fn mentions(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

fn input_word(input: Input) -> &'static str {
    match input {
        Input::Symptom(s) => s.code(),
        Input::Glucose => "glucose",
        Input::SystolicBp => "systolic BP",
        Input::Temperature => "temperature",
        Input::MedicalCare => "medical care",
    }
}

/// Every finding has reasons, and they name each input it names.
fn assert_reasons_name_inputs(name: &str, t: &Triage) {
    for f in &t.findings {
        assert!(!f.reasons.is_empty(), "{name}: {f:#?}");
        for input in &f.names {
            assert!(
                f.reasons.iter().any(|r| mentions(r, input_word(*input))),
                "{name}: {} names {input:?} but no reason mentions {:?}: {:#?}",
                f.rule.as_str(),
                input_word(*input),
                f.reasons
            );
        }
    }
}

/// (case, observation, rule, expected level of that rule's finding or NO),
/// with no history and the default thresholds.
fn check(cases: &[(&str, Observation, Rule, Option<Level>)]) {
    check_with(&History::default(), &Thresholds::default(), cases);
}

fn check_with(
    history: &History,
    thresholds: &Thresholds,
    cases: &[(&str, Observation, Rule, Option<Level>)],
) {
    for (name, o, rule, expected) in cases {
        let t = triage(o, history, thresholds);
        assert_eq!(
            level_of(&t, *rule),
            *expected,
            "{name}: {}: {:#?}",
            rule.as_str(),
            t.findings
        );
        assert_reasons_name_inputs(name, &t);
    }
}

/// (case, observation, the allergic finding expected), against `history`.
fn check_allergic_with(history: &History, cases: &[(&str, Observation, Allergic)]) {
    for (name, o, expected) in cases {
        let t = triage(o, history, &Thresholds::default());
        assert_eq!(allergic(&t), *expected, "{name}: {:#?}", t.findings);
        assert_reasons_name_inputs(name, &t);
    }
}

fn check_allergic(cases: &[(&str, Observation, Allergic)]) {
    check_allergic_with(&History::default(), cases);
}

// ---------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------
// Rule 2: hypoglycaemia

#[test]
fn hypoglycaemia_thresholds_in_mg_dl() {
    use Rule::Hypoglycaemia as H;
    check(&[
        ("70 is not low", on_day(1, &[]).glucose(mg(70.0)), H, NO),
        ("69.9 is low", on_day(1, &[]).glucose(mg(69.9)), H, W),
        (
            "54 is low, not very low",
            on_day(1, &[]).glucose(mg(54.0)),
            H,
            W,
        ),
        ("53.9 is very low", on_day(1, &[]).glucose(mg(53.9)), H, U),
        ("40 is very low", on_day(1, &[]).glucose(mg(40.0)), H, U),
        (
            "confusion 2 with 69.9",
            on_day(1, &[(Confusion, 2)]).glucose(mg(69.9)),
            H,
            E,
        ),
        (
            "confusion 1 with 69.9",
            on_day(1, &[(Confusion, 1)]).glucose(mg(69.9)),
            H,
            W,
        ),
        (
            "confusion 1 with 53.9",
            on_day(1, &[(Confusion, 1)]).glucose(mg(53.9)),
            H,
            U,
        ),
        (
            "fainting 1 with 53.9",
            on_day(1, &[(Fainting, 1)]).glucose(mg(53.9)),
            H,
            E,
        ),
        (
            "confusion 3 with 70",
            on_day(1, &[(Confusion, 3)]).glucose(mg(70.0)),
            H,
            NO,
        ),
        (
            "fainting 1 with 70",
            on_day(1, &[(Fainting, 1)]).glucose(mg(70.0)),
            H,
            NO,
        ),
    ]);
}

#[test]
fn hypoglycaemia_thresholds_in_mmol_l() {
    use Rule::Hypoglycaemia as H;
    check(&[
        ("3.9 is not low", on_day(1, &[]).glucose(mmol(3.9)), H, NO),
        ("3.8 is low", on_day(1, &[]).glucose(mmol(3.8)), H, W),
        (
            "3.0 is low, not very low",
            on_day(1, &[]).glucose(mmol(3.0)),
            H,
            W,
        ),
        ("2.9 is very low", on_day(1, &[]).glucose(mmol(2.9)), H, U),
        (
            "confusion 2 with 3.8",
            on_day(1, &[(Confusion, 2)]).glucose(mmol(3.8)),
            H,
            E,
        ),
        (
            "fainting 1 with 2.9",
            on_day(1, &[(Fainting, 1)]).glucose(mmol(2.9)),
            H,
            E,
        ),
        (
            "fainting 1 with 3.9",
            on_day(1, &[(Fainting, 1)]).glucose(mmol(3.9)),
            H,
            NO,
        ),
    ]);
}

#[test]
fn probable_symptomatic_hypoglycaemia_without_a_reading() {
    use Rule::Hypoglycaemia as H;
    check(&[
        ("one autonomic symptom", on_day(1, &[(ColdSweat, 3)]), H, NO),
        (
            "two autonomic symptoms at 1",
            on_day(1, &[(ColdSweat, 1), (Tremor, 1)]),
            H,
            W,
        ),
        (
            "palpitations and hunger",
            on_day(1, &[(Palpitations, 1), (Hunger, 1)]),
            H,
            W,
        ),
        (
            "two autonomic with confusion 2",
            on_day(1, &[(ColdSweat, 1), (Tremor, 1), (Confusion, 2)]),
            H,
            E,
        ),
        (
            "two autonomic with fainting 1",
            on_day(1, &[(ColdSweat, 1), (Hunger, 1), (Fainting, 1)]),
            H,
            E,
        ),
        (
            "two autonomic with confusion 1",
            on_day(1, &[(ColdSweat, 1), (Tremor, 1), (Confusion, 1)]),
            H,
            W,
        ),
        (
            "one autonomic with fainting 1",
            on_day(1, &[(ColdSweat, 2), (Fainting, 1)]),
            H,
            NO,
        ),
        (
            "a normal reading clears autonomic symptoms",
            on_day(
                1,
                &[(ColdSweat, 4), (Tremor, 4), (Palpitations, 4), (Hunger, 4)],
            )
            .glucose(mg(90.0)),
            H,
            NO,
        ),
        (
            "so does a normal reading in mmol/L",
            on_day(1, &[(ColdSweat, 2), (Tremor, 2)]).glucose(mmol(5.5)),
            H,
            NO,
        ),
    ]);
}

#[test]
fn v2_glucose_is_compared_in_the_reported_unit() {
    use Rule::Hypoglycaemia as H;
    // 3.89 mmol/L is 70.02 mg/dL: low in the unit reported.
    // 2.99 mmol/L is 53.82 mg/dL; 3.0 mmol/L is exactly 54.0 mg/dL.
    check(&[
        (
            "3.89 mmol/L is low",
            on_day(1, &[]).glucose(mmol(3.89)),
            H,
            W,
        ),
        (
            "2.99 mmol/L is very low",
            on_day(1, &[]).glucose(mmol(2.99)),
            H,
            U,
        ),
        (
            "3.0 mmol/L is not very low",
            on_day(1, &[]).glucose(mmol(3.0)),
            H,
            W,
        ),
        (
            "69.99 mg/dL is low",
            on_day(1, &[]).glucose(mg(69.99)),
            H,
            W,
        ),
    ]);
}

#[test]
fn v2_glucose_reasons_print_the_reported_value_and_its_mg_dl_equivalent() {
    let t = run(&on_day(1, &[]).glucose(mmol(3.8)));
    let f = finding(&t, Rule::Hypoglycaemia).unwrap();
    assert!(
        f.reasons
            .iter()
            .any(|r| r.contains("3.8 mmol/L (68.4 mg/dL)")),
        "{:?}",
        f.reasons
    );
    assert!(f.names.contains(&Input::Glucose));

    let t = run(&on_day(1, &[]).glucose(mmol(2.9)));
    let f = finding(&t, Rule::Hypoglycaemia).unwrap();
    assert!(
        f.reasons
            .iter()
            .any(|r| r.contains("2.9 mmol/L (52.2 mg/dL)")),
        "{:?}",
        f.reasons
    );

    let t = run(&on_day(1, &[]).glucose(mg(53.9)));
    let f = finding(&t, Rule::Hypoglycaemia).unwrap();
    assert!(
        f.reasons.iter().any(|r| r.contains("53.9 mg/dL")),
        "{:?}",
        f.reasons
    );
    // Reported in mg/dL: no other unit beside the value.
    assert!(
        !f.reasons.iter().any(|r| r.contains("53.9 mg/dL (")),
        "{:?}",
        f.reasons
    );

    // mg/dL = mmol/L x 18 exactly, rounded half up to one decimal.
    assert_eq!(mmol(3.8).describe(), "3.8 mmol/L (68.4 mg/dL)");
    assert_eq!(mmol(3.875).describe(), "3.875 mmol/L (69.8 mg/dL)");
    assert_eq!(mmol(2.025).describe(), "2.025 mmol/L (36.5 mg/dL)");
    assert_eq!(mmol(3.0).in_mg_dl(), 54.0);
    assert_eq!(mmol(3.9).in_mg_dl(), 70.2);
    assert_eq!(mg(69.9).in_mg_dl(), 69.9);
}

// ---------------------------------------------------------------------------
// Rule 3: altered_consciousness

#[test]
fn altered_consciousness_thresholds() {
    use Rule::AlteredConsciousness as A;
    check(&[
        ("confusion 1", on_day(2, &[(Confusion, 1)]), A, NO),
        ("confusion 2", on_day(2, &[(Confusion, 2)]), A, U),
        ("confusion 3", on_day(2, &[(Confusion, 3)]), A, E),
        ("confusion 4", on_day(2, &[(Confusion, 4)]), A, E),
        (
            "confusion 2 with a normal glucose",
            on_day(2, &[(Confusion, 2)]).glucose(mg(100.0)),
            A,
            U,
        ),
        (
            "fainting alone is not rule 3",
            on_day(2, &[(Fainting, 2)]),
            A,
            NO,
        ),
        (
            "pseudo-hypoglycaemia: fainting, two autonomic, 100 mg/dL",
            on_day(2, &[(Fainting, 1), (ColdSweat, 1), (Tremor, 1)]).glucose(mg(100.0)),
            A,
            E,
        ),
        (
            "pseudo-hypoglycaemia at 70 mg/dL (not low)",
            on_day(2, &[(Confusion, 2), (ColdSweat, 1), (Palpitations, 1)]).glucose(mg(70.0)),
            A,
            E,
        ),
        (
            "pseudo-hypoglycaemia at 3.9 mmol/L (not low)",
            on_day(2, &[(Fainting, 1), (Tremor, 1), (Hunger, 1)]).glucose(mmol(3.9)),
            A,
            E,
        ),
        (
            "one autonomic symptom with fainting and a normal glucose",
            on_day(2, &[(Fainting, 1), (ColdSweat, 3)]).glucose(mg(100.0)),
            A,
            NO,
        ),
        (
            "confusion 1 with two autonomic and a normal glucose",
            on_day(2, &[(Confusion, 1), (ColdSweat, 1), (Tremor, 1)]).glucose(mg(100.0)),
            A,
            NO,
        ),
        (
            "two autonomic and fainting, no reading: hypoglycaemia's",
            on_day(2, &[(Fainting, 1), (ColdSweat, 1), (Tremor, 1)]),
            A,
            NO,
        ),
    ]);
}

#[test]
fn altered_consciousness_is_not_raised_beside_a_hypoglycaemia_emergency() {
    for (name, o) in [
        (
            "confusion 3, 60 mg/dL",
            on_day(2, &[(Confusion, 3)]).glucose(mg(60.0)),
        ),
        (
            "confusion 2, 53 mg/dL",
            on_day(2, &[(Confusion, 2)]).glucose(mg(53.0)),
        ),
        (
            "confusion 4, 3.8 mmol/L",
            on_day(2, &[(Confusion, 4)]).glucose(mmol(3.8)),
        ),
        (
            "confusion 2, two autonomic, no reading",
            on_day(2, &[(Confusion, 2), (ColdSweat, 1), (Tremor, 1)]),
        ),
        (
            "fainting, two autonomic, 69.9 mg/dL",
            on_day(2, &[(Fainting, 1), (ColdSweat, 1), (Tremor, 1)]).glucose(mg(69.9)),
        ),
    ] {
        let t = run(&o);
        assert_eq!(level_of(&t, Rule::Hypoglycaemia), E, "{name}");
        assert_eq!(level_of(&t, Rule::AlteredConsciousness), NO, "{name}");
        assert_eq!(t.level, Level::Emergency, "{name}");
    }
}

#[test]
fn pseudo_hypoglycaemia_is_altered_consciousness_not_hypoglycaemia() {
    let o = on_day(2, &[(Fainting, 1), (ColdSweat, 2), (Tremor, 1)]).glucose(mg(95.0));
    let t = run(&o);
    assert_eq!(level_of(&t, Rule::AlteredConsciousness), E);
    assert_eq!(level_of(&t, Rule::Hypoglycaemia), NO);
    let f = finding(&t, Rule::AlteredConsciousness).unwrap();
    for input in [
        Input::Symptom(Fainting),
        Input::Symptom(ColdSweat),
        Input::Symptom(Tremor),
        Input::Glucose,
    ] {
        assert!(f.names.contains(&input), "{input:?}: {:?}", f.names);
    }
    assert_reasons_name_inputs("pseudo-hypoglycaemia", &t);
}

// ---------------------------------------------------------------------------
// Rule 4: vision_change

#[test]
fn vision_change_is_an_emergency_within_7_days_of_a_face_or_scalp_injection() {
    use Rule::VisionChange as V;
    check(&[
        (
            "face injection, day 0, vision 1",
            on_day(0, &[(VisionChange, 1)]).face(),
            V,
            E,
        ),
        (
            "face injection, day 7, vision 1",
            on_day(7, &[(VisionChange, 1)]).face(),
            V,
            E,
        ),
        (
            "face injection, day 8, vision 1",
            on_day(8, &[(VisionChange, 1)]).face(),
            V,
            NO,
        ),
        (
            "face injection, day 8, vision 2",
            on_day(8, &[(VisionChange, 2)]).face(),
            V,
            U,
        ),
        (
            "face injection, day 3, vision 0",
            on_day(3, &[]).face(),
            V,
            NO,
        ),
        (
            "neck-only injection, day 1, vision 1",
            on_day(1, &[(VisionChange, 1)]),
            V,
            NO,
        ),
        (
            "neck-only injection, day 1, vision 2",
            on_day(1, &[(VisionChange, 2)]),
            V,
            U,
        ),
        (
            "IV, day 1, vision 1",
            on_day(1, &[(VisionChange, 1)]).iv().face(),
            V,
            NO,
        ),
        (
            "IV, day 1, vision 2",
            on_day(1, &[(VisionChange, 2)]).iv().face(),
            V,
            U,
        ),
        (
            "IV, day 1, vision 4",
            on_day(1, &[(VisionChange, 4)]).iv(),
            V,
            U,
        ),
        (
            "any route, day 60, vision 3",
            on_day(60, &[(VisionChange, 3)]),
            V,
            U,
        ),
    ]);
}

// ---------------------------------------------------------------------------
// Rule 5: tissue_injury

#[test]
fn tissue_injury_thresholds() {
    use Rule::TissueInjury as T;
    check(&[
        ("blistering 1", on_day(30, &[(Blistering, 1)]), T, U),
        (
            "blistering 1 after IV",
            on_day(2, &[(Blistering, 1)]).iv(),
            T,
            U,
        ),
        (
            "no blistering, no discoloration",
            on_day(1, &[(Redness, 3)]),
            T,
            NO,
        ),
        (
            "discoloration 1 at 71:59:59 after an injection",
            at(hms(71, 59, 59), &[(SkinDiscoloration, 1)]),
            T,
            U,
        ),
        (
            "discoloration 1 at 72:00:00 after an injection",
            at(hms(72, 0, 0), &[(SkinDiscoloration, 1)]),
            T,
            NO,
        ),
        (
            "discoloration 2 at 72:00:00",
            at(hms(72, 0, 0), &[(SkinDiscoloration, 2)]),
            T,
            U,
        ),
        (
            "discoloration 2 on day 30",
            on_day(30, &[(SkinDiscoloration, 2)]),
            T,
            U,
        ),
        (
            "discoloration 1 one hour after IV",
            at(hms(1, 0, 0), &[(SkinDiscoloration, 1)]).iv(),
            T,
            NO,
        ),
        (
            "discoloration 2 after IV",
            at(hms(1, 0, 0), &[(SkinDiscoloration, 2)]).iv(),
            T,
            U,
        ),
        (
            "bruising is not discoloration",
            at(hms(1, 0, 0), &[(Bruising, 4)]),
            T,
            NO,
        ),
    ]);
    let t = run(&at(
        hms(10, 0, 0),
        &[(SkinDiscoloration, 1), (Blistering, 2)],
    ));
    let f = finding(&t, Rule::TissueInjury).unwrap();
    assert!(f.names_symptom(SkinDiscoloration) && f.names_symptom(Blistering));
}

// ---------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------
// Rule 8: possible_infection

#[test]
fn possible_infection_needs_fever_and_an_inflamed_site() {
    use Rule::PossibleInfection as I;
    check(&[
        (
            "fever 2, redness 2",
            on_day(10, &[(Fever, 2), (Redness, 2)]),
            I,
            U,
        ),
        (
            "fever 1, redness 2",
            on_day(10, &[(Fever, 1), (Redness, 2)]),
            I,
            NO,
        ),
        (
            "fever 2, redness 1",
            on_day(10, &[(Fever, 2), (Redness, 1)]),
            I,
            NO,
        ),
        ("fever 3, pain 2", on_day(3, &[(Fever, 3), (Pain, 2)]), I, U),
        (
            "fever 2, discharge 1",
            on_day(10, &[(Fever, 2), (Discharge, 1)]),
            I,
            U,
        ),
        (
            "fever 1, discharge 1",
            on_day(10, &[(Fever, 1), (Discharge, 1)]),
            I,
            NO,
        ),
        (
            "fever 2, no local",
            on_day(10, &[(Fever, 2), (Headache, 3)]),
            I,
            NO,
        ),
        (
            "chills 3, redness 3: chills is not fever",
            on_day(10, &[(Chills, 3), (Redness, 3)]),
            I,
            NO,
        ),
        (
            "38.0 °C, swelling 2",
            on_day(10, &[(Swelling, 2)]).temperature(38.0),
            I,
            U,
        ),
        (
            "37.9 °C, swelling 2",
            on_day(10, &[(Swelling, 2)]).temperature(37.9),
            I,
            NO,
        ),
        (
            "38.0 °C, swelling 1",
            on_day(10, &[(Swelling, 1)]).temperature(38.0),
            I,
            NO,
        ),
        (
            "38.5 °C, discharge 1",
            on_day(2, &[(Discharge, 1)]).temperature(38.5),
            I,
            U,
        ),
        (
            "fever 2, blistering 2",
            on_day(2, &[(Fever, 2), (Blistering, 2)]),
            I,
            U,
        ),
    ]);
}

// ---------------------------------------------------------------------------
// Rule 9: possible_sepsis (and "What changed", item 4)

#[test]
fn v2_fever_alone_in_the_first_week_is_urgent_after_iv_and_a_warning_after_an_injection() {
    use Rule::PossibleSepsis as S;
    check(&[
        ("IV, day 0, fever 2", on_day(0, &[(Fever, 2)]).iv(), S, U),
        ("IV, day 7, fever 2", on_day(7, &[(Fever, 2)]).iv(), S, U),
        ("IV, day 8, fever 2", on_day(8, &[(Fever, 2)]).iv(), S, NO),
        ("IV, day 3, fever 1", on_day(3, &[(Fever, 1)]).iv(), S, NO),
        ("IV, day 3, chills 2", on_day(3, &[(Chills, 2)]).iv(), S, U),
        ("IV, day 3, chills 1", on_day(3, &[(Chills, 1)]).iv(), S, NO),
        (
            "IV, day 3, 38.0 °C",
            on_day(3, &[]).iv().temperature(38.0),
            S,
            U,
        ),
        (
            "IV, day 3, 37.9 °C",
            on_day(3, &[]).iv().temperature(37.9),
            S,
            NO,
        ),
        (
            "IV, day 8, 39 °C",
            on_day(8, &[]).iv().temperature(39.0),
            S,
            NO,
        ),
        ("injection, day 0, fever 2", on_day(0, &[(Fever, 2)]), S, W),
        (
            "injection, day 7, chills 2",
            on_day(7, &[(Chills, 2)]),
            S,
            W,
        ),
        (
            "injection, day 7, 38.0 °C",
            on_day(7, &[]).temperature(38.0),
            S,
            W,
        ),
        ("injection, day 8, fever 3", on_day(8, &[(Fever, 3)]), S, NO),
        ("injection, day 3, fever 1", on_day(3, &[(Fever, 1)]), S, NO),
    ]);
}

#[test]
fn v2_fever_with_shock_signs_is_an_emergency_on_any_day() {
    use Rule::PossibleSepsis as S;
    check(&[
        (
            "day 40, fever 2, systolic 85",
            on_day(40, &[(Fever, 2)]).bp(85.0),
            S,
            E,
        ),
        (
            "day 40, fever 2, systolic 90",
            on_day(40, &[(Fever, 2)]).bp(90.0),
            S,
            NO,
        ),
        (
            "day 40, fever 2, baseline 130, systolic 90",
            on_day(40, &[(Fever, 2)]).baseline(130.0).bp(90.0),
            S,
            E,
        ),
        (
            "day 40, fever 2, baseline 130, systolic 91",
            on_day(40, &[(Fever, 2)]).baseline(130.0).bp(91.0),
            S,
            NO,
        ),
        (
            "day 40, 38.0 °C, fainting 1",
            on_day(40, &[(Fainting, 1)]).temperature(38.0),
            S,
            E,
        ),
        (
            "day 40, 37.9 °C, fainting 1",
            on_day(40, &[(Fainting, 1)]).temperature(37.9),
            S,
            NO,
        ),
        (
            "day 40, fever 2, confusion 2",
            on_day(40, &[(Fever, 2), (Confusion, 2)]),
            S,
            E,
        ),
        (
            "day 40, fever 2, confusion 1",
            on_day(40, &[(Fever, 2), (Confusion, 1)]),
            S,
            NO,
        ),
        (
            "day 40, fever 1, fainting 1",
            on_day(40, &[(Fever, 1), (Fainting, 1)]),
            S,
            NO,
        ),
        (
            "day 40, IV, fever 2, fainting 1",
            on_day(40, &[(Fever, 2), (Fainting, 1)]).iv(),
            S,
            E,
        ),
        (
            "day 2, injection, fever 2, fainting 1",
            on_day(2, &[(Fever, 2), (Fainting, 1)]),
            S,
            E,
        ),
        (
            "day 2, IV, chills 2 with fainting: the emergency, as change 4 lists chills",
            on_day(2, &[(Chills, 2), (Fainting, 1)]).iv(),
            S,
            E,
        ),
        (
            "day 40, chills 3 with systolic 80",
            on_day(40, &[(Chills, 3)]).bp(80.0),
            S,
            E,
        ),
        (
            "day 40, chills 1 with systolic 80: below the threshold",
            on_day(40, &[(Chills, 1)]).bp(80.0),
            S,
            NO,
        ),
    ]);
    let t = run(&on_day(40, &[(Fever, 2), (Fainting, 1)]).bp(85.0));
    let f = finding(&t, Rule::PossibleSepsis).unwrap();
    for input in [
        Input::Symptom(Fever),
        Input::Symptom(Fainting),
        Input::SystolicBp,
    ] {
        assert!(f.names.contains(&input), "{input:?}: {:?}", f.names);
    }
}

#[test]
fn v2_fever_with_a_local_symptom_after_iv_is_infection_and_sepsis() {
    let t = run(&on_day(2, &[(Fever, 2), (Redness, 2)]).iv());
    assert_eq!(level_of(&t, Rule::PossibleInfection), U);
    assert_eq!(level_of(&t, Rule::PossibleSepsis), U);
}

// ---------------------------------------------------------------------------
// Rule 10: worsening_local_reaction (and "What changed", item 5)

#[test]
fn worsening_is_measured_against_earlier_check_ins_from_day_1() {
    use Rule::WorseningLocalReaction as R;
    let history = History::of(&[
        on_day(0, &[(Redness, 3), (Swelling, 3)]),
        on_day(1, &[(Redness, 1), (Swelling, 2)]),
        on_day(2, &[(Pain, 1)]),
    ]);
    check_with(
        &history,
        &Thresholds::default(),
        &[
            ("day 2 is too early", on_day(2, &[(Redness, 3)]), R, NO),
            (
                "redness 2 on day 3 (day 0 ignored)",
                on_day(3, &[(Redness, 2)]),
                R,
                W,
            ),
            (
                "redness 1 on day 3: not higher",
                on_day(3, &[(Redness, 1)]),
                R,
                NO,
            ),
            (
                "swelling 2 on day 3: not higher",
                on_day(3, &[(Swelling, 2)]),
                R,
                NO,
            ),
            ("swelling 3 on day 3", on_day(3, &[(Swelling, 3)]), R, W),
            ("pain 2 on day 4", on_day(4, &[(Pain, 2)]), R, W),
            (
                "lump 1 on day 5 (baseline 0)",
                on_day(5, &[(Lump, 1)]),
                R,
                W,
            ),
            (
                "lump 1 on day 14 is delayed_nodule's",
                on_day(14, &[(Lump, 1)]),
                R,
                NO,
            ),
            ("itching is not watched", on_day(3, &[(Itching, 3)]), R, NO),
            (
                "bruising is not watched",
                on_day(3, &[(Bruising, 3)]),
                R,
                NO,
            ),
        ],
    );
    let t = triage(
        &on_day(3, &[(Redness, 2), (Pain, 2)]),
        &history,
        &Thresholds::default(),
    );
    let f = finding(&t, Rule::WorseningLocalReaction).unwrap();
    assert!(f.names_symptom(Redness) && f.names_symptom(Pain));
    assert!(!f.names_symptom(Swelling));
}

#[test]
fn v2_worsening_needs_a_baseline_from_day_1() {
    use Rule::WorseningLocalReaction as R;
    check(&[
        ("no history at all", on_day(3, &[(Redness, 3)]), R, NO),
        ("no history on day 10", on_day(10, &[(Swelling, 2)]), R, NO),
    ]);
    check_with(
        &History::of(&[
            on_day(0, &[(Redness, 1)]),
            at(hms(20, 0, 0), &[(Redness, 1)]),
        ]),
        &Thresholds::default(),
        &[("only day-0 check-ins", on_day(3, &[(Redness, 3)]), R, NO)],
    );
    // An earlier check-in from day 1 on that reported every local symptom
    // as 0 is a baseline of 0.
    check_with(
        &History::of(&[on_day(1, &[])]),
        &Thresholds::default(),
        &[
            (
                "all-zero day 1: redness 1",
                on_day(3, &[(Redness, 1)]),
                R,
                W,
            ),
            (
                "all-zero day 1: swelling 1",
                on_day(3, &[(Swelling, 1)]),
                R,
                W,
            ),
            (
                "all-zero day 1: nothing local",
                on_day(3, &[(Headache, 2)]),
                R,
                NO,
            ),
        ],
    );
    check_with(
        &History::of(&[on_day(2, &[(Headache, 2)])]),
        &Thresholds::default(),
        &[(
            "headache only on day 2: redness 1",
            on_day(3, &[(Redness, 1)]),
            R,
            W,
        )],
    );
}

// ---------------------------------------------------------------------------
// Rule 11: medically_attended

#[test]
fn medical_care_hands_off_to_the_clinic() {
    use Rule::MedicallyAttended as M;
    check(&[
        ("none", on_day(3, &[]).care(MedicalCare::None), M, NO),
        ("clinic", on_day(3, &[]).care(MedicalCare::Clinic), M, W),
        (
            "emergency room",
            on_day(3, &[]).care(MedicalCare::EmergencyRoom),
            M,
            U,
        ),
        (
            "hospitalized",
            on_day(3, &[]).care(MedicalCare::Hospitalized),
            M,
            U,
        ),
    ]);
    let t = run(&on_day(3, &[]).care(MedicalCare::Hospitalized));
    assert_eq!(
        finding(&t, Rule::MedicallyAttended).unwrap().names,
        vec![Input::MedicalCare]
    );
}

// ---------------------------------------------------------------------------
// Rule 12: severe_symptom

#[test]
fn severe_symptoms_not_named_go_to_triage() {
    use Rule::SevereSymptom as S;
    check(&[
        ("headache 2", on_day(3, &[(Headache, 2)]), S, NO),
        ("headache 3", on_day(3, &[(Headache, 3)]), S, W),
        ("headache 4", on_day(3, &[(Headache, 4)]), S, U),
        (
            "fatigue 3 and itching 4",
            on_day(3, &[(Fatigue, 3), (Itching, 4)]),
            S,
            U,
        ),
        ("redness 3 on day 3", on_day(3, &[(Redness, 3)]), S, W),
        (
            "redness 3 on day 8 is persistence's",
            on_day(8, &[(Redness, 3)]),
            S,
            NO,
        ),
        (
            "redness 4 on day 8 is urgent persistence's",
            on_day(8, &[(Redness, 4)]),
            S,
            NO,
        ),
        (
            "hives 3 within the window is allergic's",
            acute(&[(Hives, 3)]),
            S,
            NO,
        ),
        (
            "hives 4 within the window is urgent allergic's",
            acute(&[(Hives, 4)]),
            S,
            NO,
        ),
        (
            "vomiting 3 after the window (G alone: nothing)",
            on_day(3, &[(Vomiting, 3)]),
            S,
            W,
        ),
        ("nausea 4 after the window", on_day(3, &[(Nausea, 4)]), S, U),
        (
            "confusion 3 is altered consciousness's",
            on_day(3, &[(Confusion, 3)]),
            S,
            NO,
        ),
        (
            "vision 3 on day 20",
            on_day(20, &[(VisionChange, 3)]),
            S,
            NO,
        ),
    ]);
}

#[test]
fn severe_symptom_a_3_named_by_any_finding_is_not_repeated_but_a_4_is_unless_urgent() {
    use Rule::SevereSymptom as S;
    check(&[
        // possible_sepsis after an injection is a warning naming fever.
        ("injection, day 2, fever 3", on_day(2, &[(Fever, 3)]), S, NO),
        ("injection, day 2, fever 4", on_day(2, &[(Fever, 4)]), S, U),
        ("IV, day 2, fever 4", on_day(2, &[(Fever, 4)]).iv(), S, NO),
        ("IV, day 2, chills 4", on_day(2, &[(Chills, 4)]).iv(), S, NO),
        (
            "injection, day 2, chills 4",
            on_day(2, &[(Chills, 4)]),
            S,
            U,
        ),
        // No baseline, under the persistence days: nothing else names it.
        (
            "day 5, redness 3, no history",
            on_day(5, &[(Redness, 3)]),
            S,
            W,
        ),
        // delayed_nodule (warning) names the lump only; persistence (urgent)
        // names redness 3.
        (
            "day 14, lump 1 and redness 3",
            on_day(14, &[(Lump, 1), (Redness, 3)]),
            S,
            NO,
        ),
        // The lump is left out from day 14: a lump of 3 no rule names.
        ("day 14, lump 3", on_day(14, &[(Lump, 3)]), S, NO),
        ("day 14, lump 4", on_day(14, &[(Lump, 4)]), S, NO),
        // Fever 4 named by an urgent possible_infection.
        (
            "day 10, fever 4, redness 2",
            on_day(10, &[(Fever, 4), (Redness, 2)]),
            S,
            NO,
        ),
        // The 4 not named by the urgent finding is still repeated.
        (
            "day 10, fever 2, redness 2, headache 4",
            on_day(10, &[(Fever, 2), (Redness, 2), (Headache, 4)]),
            S,
            U,
        ),
        // Medical care names no symptom.
        (
            "clinic visit, fatigue 3",
            on_day(3, &[(Fatigue, 3)]).care(MedicalCare::Clinic),
            S,
            W,
        ),
    ]);
    let history = History::of(&[on_day(1, &[(Redness, 1)])]);
    check_with(
        &history,
        &Thresholds::default(),
        &[
            (
                "worsening (warning) names redness 3",
                on_day(5, &[(Redness, 3)]),
                S,
                NO,
            ),
            (
                "worsening (warning) names redness 4",
                on_day(5, &[(Redness, 4)]),
                S,
                U,
            ),
        ],
    );
    let t = run(&on_day(2, &[(Fever, 4)]));
    let f = finding(&t, Rule::SevereSymptom).unwrap();
    assert!(f.names_symptom(Fever));
    assert!(
        f.reasons.iter().any(|r| r.contains("fever 4")),
        "{:?}",
        f.reasons
    );
}

#[test]
fn v2_a_temperature_no_other_finding_names_is_a_warning() {
    use Rule::SevereSymptom as S;
    check(&[
        ("day 10, 38.0 °C", on_day(10, &[]).temperature(38.0), S, W),
        ("day 10, 37.9 °C", on_day(10, &[]).temperature(37.9), S, NO),
        ("day 10, 40 °C", on_day(10, &[]).temperature(40.0), S, W),
        (
            "day 3, injection, 38.0 °C: possible_sepsis names it",
            on_day(3, &[]).temperature(38.0),
            S,
            NO,
        ),
        (
            "day 10, 38.0 °C with swelling 2: possible_infection names it",
            on_day(10, &[(Swelling, 2)]).temperature(38.0),
            S,
            NO,
        ),
        (
            "day 40, 38.0 °C with fainting: possible_sepsis names it",
            on_day(40, &[(Fainting, 1)]).temperature(38.0),
            S,
            NO,
        ),
    ]);
    let t = run(&on_day(10, &[]).temperature(38.0));
    assert_eq!(rules(&t), vec![Rule::SevereSymptom]);
    assert_eq!(t.level, Level::Warning);
    let f = finding(&t, Rule::SevereSymptom).unwrap();
    assert_eq!(f.names, vec![Input::Temperature]);
}

// ---------------------------------------------------------------------------
// What changed from version 1, item 1: the catalogue and the new rules.

#[test]
fn v2_new_codes_and_rules() {
    use crate::domain::symptoms::Group;
    for (code, group) in [
        ("lump", Group::Local),
        ("skin_discoloration", Group::Local),
        ("blistering", Group::Local),
        ("discharge", Group::Local),
        ("chills", Group::General),
        ("vision_change", Group::Neurological),
    ] {
        let symptom = Symptom::from_code(code).unwrap_or_else(|| panic!("{code}"));
        assert_eq!(symptom.group(), group, "{code}");
    }
    for name in [
        "tissue_injury",
        "delayed_nodule",
        "altered_consciousness",
        "possible_sepsis",
    ] {
        assert_eq!(Rule::parse(name).map(Rule::as_str), Some(name));
    }
    // Each new rule is reachable from a check-in.
    assert!(run(&on_day(2, &[(Blistering, 1)])).has(Rule::TissueInjury));
    assert!(run(&on_day(14, &[(Lump, 1)])).has(Rule::DelayedNodule));
    assert!(run(&on_day(2, &[(Confusion, 2)])).has(Rule::AlteredConsciousness));
    assert!(run(&on_day(2, &[(Chills, 2)])).has(Rule::PossibleSepsis));
    assert!(run(&on_day(2, &[(VisionChange, 2)])).has(Rule::VisionChange));
}

// ---------------------------------------------------------------------------
// Across rules

#[test]
fn the_triage_level_is_the_highest_finding() {
    assert_eq!(
        run(&on_day(1, &[(Redness, 1), (Swelling, 2)])).level,
        Level::None
    );
    assert!(run(&on_day(1, &[])).findings.is_empty());
    let t = run(&acute(&[(Hives, 3), (ThroatTightness, 2), (Headache, 4)]));
    assert_eq!(t.level, Level::Emergency);
    assert_eq!(level_of(&t, Rule::SuspectedAnaphylaxis), E);
    assert_eq!(level_of(&t, Rule::SevereSymptom), U);
    assert_reasons_name_inputs("mixed", &t);
}

#[test]
fn rules_run_independently() {
    // Confusion with vomiting: an allergic pattern and altered_consciousness.
    let t = run(&acute(&[(Confusion, 2), (Vomiting, 2)]));
    assert!(t.has(Rule::SuspectedAnaphylaxis) && t.has(Rule::AlteredConsciousness));
    // Hypotension and fever on day 3 after IV: allergic and sepsis.
    let t = run(&on_day(3, &[(Fever, 2)]).iv().bp(80.0));
    assert_eq!(allergic(&t), POSSIBLE);
    assert_eq!(level_of(&t, Rule::PossibleSepsis), E);
    assert_eq!(t.level, Level::Emergency);
}

#[test]
fn missed_checkins_never_appears_in_a_check_ins_triage() {
    let t = run(&on_day(5, &[(Redness, 4), (Fever, 4)]).care(MedicalCare::Hospitalized));
    assert!(!t.has(Rule::MissedCheckins));
}

#[test]
fn names_round_trip() {
    for rule in Rule::ALL {
        assert_eq!(Rule::parse(rule.as_str()), Some(rule));
    }
    for level in [
        Level::None,
        Level::Info,
        Level::Warning,
        Level::Urgent,
        Level::Emergency,
    ] {
        assert_eq!(Level::parse(level.as_str()), Some(level));
    }
    assert_eq!(
        MedicalCare::parse("emergency_room"),
        Some(MedicalCare::EmergencyRoom)
    );
    assert_eq!(GlucoseUnit::parse("mmol/L"), Some(GlucoseUnit::MmolL));
    assert_eq!(GlucoseUnit::parse("mg/dL"), Some(GlucoseUnit::MgDl));
    assert_eq!(Thresholds::default().persistence_days, 7);
    assert_eq!(Thresholds::PERSISTENCE_DAYS, 3..=30);
}
