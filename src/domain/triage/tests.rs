//! Table tests: each rule at, just below and just above each threshold,
//! and the cases clinical-rules.md calls out.

use super::*;
use crate::domain::symptoms::Symptom::{self, *};

fn obs(day: i64, acute: bool, symptoms: &[(Symptom, u8)]) -> Observation {
    let mut severities = Severities::default();
    for (s, v) in symptoms {
        severities.set(*s, *v);
    }
    Observation {
        day,
        within_acute_window: acute,
        severities,
        ..Observation::default()
    }
}

fn run(o: &Observation) -> Triage {
    triage(o, &History::default(), &Thresholds::default())
}

fn finding(t: &Triage, rule: Rule) -> Option<Level> {
    t.findings.iter().find(|f| f.rule == rule).map(|f| f.level)
}

/// (case, observation, rule, expected level of that rule or None).
fn check(cases: &[(&str, Observation, Rule, Option<Level>)]) {
    for (name, o, rule, expected) in cases {
        let t = run(o);
        assert_eq!(finding(&t, *rule), *expected, "{name}: {:#?}", t.findings);
    }
}

#[test]
fn anaphylaxis_involvement_thresholds() {
    use Rule::{PossibleAllergicReaction as Possible, SuspectedAnaphylaxis as Suspected};
    let u = Some(Level::Urgent);
    let e = Some(Level::Emergency);
    check(&[
        (
            "hives 1 is not involvement",
            obs(0, true, &[(Hives, 1)]),
            Possible,
            None,
        ),
        (
            "hives 2 is S alone",
            obs(0, true, &[(Hives, 2)]),
            Possible,
            u,
        ),
        (
            "flushing 1 below",
            obs(0, true, &[(Flushing, 1)]),
            Possible,
            None,
        ),
        (
            "flushing 2 is S",
            obs(0, true, &[(Flushing, 2)]),
            Possible,
            u,
        ),
        (
            "lip/tongue 1 is S",
            obs(0, true, &[(LipTongueSwelling, 1)]),
            Possible,
            u,
        ),
        (
            "throat 1 is R alone",
            obs(0, true, &[(ThroatTightness, 1)]),
            Possible,
            u,
        ),
        (
            "throat 2 alone is an emergency",
            obs(0, true, &[(ThroatTightness, 2)]),
            Suspected,
            e,
        ),
        (
            "breathing 1 below",
            obs(0, true, &[(DifficultyBreathing, 1)]),
            Possible,
            None,
        ),
        (
            "breathing 2 is R",
            obs(0, true, &[(DifficultyBreathing, 2)]),
            Possible,
            u,
        ),
        (
            "breathing 3 alone is an emergency",
            obs(0, true, &[(DifficultyBreathing, 3)]),
            Suspected,
            e,
        ),
        (
            "fainting 1 is C",
            obs(0, true, &[(Fainting, 1)]),
            Possible,
            u,
        ),
        (
            "dizziness 2 below",
            obs(0, true, &[(Dizziness, 2)]),
            Possible,
            None,
        ),
        (
            "dizziness 3 is C",
            obs(0, true, &[(Dizziness, 3)]),
            Possible,
            u,
        ),
        (
            "S and R",
            obs(0, true, &[(Hives, 2), (ThroatTightness, 1)]),
            Suspected,
            e,
        ),
        (
            "S and C",
            obs(0, true, &[(Flushing, 2), (Dizziness, 3)]),
            Suspected,
            e,
        ),
        (
            "R and C",
            obs(0, true, &[(DifficultyBreathing, 2), (Fainting, 1)]),
            Suspected,
            e,
        ),
        (
            "S and G",
            obs(0, true, &[(Hives, 2), (Vomiting, 2)]),
            Suspected,
            e,
        ),
        (
            "S with G below threshold",
            obs(0, true, &[(Hives, 2), (Vomiting, 1)]),
            Suspected,
            None,
        ),
        (
            "G alone in the acute window",
            obs(0, true, &[(Vomiting, 2)]),
            Possible,
            u,
        ),
        (
            "abdominal pain 3 alone acute",
            obs(0, true, &[(AbdominalPain, 3)]),
            Possible,
            u,
        ),
        (
            "abdominal pain 2 below",
            obs(0, true, &[(AbdominalPain, 2)]),
            Possible,
            None,
        ),
        (
            "nausea 3 alone acute",
            obs(0, true, &[(Nausea, 3)]),
            Possible,
            u,
        ),
        (
            "nausea 2 below",
            obs(0, true, &[(Nausea, 2)]),
            Possible,
            None,
        ),
    ]);
}

