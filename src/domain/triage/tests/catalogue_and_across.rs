//! The catalogue of version 2 and what holds across rules.

use super::*;

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
    // Rules and levels: domain::tests::every_code_reads_back_as_itself.
    assert_eq!(
        MedicalCare::parse("emergency_room"),
        Some(MedicalCare::EmergencyRoom)
    );
    assert_eq!(GlucoseUnit::parse("mmol/L"), Some(GlucoseUnit::MmolL));
    assert_eq!(GlucoseUnit::parse("mg/dL"), Some(GlucoseUnit::MgDl));
    assert_eq!(Thresholds::default().persistence_days, 7);
    assert_eq!(Thresholds::PERSISTENCE_DAYS, 3..=30);
}
