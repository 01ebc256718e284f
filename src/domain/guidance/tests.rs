//! One test per guidance condition of clinical-rules.md, "Guidance shown
//! to the patient".

use chrono::{Duration, NaiveDate};

use super::*;
use crate::domain::symptoms::{Severities, Symptom::*};
use crate::domain::triage::{triage, Glucose, History, Thresholds, TreatmentFacts, Vitals};

fn given_at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .and_then(|d| d.and_hms_opt(14, 30, 0))
        .unwrap()
}

fn obs(hours: i64, symptoms: &[(Symptom, u8)]) -> Observation {
    let mut severities = Severities::default();
    for (s, v) in symptoms {
        severities.set(*s, *v);
    }
    Observation {
        day: hours / 24,
        elapsed: Duration::hours(hours),
        treatment: TreatmentFacts {
            face_or_scalp: true,
            ..TreatmentFacts::default()
        },
        severities,
        ..Observation::default()
    }
}

fn guide_with(o: &Observation, locale: Locale, notified: bool) -> Vec<Guidance> {
    let t = triage(o, &History::default(), &Thresholds::default());
    for_triage(
        &t,
        o,
        &Context {
            locale,
            emergency_number: "119",
            given_at: given_at(),
            clinic_notified: notified,
        },
    )
}

fn guide(o: &Observation, locale: Locale) -> Vec<Guidance> {
    guide_with(o, locale, false)
}

fn codes(g: &[Guidance]) -> Vec<&str> {
    g.iter().map(|g| g.code).collect()
}

fn text<'a>(g: &'a [Guidance], code: &str) -> &'a str {
    g.iter()
        .find(|g| g.code == code)
        .map(|g| g.text.as_str())
        .unwrap_or_else(|| panic!("no {code} in {g:?}"))
}

#[test]
fn japanese_dates_read_as_the_leaflet_writes_them() {
    assert_eq!(local_time(given_at(), Locale::Ja), "2026年11月25日14時30分");
    assert_eq!(local_time(given_at(), Locale::En), "2026-11-25 14:30");
}

#[test]
fn an_emergency_gives_the_number_the_treatment_time_and_first_aid() {
    let o = obs(1, &[(ThroatTightness, 1)]);
    let en = guide_with(&o, Locale::En, true);
    assert_eq!(codes(&en), vec!["call_emergency", "clinic_notified"]);
    let call = text(&en, "call_emergency");
    assert!(call.starts_with("Call 119 now"), "{call}");
    assert!(call.contains("2026-11-25 14:30") && call.contains("exosome"));
    assert!(call.contains("legs raised") && call.contains("auto-injector"));
    assert!(call.contains("lie on your side"));
    assert!(!call.contains("someone nearby"));
    let ja = guide(&o, Locale::Ja);
    let call = text(&ja, "call_emergency");
    assert!(call.contains("119番") && call.contains("2026年11月25日14時30分"));
    assert!(call.contains("足を高くして横になって"));
}

#[test]
fn first_aid_only_for_anaphylaxis_and_help_from_others_when_faint_or_confused() {
    // Vision change after a face injection: an emergency, not anaphylaxis.
    let g = guide(&obs(30, &[(VisionChange, 1)]), Locale::En);
    assert!(!text(&g, "call_emergency").contains("legs raised"));
    let g = guide(&obs(30, &[(Confusion, 3)]), Locale::Ja);
    assert!(text(&g, "call_emergency").contains("周りの人に119番通報してもらってください"));
    let g = guide(&obs(2, &[(Fainting, 1), (Hives, 2)]), Locale::En);
    let call = text(&g, "call_emergency");
    assert!(call.contains("legs raised") && call.contains("someone nearby to call 119"));
    assert!(
        call.starts_with("If you may faint"),
        "help from others comes first: {call}"
    );
}

