//! Rules 10 to 12: a worsening reaction, medical care, a severe symptom.

use super::*;

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
