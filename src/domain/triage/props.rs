//! Property tests of the engine's invariants (clinical-rules.md version 2,
//! "Invariants"): monotonic, deterministic, order-free, and reasons that
//! name every input a finding names.

use chrono::Duration;
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;

use super::tests::{input_word, mentions};
use super::*;
use crate::domain::symptoms::{Severities, Symptom, SYMPTOM_COUNT};

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Every symptom at a random severity (most systems involved), or a few
/// symptoms at a random severity (single systems, thresholds).
fn severities() -> impl Strategy<Value = Severities> {
    let dense = vec(0u8..=4, SYMPTOM_COUNT).prop_map(|values| {
        let mut s = Severities::default();
        for (symptom, v) in Symptom::ALL.iter().zip(values) {
            s.set(*symptom, v);
        }
        s
    });
    let sparse = vec((0..SYMPTOM_COUNT, 1u8..=4), 0..5).prop_map(|present| {
        let mut s = Severities::default();
        for (index, v) in present {
            s.set(Symptom::ALL[index], v);
        }
        s
    });
    prop_oneof![1 => dense, 3 => sparse]
}

fn care() -> impl Strategy<Value = MedicalCare> {
    prop_oneof![
        6 => Just(MedicalCare::None),
        1 => Just(MedicalCare::Clinic),
        1 => Just(MedicalCare::EmergencyRoom),
        1 => Just(MedicalCare::Hospitalized)
    ]
}

fn treatment() -> impl Strategy<Value = TreatmentFacts> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(prop_oneof![
            (90u32..=200).prop_map(f64::from),
            select(vec![110.0, 130.0, 160.0])
        ]),
    )
        .prop_map(|(iv, face_or_scalp, baseline_systolic_bp)| TreatmentFacts {
            route: if iv {
                Route::Intravenous
            } else {
                Route::Injection
            },
            face_or_scalp,
            baseline_systolic_bp,
        })
}

/// A reading in either unit, often at a threshold.
fn glucose() -> impl Strategy<Value = Option<Glucose>> {
    proptest::option::of(prop_oneof![
        (20.0f64..200.0).prop_map(Glucose::mg_dl),
        (1.0f64..11.0).prop_map(Glucose::mmol_l),
        select(vec![70.0, 69.9, 54.0, 53.9]).prop_map(Glucose::mg_dl),
        select(vec![3.9, 3.8, 3.0, 2.9]).prop_map(Glucose::mmol_l),
    ])
}

fn vitals() -> impl Strategy<Value = Vitals> {
    (
        glucose(),
        proptest::option::of(prop_oneof![
            (50.0f64..200.0),
            select(vec![89.0, 90.0, 91.0, 112.0])
        ]),
        proptest::option::of(prop_oneof![(35.0f64..41.0), select(vec![37.9, 38.0])]),
    )
        .prop_map(|(glucose, systolic_bp, temperature_c)| Vitals {
            glucose,
            systolic_bp,
            temperature_c,
        })
}

/// Seconds after the treatment: the first days (acute window, 72 h,
/// first week), the boundaries, or the whole follow-up.
fn elapsed_seconds() -> impl Strategy<Value = i64> {
    prop_oneof![
        0..5 * DAY,
        select(vec![
            24 * HOUR - 1,
            24 * HOUR,
            72 * HOUR - 1,
            72 * HOUR,
            8 * DAY,
            14 * DAY
        ]),
        0..100 * DAY,
    ]
}

/// A check-in of `treatment`, `seconds` after it, on day `seconds / 24 h`.
fn checkin(treatment: TreatmentFacts, seconds: i64) -> impl Strategy<Value = Observation> {
    (severities(), vitals(), care()).prop_map(move |(severities, vitals, medical_care)| {
        Observation {
            day: seconds / DAY,
            elapsed: Duration::seconds(seconds),
            treatment,
            severities,
            vitals,
            medical_care,
        }
    })
}