#[test]
fn nausea_or_abdominal_pain_alone_is_never_anaphylaxis() {
    for v in 0..=4 {
        for o in [
            obs(0, true, &[(Nausea, v)]),
            obs(0, true, &[(AbdominalPain, v)]),
            obs(0, true, &[(Nausea, v), (AbdominalPain, v)]),
        ] {
            let t = run(&o);
            assert!(!t.has(Rule::SuspectedAnaphylaxis), "{v}");
            assert!(!t.has(Rule::SevereSystemicReaction), "{v}");
        }
    }
}

#[test]
fn blood_pressure_below_90_is_an_emergency_at_89_not_90() {
    let mut o = obs(0, true, &[]);
    o.vitals.systolic_bp = Some(89.0);
    assert_eq!(
        finding(&run(&o), Rule::SuspectedAnaphylaxis),
        Some(Level::Emergency)
    );
    o.vitals.systolic_bp = Some(90.0);
    assert_eq!(run(&o).level, Level::None);
    o.vitals.systolic_bp = Some(91.0);
    assert_eq!(run(&o).level, Level::None);
}

#[test]
fn the_acute_window_names_the_rule() {
    let severe = obs(2, false, &[(Hives, 3), (ThroatTightness, 1)]);
    let t = run(&severe);
    assert_eq!(
        finding(&t, Rule::SevereSystemicReaction),
        Some(Level::Emergency)
    );
    assert!(!t.has(Rule::SuspectedAnaphylaxis));
    assert_eq!(
        finding(
            &run(&obs(2, false, &[(Hives, 2)])),
            Rule::PossibleAllergicReaction
        ),
        Some(Level::Urgent)
    );
    // G alone outside the acute window yields no allergic finding.
    assert_eq!(
        finding(
            &run(&obs(1, false, &[(Vomiting, 2)])),
            Rule::PossibleAllergicReaction
        ),
        None
    );
    assert!(run(&obs(0, true, &[(Hives, 2), (Fainting, 1)])).findings[0]
        .reasons
        .iter()
        .any(|r| r.contains("within 24 hours")));
}

fn glucose(mg: Option<f64>, symptoms: &[(Symptom, u8)]) -> Observation {
    let mut o = obs(0, true, symptoms);
    o.vitals.glucose_mg_dl = mg;
    o
}

#[test]
fn hypoglycaemia_levels() {
    let r = Rule::Hypoglycaemia;
    let (w, u, e) = (
        Some(Level::Warning),
        Some(Level::Urgent),
        Some(Level::Emergency),
    );
    check(&[
        ("glucose 53 is level 2", glucose(Some(53.0), &[]), r, u),
        ("glucose 54 is level 1", glucose(Some(54.0), &[]), r, w),
        ("glucose 55 is level 1", glucose(Some(55.0), &[]), r, w),
        ("glucose 69 is level 1", glucose(Some(69.0), &[]), r, w),
        ("glucose 70 is normal", glucose(Some(70.0), &[]), r, None),
        ("glucose 71 is normal", glucose(Some(71.0), &[]), r, None),
        (
            "confusion 2 with glucose 69",
            glucose(Some(69.0), &[(Confusion, 2)]),
            r,
            e,
        ),
        (
            "confusion 1 with glucose 69",
            glucose(Some(69.0), &[(Confusion, 1)]),
            r,
            w,
        ),
        (
            "fainting with glucose 60",
            glucose(Some(60.0), &[(Fainting, 1)]),
            r,
            e,
        ),
        (
            "confusion 2 and two autonomic, no glucose",
            glucose(None, &[(Confusion, 2), (Tremor, 1), (ColdSweat, 1)]),
            r,
            e,
        ),
        (
            "confusion 2 and one autonomic, no glucose",
            glucose(None, &[(Confusion, 2), (Tremor, 1)]),
            r,
            None,
        ),
        (
            "two autonomic, no glucose: probable",
            glucose(None, &[(Tremor, 1), (Hunger, 1)]),
            r,
            w,
        ),
        (
            "one autonomic, no glucose",
            glucose(None, &[(Palpitations, 3)]),
            r,
            None,
        ),
        (
            "confusion 3 alone, no glucose",
            glucose(None, &[(Confusion, 3)]),
            r,
            None,
        ),
    ]);
}

