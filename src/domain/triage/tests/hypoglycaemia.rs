//! Rule 2: hypoglycaemia.

use super::*;

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
