//! Rules 3 to 5: altered consciousness, vision change, tissue injury.

use super::*;

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