#[test]
fn a_measured_normal_glucose_clears_autonomic_symptoms() {
    let o = glucose(
        Some(95.0),
        &[(ColdSweat, 3), (Tremor, 3), (Palpitations, 2), (Hunger, 2)],
    );
    assert!(!run(&o).has(Rule::Hypoglycaemia));
    // ...but not confusion with them.
    let o = glucose(Some(95.0), &[(Confusion, 2), (ColdSweat, 1), (Tremor, 1)]);
    assert_eq!(
        finding(&run(&o), Rule::Hypoglycaemia),
        Some(Level::Emergency)
    );
}

#[test]
fn persistent_local_reaction_after_day_7() {
    let r = Rule::PersistentLocalReaction;
    check(&[
        (
            "day 7 is not persistent",
            obs(7, false, &[(Redness, 1)]),
            r,
            None,
        ),
        (
            "day 8 redness 1",
            obs(8, false, &[(Redness, 1)]),
            r,
            Some(Level::Warning),
        ),
        (
            "day 8 swelling 2",
            obs(8, false, &[(Swelling, 2)]),
            r,
            Some(Level::Warning),
        ),
        (
            "day 8 swelling 3",
            obs(8, false, &[(Swelling, 3)]),
            r,
            Some(Level::Urgent),
        ),
        (
            "day 40 numbness 1",
            obs(40, false, &[(Numbness, 1)]),
            r,
            Some(Level::Warning),
        ),
        ("day 8 no local", obs(8, false, &[(Headache, 2)]), r, None),
    ]);
    let mut history = History::default();
    history.add(0, &Severities::default().with(Swelling, 1));
    history.add(2, &Severities::default().with(Swelling, 2).with(Redness, 1));
    let t = triage(
        &obs(9, false, &[(Swelling, 1), (Itching, 1)]),
        &history,
        &Thresholds::default(),
    );
    let f = t.findings.iter().find(|f| f.rule == r).unwrap();
    assert_eq!(
        f.reasons,
        vec![
            "swelling 1 on day 9, first reported on day 0",
            "itching 1 on day 9, first reported on day 9"
        ]
    );
    let custom = Thresholds {
        persistence_days: 10,
    };
    assert!(!triage(
        &obs(10, false, &[(Redness, 1)]),
        &History::default(),
        &custom
    )
    .has(r));
    assert!(triage(
        &obs(11, false, &[(Redness, 1)]),
        &History::default(),
        &custom
    )
    .has(r));
}

#[test]
fn possible_infection_needs_fever_and_an_inflamed_site() {
    let r = Rule::PossibleInfection;
    let u = Some(Level::Urgent);
    check(&[
        (
            "fever 2 and redness 2",
            obs(2, false, &[(Fever, 2), (Redness, 2)]),
            r,
            u,
        ),
        (
            "fever 1 and redness 2",
            obs(2, false, &[(Fever, 1), (Redness, 2)]),
            r,
            None,
        ),
        (
            "fever 2 and redness 1",
            obs(2, false, &[(Fever, 2), (Redness, 1)]),
            r,
            None,
        ),
        (
            "fever 3 and pain 4",
            obs(2, false, &[(Fever, 3), (Pain, 4)]),
            r,
            u,
        ),
    ]);
    for (t, expected) in [(37.9, None), (38.0, u), (38.1, u)] {
        let mut o = obs(2, false, &[(Swelling, 2)]);
        o.vitals.temperature_c = Some(t);
        assert_eq!(finding(&run(&o), r), expected, "{t}");
    }
}