/// A check-in and the history of earlier check-ins of the same treatment.
fn case() -> impl Strategy<Value = (Observation, History)> {
    (treatment(), elapsed_seconds()).prop_flat_map(|(treatment, seconds)| {
        let earlier = vec(0..seconds.max(1), 0..5).prop_flat_map(move |times| {
            times
                .into_iter()
                .map(|t| checkin(treatment, t))
                .collect::<Vec<_>>()
        });
        (checkin(treatment, seconds), earlier)
            .prop_map(|(observation, earlier)| (observation, History::of(&earlier)))
    })
}

pub(crate) fn thresholds() -> impl Strategy<Value = Thresholds> {
    Thresholds::PERSISTENCE_DAYS.prop_map(|persistence_days| Thresholds { persistence_days })
}

/// The check-ins of one treatment, in `observed_at` order (distinct
/// elapsed times).
fn course() -> impl Strategy<Value = Vec<Observation>> {
    let horizon = prop_oneof![Just(4 * DAY), Just(20 * DAY), Just(100 * DAY)];
    (treatment(), horizon).prop_flat_map(|(treatment, horizon)| {
        btree_set(0..horizon, 1..=8).prop_flat_map(move |times| {
            times
                .into_iter()
                .map(|t| checkin(treatment, t))
                .collect::<Vec<_>>()
        })
    })
}

/// A course and the order its check-ins arrive in.
pub(crate) fn course_and_arrival() -> impl Strategy<Value = (Vec<Observation>, Vec<Observation>)> {
    course().prop_flat_map(|course| (Just(course.clone()), Just(course).prop_shuffle()))
}

/// Simulates arrival in `arrival` order: a store sorted by elapsed time;
/// each new check-in is triaged against those observed before it, and
/// every stored check-in observed after it is triaged again.
pub(crate) fn arrive(
    arrival: &[Observation],
    thresholds: &Thresholds,
) -> Vec<(Observation, Triage)> {
    let mut store: Vec<(Observation, Triage)> = Vec::new();
    for new in arrival {
        let at = store.partition_point(|(o, _)| o.elapsed < new.elapsed);
        let before = History::of(store[..at].iter().map(|(o, _)| o));
        let triaged = triage(new, &before, thresholds);
        store.insert(at, (*new, triaged));
        let mut history = before;
        history.add(new);
        let later: Vec<Observation> = store[at + 1..].iter().map(|(o, _)| *o).collect();
        let again = triage_later(history, &later, thresholds);
        assert_eq!(again.len(), later.len());
        for ((_, stored), triaged) in store[at + 1..].iter_mut().zip(again) {
            *stored = triaged;
        }
    }
    store
}