#[test]
fn an_urgent_finding_without_an_emergency_says_call_if_worse() {
    let g = guide(&obs(30, &[(Headache, 4)]), Locale::En);
    assert_eq!(codes(&g), vec!["call_if_worse"]);
    assert!(text(&g, "call_if_worse").contains("call 119"));
    let g = guide(&obs(1, &[(ThroatTightness, 1)]), Locale::En);
    assert!(!codes(&g).contains(&"call_if_worse"));
}

#[test]
fn sugar_only_when_able_to_swallow_and_never_with_airway_signs_or_vomiting() {
    let mut o = obs(30, &[]);
    o.vitals = Vitals {
        glucose: Some(Glucose::mmol_l(3.5)),
        ..Vitals::default()
    };
    let g = guide(&o, Locale::En);
    assert_eq!(codes(&g), vec!["take_sugar", "keep_checking_in"]);
    let sugar = text(&g, "take_sugar");
    assert!(sugar.starts_with("Only if you are awake and able to swallow"));
    assert!(sugar.contains("15 minutes") && sugar.contains("repeat"));
    let ja = guide(&o, Locale::Ja);
    assert!(text(&ja, "take_sugar").contains("飲み込めるときだけ"));
    for airway in [
        Vomiting,
        ThroatTightness,
        DifficultyBreathing,
        LipTongueSwelling,
    ] {
        let mut o = o;
        o.severities.set(airway, 1);
        let g = guide(&o, Locale::En);
        let sugar = text(&g, "take_sugar");
        assert!(
            sugar.starts_with("Do not eat or drink anything"),
            "{airway:?}: {sugar}"
        );
        assert!(sugar.contains("call 119"));
    }
}

#[test]
fn local_care_reassures_only_at_level_none() {
    let g = guide(&obs(30, &[(Redness, 1)]), Locale::Ja);
    assert_eq!(codes(&g), vec!["local_care", "keep_checking_in"]);
    let care = text(&g, "local_care");
    assert!(care.contains("揉") && care.contains("シャワー") && care.contains("静かに過ごして"));
    assert!(care.contains("1週間ほどで治まります"));
    assert!(!care.contains("保冷剤"), "cooling is for swelling only");
    // A warning elsewhere: the same care, no reassurance.
    let mut o = obs(30, &[(Redness, 1)]);
    o.medical_care = crate::domain::triage::MedicalCare::Clinic;
    let care = text(&guide(&o, Locale::En), "local_care").to_owned();
    assert!(care.contains("shower is fine") && !care.contains("settle"));
}

#[test]
fn no_local_care_or_reassurance_beside_a_finding_that_needs_a_look() {
    for (o, rule) in [
        (obs(9 * 24, &[(Redness, 1)]), "persistent"),
        (obs(15 * 24, &[(Lump, 1)]), "nodule"),
        (obs(30, &[(Blistering, 1)]), "tissue injury"),
    ] {
        let g = guide(&o, Locale::En);
        assert!(codes(&g).contains(&"persistent_reaction"), "{rule}: {g:?}");
        assert!(!codes(&g).contains(&"local_care"), "{rule}");
        assert!(g.iter().all(|g| !g.text.contains("settle")), "{rule}");
    }
    let g = guide(&obs(9 * 24, &[(Swelling, 1)]), Locale::Ja);
    assert!(text(&g, "persistent_reaction").contains("揉"));
    assert!(!codes(&g).contains(&"cool_swelling"));
}

#[test]
fn no_local_care_beside_an_infection_or_sepsis_finding() {
    let mut o = obs(30, &[(Redness, 2)]);
    o.vitals.temperature_c = Some(38.5);
    let g = guide(&o, Locale::En);
    assert!(!codes(&g).contains(&"local_care"), "{g:?}");
}