#[test]
fn worsening_is_measured_against_earlier_days_from_day_1() {
    let r = Rule::WorseningLocalReaction;
    let mut history = History::default();
    history.add(0, &Severities::default().with(Redness, 4));
    history.add(1, &Severities::default().with(Redness, 2).with(Pain, 1));
    let at = |day, symptoms: &[(Symptom, u8)]| {
        finding(
            &triage(&obs(day, false, symptoms), &history, &Thresholds::default()),
            r,
        )
    };
    assert_eq!(
        at(3, &[(Redness, 3)]),
        Some(Level::Warning),
        "day 0's 4 does not count"
    );
    assert_eq!(at(3, &[(Redness, 2)]), None, "equal is not worse");
    assert_eq!(at(2, &[(Redness, 3)]), None, "day 2 is too early");
    assert_eq!(at(4, &[(Pain, 2)]), Some(Level::Warning));
    assert_eq!(
        at(4, &[(Itching, 4)]),
        None,
        "only redness, swelling and pain"
    );
    assert_eq!(
        at(5, &[(Swelling, 1)]),
        Some(Level::Warning),
        "new onset after day 3"
    );
}

#[test]
fn medical_care_hands_off_to_the_clinic() {
    for (care, expected) in [
        (MedicalCare::None, None),
        (MedicalCare::Clinic, Some(Level::Warning)),
        (MedicalCare::EmergencyRoom, Some(Level::Urgent)),
        (MedicalCare::Hospitalized, Some(Level::Urgent)),
    ] {
        let mut o = obs(1, false, &[]);
        o.medical_care = care;
        assert_eq!(
            finding(&run(&o), Rule::MedicallyAttended),
            expected,
            "{care:?}"
        );
    }
}

#[test]
fn severe_symptoms_not_covered_go_to_triage() {
    let r = Rule::SevereSymptom;
    check(&[
        ("headache 2", obs(1, false, &[(Headache, 2)]), r, None),
        (
            "headache 3",
            obs(1, false, &[(Headache, 3)]),
            r,
            Some(Level::Warning),
        ),
        (
            "headache 4",
            obs(1, false, &[(Headache, 4)]),
            r,
            Some(Level::Urgent),
        ),
        (
            "swelling 4 on day 1",
            obs(1, false, &[(Swelling, 4)]),
            r,
            Some(Level::Urgent),
        ),
        // Covered by the urgent persistent finding.
        (
            "swelling 4 on day 9",
            obs(9, false, &[(Swelling, 4)]),
            r,
            None,
        ),
        // Hives 4 is covered by the allergic finding.
        ("hives 4", obs(0, true, &[(Hives, 4)]), r, None),
        // Nausea 4 after the acute window has no other finding.
        (
            "nausea 4 on day 2",
            obs(2, false, &[(Nausea, 4)]),
            r,
            Some(Level::Urgent),
        ),
    ]);
    // A warning finding does not cover: redness 3 worsening on day 3.
    let t = run(&obs(3, false, &[(Redness, 3)]));
    assert_eq!(
        finding(&t, Rule::WorseningLocalReaction),
        Some(Level::Warning)
    );
    assert_eq!(finding(&t, r), Some(Level::Warning));
}

#[test]
fn the_triage_level_is_the_highest_finding() {
    assert_eq!(
        run(&obs(1, false, &[(Redness, 1), (Swelling, 2)])).level,
        Level::None
    );
    let t = run(&obs(
        0,
        true,
        &[(Hives, 3), (ThroatTightness, 2), (Headache, 4)],
    ));
    assert_eq!(t.level, Level::Emergency);
    assert_eq!(finding(&t, Rule::SevereSymptom), Some(Level::Urgent));
    assert!(t.findings.iter().all(|f| !f.reasons.is_empty()));
}

#[test]
fn names_round_trip() {
    for rule in Rule::ALL {
        assert_eq!(Rule::parse(rule.as_str()), Some(rule));
    }
    assert_eq!(Level::parse("urgent"), Some(Level::Urgent));
    assert_eq!(
        MedicalCare::parse("emergency_room"),
        Some(MedicalCare::EmergencyRoom)
    );
    assert_eq!(glucose_to_mg_dl(3.0, true), 54.0);
}
