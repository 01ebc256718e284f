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
pub(super) fn mentions(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

pub(super) fn input_word(input: Input) -> &'static str {
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

mod anaphylaxis;
mod anaphylaxis_v2;
mod biphasic;
mod catalogue_and_across;
mod consciousness_vision_tissue;
mod hypoglycaemia;
mod infection_sepsis;
mod persistent_nodule;
mod worsening_care_severe;