proptest! {
    // No regression files: this module's tests may write only their own
    // output.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn raising_a_severity_never_lowers_the_level(
        (o, h) in case(),
        th in thresholds(),
        index in 0usize..SYMPTOM_COUNT,
        raise in 1u8..=4,
    ) {
        let before = triage(&o, &h, &th);
        let symptom = Symptom::ALL[index];
        let mut raised = o;
        raised.severities.set(symptom, o.severities.get(symptom).saturating_add(raise).min(4));
        let after = triage(&raised, &h, &th);
        prop_assert!(
            after.level >= before.level,
            "{} {} -> {}: {:?} -> {:?}\nbefore: {:#?}\nafter: {:#?}",
            symptom, o.severities.get(symptom), raised.severities.get(symptom),
            before.level, after.level, before.findings, after.findings
        );
    }

    #[test]
    fn raising_every_severity_at_once_never_lowers_the_level(
        (o, h) in case(),
        raise in vec(0u8..=4, SYMPTOM_COUNT),
    ) {
        let th = Thresholds::default();
        let before = triage(&o, &h, &th).level;
        let mut raised = o;
        for (symptom, r) in Symptom::ALL.iter().zip(raise) {
            raised.severities.set(*symptom, o.severities.get(*symptom).saturating_add(r).min(4));
        }
        prop_assert!(triage(&raised, &h, &th).level >= before);
    }

    #[test]
    fn lowering_glucose_or_blood_pressure_never_lowers_the_level(
        (o, h) in case(),
        th in thresholds(),
        fraction in 0.0f64..1.0,
        bp_drop in 0.0f64..60.0,
    ) {
        let before = triage(&o, &h, &th);
        if let Some(g) = o.vitals.glucose {
            let mut lower = o;
            // Same unit; mg/dL drops up to 60, mmol/L up to 3.3.
            let drop = match g.unit {
                GlucoseUnit::MgDl => 60.0 * fraction,
                GlucoseUnit::MmolL => 3.3 * fraction,
            };
            lower.vitals.glucose = Some(Glucose { value: g.value - drop, unit: g.unit });
            let after = triage(&lower, &h, &th);
            prop_assert!(
                after.level >= before.level,
                "glucose {} -> {}: {:#?} -> {:#?}",
                g.describe(), (g.value - drop), before.findings, after.findings
            );
        }
        if let Some(bp) = o.vitals.systolic_bp {
            let mut lower = o;
            lower.vitals.systolic_bp = Some(bp - bp_drop);
            let after = triage(&lower, &h, &th);
            prop_assert!(
                after.level >= before.level,
                "systolic {} -> {}: {:#?} -> {:#?}",
                bp, bp - bp_drop, before.findings, after.findings
            );
        }
    }

    #[test]
    fn the_same_input_gives_the_same_findings((o, h) in case(), th in thresholds()) {
        prop_assert_eq!(triage(&o, &h, &th), triage(&o, &h, &th));
        let copy = o;
        prop_assert_eq!(triage(&o, &h, &th), triage(&copy, &h.clone(), &th));
    }

    #[test]
    fn every_finding_has_reasons_naming_its_inputs((o, h) in case(), th in thresholds()) {
        let t = triage(&o, &h, &th);
        prop_assert_eq!(t.level, t.findings.iter().map(|f| f.level).max().unwrap_or(Level::None));
        for f in &t.findings {
            prop_assert!(!f.reasons.is_empty(), "{:#?}", f);
            prop_assert!(f.level >= Level::Warning, "{:#?}", f);
            prop_assert!(f.rule != Rule::MissedCheckins);
            prop_assert!(!f.names.is_empty(), "{:#?}", f);
            for input in &f.names {
                let word = input_word(*input);
                prop_assert!(
                    f.reasons.iter().any(|r| mentions(r, word)),
                    "{} names {:?} but no reason mentions {:?}: {:#?}\ninput: {:#?}",
                    f.rule.as_str(), input, word, f.reasons, o
                );
            }
        }
        // Each rule yields at most one finding.
        for rule in Rule::ALL {
            prop_assert!(t.findings.iter().filter(|f| f.rule == rule).count() <= 1);
        }
        prop_assert!(t.findings.iter().filter(|f| f.rule.is_allergic()).count() <= 1);
    }

    #[test]
    fn findings_are_the_same_whatever_order_the_check_ins_arrived_in(
        (course, arrival) in course_and_arrival(),
        th in thresholds(),
    ) {
        let stored = arrive(&arrival, &th);
        prop_assert_eq!(stored.len(), course.len());
        for (i, (o, t)) in stored.iter().enumerate() {
            prop_assert_eq!(o, &course[i]);
            let in_order = triage(o, &History::of(&course[..i]), &th);
            prop_assert_eq!(
                t, &in_order,
                "check-in {} (at {:?}) arrived in order {:?}",
                i, o.elapsed,
                arrival.iter().map(|a| a.elapsed.num_seconds()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn triage_later_is_triage_against_each_prefix(course in course(), th in thresholds()) {
        // Re-triaging from the first check-in on is in-order triage.
        let again = triage_later(History::default(), &course, &th);
        for (i, t) in again.iter().enumerate() {
            prop_assert_eq!(t, &triage(&course[i], &History::of(&course[..i]), &th));
        }
    }
}
