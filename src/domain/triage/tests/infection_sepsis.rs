//! Rules 8 and 9: possible infection, possible sepsis.

use super::*;

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