#[test]
fn cooling_only_for_swelling_of_skin_with_a_blood_supply() {
    let g = guide(&obs(30, &[(Swelling, 1)]), Locale::En);
    assert_eq!(
        codes(&g),
        vec!["local_care", "cool_swelling", "keep_checking_in"]
    );
    assert!(text(&g, "cool_swelling").contains("towel"));
    for (blocker, severity) in [(Numbness, 2), (SkinDiscoloration, 1)] {
        let g = guide(&obs(100, &[(Swelling, 1), (blocker, severity)]), Locale::En);
        assert!(!codes(&g).contains(&"cool_swelling"), "{blocker:?}");
    }
    let g = guide(&obs(30, &[(Swelling, 1), (Numbness, 1)]), Locale::En);
    assert!(codes(&g).contains(&"cool_swelling"));
    let g = guide(&obs(30, &[(Swelling, 1), (VisionChange, 1)]), Locale::En);
    assert!(!codes(&g).contains(&"cool_swelling"));
}

#[test]
fn clinic_notified_only_when_an_alert_was_opened_escalated_or_reopened() {
    let o = obs(30, &[(Headache, 4)]);
    assert!(!codes(&guide_with(&o, Locale::En, false)).contains(&"clinic_notified"));
    assert!(codes(&guide_with(&o, Locale::En, true)).contains(&"clinic_notified"));
}

#[test]
fn keep_checking_in_up_to_warning() {
    assert_eq!(
        codes(&guide(&Observation::default(), Locale::En)),
        vec!["keep_checking_in"]
    );
    let g = guide(&obs(30, &[(Fatigue, 3)]), Locale::En);
    assert_eq!(codes(&g), vec!["keep_checking_in"]);
    let g = guide(&obs(30, &[(Fatigue, 4)]), Locale::En);
    assert!(!codes(&g).contains(&"keep_checking_in"));
}

#[test]
fn aftercare_covers_the_leaflet_and_the_late_signs() {
    let iv = aftercare(
        Locale::En,
        &TreatmentNotes {
            route: Route::Intravenous,
            scalp: false,
        },
        "119",
    );
    let all: String = iv.iter().map(|g| g.text.as_str()).collect();
    assert!(!codes(&iv).contains(&"scalp_care"));
    for phrase in [
        "No long bath or sauna",
        "shower",
        "quietly",
        "touch or rub",
        "ice pack",
        "change in vision",
        "Call 119",
        "fever or chills",
        "up to 3 months",
    ] {
        assert!(all.contains(phrase), "{phrase}");
    }
    assert!(text(&iv, "report_fever").contains("IV treatment"));
    let scalp = aftercare(
        Locale::Ja,
        &TreatmentNotes {
            route: Route::Injection,
            scalp: true,
        },
        "119",
    );
    assert!(codes(&scalp).contains(&"scalp_care"));
    let all: String = scalp.iter().map(|g| g.text.as_str()).collect();
    assert!(all.contains("119番") && all.contains("シャワー") && all.contains("静かに過ごして"));
}

/// Each sign the device checks offline is one the rules take seriously,
/// urgent at least (fainting or lip swelling alone are urgent, the rest
/// emergencies), within the acute window after a face injection.
#[test]
fn every_emergency_sign_of_the_app_is_urgent_or_an_emergency_for_the_rules() {
    for sign in EMERGENCY_SIGNS {
        let o = obs(1, sign);
        let t = triage(&o, &History::default(), &Thresholds::default());
        assert!(t.level >= Level::Urgent, "{sign:?} is only {:?}", t.level);
    }
}

#[test]
fn the_offline_emergency_text_says_call_now_with_first_aid() {
    let g = offline_emergency(Locale::En, "119", given_at());
    assert_eq!(g.code, "call_emergency");
    assert!(g.text.contains("Call 119 now"));
    assert!(g.text.contains("legs raised"));
    let g = offline_emergency(Locale::Ja, "119", given_at());
    assert!(g.text.contains("2026年11月25日14時30分"));
    assert!(g.text.contains("周りの人に119番通報"));
}
