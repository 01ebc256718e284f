//! Property tests of the engine's invariants (clinical-rules.md).

use proptest::prelude::*;

use super::*;
use crate::domain::symptoms::{Symptom, SYMPTOM_COUNT};

fn severities() -> impl Strategy<Value = Severities> {
    proptest::collection::vec(0u8..=4, SYMPTOM_COUNT).prop_map(|values| {
        let mut s = Severities::default();
        for (symptom, v) in Symptom::ALL.iter().zip(values) {
            s.set(*symptom, v);
        }
        s
    })
}

fn care() -> impl Strategy<Value = MedicalCare> {
    prop_oneof![
        Just(MedicalCare::None),
        Just(MedicalCare::Clinic),
        Just(MedicalCare::EmergencyRoom),
        Just(MedicalCare::Hospitalized)
    ]
}

prop_compose! {
    fn observation()(
        day in 0i64..100,
        acute in any::<bool>(),
        severities in severities(),
        glucose in proptest::option::of(20.0f64..200.0),
        bp in proptest::option::of(50.0f64..200.0),
        temperature in proptest::option::of(35.0f64..41.0),
        medical_care in care(),
    ) -> Observation {
        Observation {
            day,
            within_acute_window: acute && day <= 1,
            severities,
            vitals: Vitals { glucose_mg_dl: glucose, systolic_bp: bp, temperature_c: temperature },
            medical_care,
        }
    }
}

prop_compose! {
    fn history()(days in proptest::collection::vec((0i64..60, severities()), 0..6)) -> History {
        let mut h = History::default();
        for (day, s) in days {
            h.add(day, &s);
        }
        h
    }
}

proptest! {
    #[test]
    fn raising_a_severity_never_lowers_the_level(o in observation(), h in history(), index in 0usize..SYMPTOM_COUNT, raise in 1u8..=4) {
        let thresholds = Thresholds::default();
        let before = triage(&o, &h, &thresholds).level;
        let symptom = Symptom::ALL[index];
        let mut raised = o;
        raised.severities.set(symptom, o.severities.get(symptom).saturating_add(raise).min(4));
        prop_assert!(triage(&raised, &h, &thresholds).level >= before);
    }

    #[test]
    fn lowering_glucose_or_blood_pressure_never_lowers_the_level(o in observation(), h in history(), drop in 0.0f64..60.0) {
        let thresholds = Thresholds::default();
        let before = triage(&o, &h, &thresholds).level;
        let mut lower = o;
        lower.vitals.glucose_mg_dl = o.vitals.glucose_mg_dl.map(|g| g - drop);
        prop_assert!(triage(&lower, &h, &thresholds).level >= before);
        let mut lower = o;
        lower.vitals.systolic_bp = o.vitals.systolic_bp.map(|bp| bp - drop);
        prop_assert!(triage(&lower, &h, &thresholds).level >= before);
    }

    #[test]
    fn the_same_input_gives_the_same_findings(o in observation(), h in history()) {
        let thresholds = Thresholds::default();
        prop_assert_eq!(triage(&o, &h, &thresholds), triage(&o, &h, &thresholds));
    }

    #[test]
    fn every_finding_has_reasons_naming_its_inputs(o in observation(), h in history()) {
        let t = triage(&o, &h, &Thresholds::default());
        prop_assert_eq!(t.level, t.findings.iter().map(|f| f.level).max().unwrap_or(Level::None));
        for f in &t.findings {
            prop_assert!(!f.reasons.is_empty());
            prop_assert!(f.level >= Level::Warning);
            prop_assert!(f.rule != Rule::MissedCheckins);
            for symptom in &f.covers {
                prop_assert!(f.reasons.iter().any(|r| r.contains(symptom.code())), "{:?} names {}", f.reasons, symptom);
            }
        }
    }
}
