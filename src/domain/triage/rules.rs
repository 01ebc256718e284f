//! The rules of clinical-rules.md, one function each, in its order.

use super::{Finding, History, Input, Level, MedicalCare, Observation, Route, Rule, Thresholds};
use crate::domain::symptoms::{Severities, Symptom, AUTONOMIC, LOCAL};

fn named(symptom: Symptom, severity: u8) -> String {
    format!("{} {}", symptom.code(), severity)
}

fn listed(inputs: &[(Symptom, u8)]) -> String {
    inputs
        .iter()
        .map(|(s, v)| named(*s, *v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The symptoms of `checks` at or above their threshold.
fn at_least(severities: &Severities, checks: &[(Symptom, u8)]) -> Vec<(Symptom, u8)> {
    checks
        .iter()
        .map(|(symptom, threshold)| (*symptom, *threshold, severities.get(*symptom)))
        .filter(|(_, threshold, severity)| severity >= threshold)
        .map(|(symptom, _, severity)| (symptom, severity))
        .collect()
}

fn symptoms(inputs: &[(Symptom, u8)]) -> impl Iterator<Item = Input> + '_ {
    inputs.iter().map(|(s, _)| Input::Symptom(*s))
}

/// The autonomic symptoms reported at 1 or more.
fn autonomic(s: &Severities) -> Vec<(Symptom, u8)> {
    at_least(s, &AUTONOMIC.map(|a| (a, 1)))
}

/// Confusion >= 2 or fainting >= 1.
fn neuroglycopenic(s: &Severities) -> Vec<(Symptom, u8)> {
    at_least(s, &[(Symptom::Confusion, 2), (Symptom::Fainting, 1)])
}

/// Systolic BP below 90, or below 70% of the treatment's baseline
/// (`10 x systolic < 7 x baseline`); the reason if so.
fn hypotension(o: &Observation) -> Option<String> {
    let bp = o.vitals.systolic_bp?;
    if bp < 90.0 {
        return Some(format!("systolic BP {bp} mmHg is below 90"));
    }
    let baseline = o.treatment.baseline_systolic_bp?;
    (10.0 * bp < 7.0 * baseline)
        .then(|| format!("systolic BP {bp} mmHg is below 70% of the baseline {baseline} mmHg"))
}

/// A value as a person reads it: at least one decimal ("38.0", "3.8").
pub(super) fn decimal(value: f64) -> String {
    if (value * 10.0).fract() == 0.0 {
        format!("{value:.1}")
    } else {
        value.to_string()
    }
}

fn temperature_reason(t: f64) -> String {
    format!("temperature {} °C is 38.0 or more", decimal(t))
}

/// Fever >= 2 or a temperature of 38.0 °C or more: the reasons and inputs.
fn fever(o: &Observation) -> (Vec<String>, Vec<Input>) {
    let mut reasons = Vec::new();
    let mut names = Vec::new();
    let fever = o.severities.get(Symptom::Fever);
    if fever >= 2 {
        reasons.push(named(Symptom::Fever, fever));
        names.push(Input::Symptom(Symptom::Fever));
    }
    if let Some(t) = o.vitals.temperature_c.filter(|t| *t >= 38.0) {
        reasons.push(temperature_reason(t));
        names.push(Input::Temperature);
    }
    (reasons, names)
}

const SKIN_MUCOSAL: [(Symptom, u8); 3] = [
    (Symptom::Hives, 2),
    (Symptom::Flushing, 2),
    (Symptom::LipTongueSwelling, 1),
];
/// Lip or tongue swelling of 2 or more is upper-airway swelling.
const RESPIRATORY: [(Symptom, u8); 3] = [
    (Symptom::ThroatTightness, 1),
    (Symptom::DifficultyBreathing, 2),
    (Symptom::LipTongueSwelling, 2),
];
const CIRCULATORY: [(Symptom, u8); 2] = [(Symptom::Fainting, 1), (Symptom::Dizziness, 3)];
const GASTROINTESTINAL: [(Symptom, u8); 3] = [
    (Symptom::Vomiting, 2),
    (Symptom::AbdominalPain, 3),
    (Symptom::Nausea, 3),
];

struct System {
    name: &'static str,
    triggers: Vec<(Symptom, u8)>,
    hypotension: Option<String>,
}

impl System {
    fn involved(&self) -> bool {
        !self.triggers.is_empty() || self.hypotension.is_some()
    }

    fn reason(&self) -> String {
        let mut inputs: Vec<String> = self.triggers.iter().map(|(s, v)| named(*s, *v)).collect();
        inputs.extend(self.hypotension.clone());
        format!("{} involved: {}", self.name, inputs.join(", "))
    }
}

/// Rule 1: anaphylaxis (NIAID/FAAN 2006 criteria 1-3; WAO 2020 criteria
/// 1-2; Brighton 2023). `earlier_allergic`: an earlier allergic finding of
/// the treatment less than 72 h before, which brings the acute-window
/// patterns back (biphasic reactions).
pub fn systemic_reaction(o: &Observation, earlier_allergic: bool) -> Option<Finding> {
    let s = &o.severities;
    // Most check-ins involve no system: say so before building any reason.
    let meets = |checks: &[(Symptom, u8)]| checks.iter().any(|(x, t)| s.get(*x) >= *t);
    if ![
        &SKIN_MUCOSAL[..],
        &RESPIRATORY,
        &CIRCULATORY,
        &GASTROINTESTINAL,
    ]
    .into_iter()
    .any(meets)
        && hypotension(o).is_none()
    {
        return None;
    }
    let [skin, respiratory, mut circulatory, gastrointestinal] = [
        ("skin/mucosal", &SKIN_MUCOSAL[..]),
        ("respiratory", &RESPIRATORY[..]),
        ("circulatory", &CIRCULATORY[..]),
        ("gastrointestinal", &GASTROINTESTINAL[..]),
    ]
    .map(|(name, checks)| System {
        name,
        triggers: at_least(s, checks),
        hypotension: None,
    });
    circulatory.hypotension = hypotension(o);
    // Confusion is end-organ dysfunction only beside another system.
    let confusion = s.get(Symptom::Confusion);
    let others = skin.involved() || respiratory.involved() || gastrointestinal.involved();
    if confusion >= 2 && (others || circulatory.involved()) {
        circulatory.triggers.push((Symptom::Confusion, confusion));
    }
    let systems = [&skin, &respiratory, &circulatory, &gastrointestinal];
    let involved: Vec<&System> = systems.into_iter().filter(|s| s.involved()).collect();
    if involved.is_empty() {
        return None;
    }
    let (breathing, throat) = (
        s.get(Symptom::DifficultyBreathing),
        s.get(Symptom::ThroatTightness),
    );
    let low_bp = circulatory.hypotension.is_some();
    let only = |system: &System| involved.len() == 1 && system.involved();
    let mut reasons: Vec<String> = involved.iter().map(|system| system.reason()).collect();
    let mut emergency_because = Vec::new();
    if involved.len() >= 2 {
        emergency_because.push(format!("{} organ systems involved", involved.len()));
    }
    if skin.involved() && breathing >= 1 {
        emergency_because.push(format!(
            "skin/mucosal involvement with {}",
            named(Symptom::DifficultyBreathing, breathing)
        ));
    }
    if breathing >= 3 {
        emergency_because.push(format!(
            "{} is an emergency on its own",
            named(Symptom::DifficultyBreathing, breathing)
        ));
    }
    let acute_patterns = o.within_acute_window() || earlier_allergic;
    if acute_patterns {
        if only(&respiratory) {
            emergency_because.push("respiratory involvement after the exposure".to_owned());
        }
        if low_bp && only(&circulatory) {
            emergency_because.push("hypotension after the exposure".to_owned());
        }
    } else {
        if only(&respiratory) && throat >= 3 {
            emergency_because.push(format!(
                "{} is an emergency on its own",
                named(Symptom::ThroatTightness, throat)
            ));
        }
        let faint = s.get(Symptom::Fainting);
        if low_bp && only(&circulatory) && (faint >= 1 || confusion >= 2) {
            emergency_because.push(format!(
                "hypotension with {}",
                listed(&at_least(
                    s,
                    &[(Symptom::Fainting, 1), (Symptom::Confusion, 2)]
                ))
            ));
        }
    }
    let mut names: Vec<Input> = involved
        .iter()
        .flat_map(|system| symptoms(&system.triggers))
        .collect();
    if low_bp {
        names.push(Input::SystolicBp);
    }
    if skin.involved()
        && breathing >= 1
        && !names.contains(&Input::Symptom(Symptom::DifficultyBreathing))
    {
        names.push(Input::Symptom(Symptom::DifficultyBreathing));
    }
    if o.within_acute_window() {
        reasons.push("within 24 hours of the treatment".to_owned());
    } else {
        reasons.push("more than 24 hours after the treatment".to_owned());
        if earlier_allergic {
            reasons.push(
                "within 72 hours of an earlier allergic finding (biphasic reaction)".to_owned(),
            );
        }
    }
    let emergency = !emergency_because.is_empty();
    reasons.extend(emergency_because);
    let rule = match (emergency, o.within_acute_window()) {
        (true, true) => Rule::SuspectedAnaphylaxis,
        (true, false) => Rule::SevereSystemicReaction,
        (false, _) => Rule::PossibleAllergicReaction,
    };
    // G alone after the window is urgent only as a biphasic echo.
    if !emergency && only(&gastrointestinal) && !acute_patterns {
        return None;
    }
    Some(Finding {
        rule,
        level: if emergency {
            Level::Emergency
        } else {
            Level::Urgent
        },
        reasons,
        names,
    })
}

/// Rule 2: hypoglycaemia (ADA levels 1-3; Cryer's symptoms).
pub fn hypoglycaemia(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let autonomic = autonomic(s);
    let neuro = neuroglycopenic(s);
    let glucose = o.vitals.glucose;
    let low = glucose.filter(|g| g.is_low());
    let mut reasons = Vec::new();
    let mut names = Vec::new();
    let probable = glucose.is_none() && autonomic.len() >= 2;
    let level = if !neuro.is_empty() && (low.is_some() || probable) {
        reasons.push(listed(&neuro));
        names.extend(symptoms(&neuro));
        Level::Emergency
    } else if glucose.is_some_and(|g| g.is_very_low()) {
        Level::Urgent
    } else if low.is_some() || probable {
        Level::Warning
    } else {
        return None;
    };
    if let Some(g) = low {
        let bound = if g.is_very_low() {
            "very low (ADA level 2: below 54 mg/dL or 3.0 mmol/L)"
        } else {
            "low (ADA level 1: below 70 mg/dL or 3.9 mmol/L)"
        };
        reasons.push(format!("glucose {} is {bound}", g.describe()));
        names.push(Input::Glucose);
    }
    if probable {
        reasons.push(format!(
            "probable symptomatic hypoglycaemia, no glucose measured; autonomic symptoms: {}",
            listed(&autonomic)
        ));
        names.extend(symptoms(&autonomic));
    }
    Some(Finding {
        rule: Rule::Hypoglycaemia,
        level,
        reasons,
        names,
    })
}

/// Rule 3: a decreased level of consciousness, whatever the glucose.
/// The caller leaves it out beside a hypoglycaemia emergency.
pub fn altered_consciousness(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let confusion = s.get(Symptom::Confusion);
    let autonomic = autonomic(s);
    let neuro = neuroglycopenic(s);
    let pseudo = o
        .vitals
        .glucose
        .filter(|g| !g.is_low() && !neuro.is_empty() && autonomic.len() >= 2);
    if let Some(g) = pseudo {
        let mut names: Vec<Input> = symptoms(&neuro).chain(symptoms(&autonomic)).collect();
        names.push(Input::Glucose);
        return Some(Finding {
            rule: Rule::AlteredConsciousness,
            level: Level::Emergency,
            reasons: vec![
                listed(&neuro),
                format!("autonomic symptoms: {}", listed(&autonomic)),
                format!("glucose {} is not low", g.describe()),
            ],
            names,
        });
    }
    let level = match confusion {
        0..=1 => return None,
        2 => Level::Urgent,
        _ => Level::Emergency,
    };
    Some(Finding {
        rule: Rule::AlteredConsciousness,
        level,
        reasons: vec![named(Symptom::Confusion, confusion)],
        names: vec![Input::Symptom(Symptom::Confusion)],
    })
}

/// Rule 4: a change in vision, an emergency in the week after an injection
/// into the face or scalp (intravascular injection).
pub fn vision_change(o: &Observation) -> Option<Finding> {
    let vision = o.severities.get(Symptom::VisionChange);
    let face = o.treatment.route == Route::Injection && o.treatment.face_or_scalp;
    let (level, context) = if vision >= 1 && face && o.day <= 7 {
        (
            Level::Emergency,
            format!("on day {} after an injection into the face or scalp", o.day),
        )
    } else if vision >= 2 {
        (Level::Urgent, format!("on day {}", o.day))
    } else {
        return None;
    };
    Some(Finding {
        rule: Rule::VisionChange,
        level,
        reasons: vec![format!(
            "{} {context}",
            named(Symptom::VisionChange, vision)
        )],
        names: vec![Input::Symptom(Symptom::VisionChange)],
    })
}

/// Rule 5: ulceration, necrosis or compromised blood supply at the site.
pub fn tissue_injury(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let discoloration_from = if o.treatment.route == Route::Injection && o.within_hours(72) {
        1
    } else {
        2
    };
    let met = at_least(
        s,
        &[
            (Symptom::Blistering, 1),
            (Symptom::SkinDiscoloration, discoloration_from),
        ],
    );
    if met.is_empty() {
        return None;
    }
    let mut reasons: Vec<String> = met
        .iter()
        .map(|(s, v)| format!("{} at the puncture site", named(*s, *v)))
        .collect();
    if discoloration_from == 1 && s.get(Symptom::SkinDiscoloration) == 1 {
        reasons.push("within 72 hours of an injection".to_owned());
    }
    Some(Finding {
        rule: Rule::TissueInjury,
        level: Level::Urgent,
        reasons,
        names: symptoms(&met).collect(),
    })
}

/// The local symptoms a rule may count on this day: from day 14 on a lump
/// is `delayed_nodule`'s alone.
fn local_for_day(day: i64) -> impl Iterator<Item = Symptom> {
    LOCAL
        .into_iter()
        .filter(move |s| day < 14 || *s != Symptom::Lump)
}

/// Rule 6: a local reaction past the configured number of days.
pub fn persistent_local_reaction(
    o: &Observation,
    history: &History,
    thresholds: &Thresholds,
) -> Option<Finding> {
    if o.day <= thresholds.persistence_days {
        return None;
    }
    let present: Vec<(Symptom, u8)> = local_for_day(o.day)
        .map(|l| (l, o.severities.get(l)))
        .filter(|(_, v)| *v >= 1)
        .collect();
    if present.is_empty() {
        return None;
    }
    let level = if present.iter().any(|(_, v)| *v >= 3) {
        Level::Urgent
    } else {
        Level::Warning
    };
    let reasons = present
        .iter()
        .map(|(symptom, severity)| {
            let first = history
                .first_reported(*symptom)
                .map_or("first reported today".to_owned(), |day| {
                    format!("first reported on day {day}")
                });
            format!("{} on day {}, {first}", named(*symptom, *severity), o.day)
        })
        .collect();
    Some(Finding {
        rule: Rule::PersistentLocalReaction,
        level,
        reasons,
        names: symptoms(&present).collect(),
    })
}

/// Rule 7: a lump two weeks or more after the treatment (granuloma).
pub fn delayed_nodule(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let lump = s.get(Symptom::Lump);
    if o.day < 14 || lump == 0 {
        return None;
    }
    let inflamed = if lump >= 2 {
        at_least(
            s,
            &[
                (Symptom::Redness, 2),
                (Symptom::Pain, 2),
                (Symptom::Discharge, 1),
            ],
        )
    } else {
        Vec::new()
    };
    let level = if lump >= 3 || !inflamed.is_empty() {
        Level::Urgent
    } else {
        Level::Warning
    };
    let mut reasons = vec![format!("{} on day {}", named(Symptom::Lump, lump), o.day)];
    if !inflamed.is_empty() {
        reasons.push(format!("with {}", listed(&inflamed)));
    }
    Some(Finding {
        rule: Rule::DelayedNodule,
        level,
        reasons,
        names: std::iter::once(Input::Symptom(Symptom::Lump))
            .chain(symptoms(&inflamed))
            .collect(),
    })
}

/// Rule 8: fever with an inflamed puncture site.
pub fn possible_infection(o: &Observation) -> Option<Finding> {
    let (mut reasons, mut names) = fever(o);
    let mut local: Vec<(Symptom, u8)> = LOCAL
        .iter()
        .map(|l| (*l, o.severities.get(*l)))
        .filter(|(_, v)| *v >= 2)
        .collect();
    let discharge = o.severities.get(Symptom::Discharge);
    if discharge == 1 {
        local.push((Symptom::Discharge, discharge));
    }
    if reasons.is_empty() || local.is_empty() {
        return None;
    }
    reasons.extend(
        local
            .iter()
            .map(|(s, v)| format!("{} at the puncture site", named(*s, *v))),
    );
    names.extend(symptoms(&local));
    Some(Finding {
        rule: Rule::PossibleInfection,
        level: Level::Urgent,
        reasons,
        names,
    })
}

/// Rule 9: fever after the treatment, above all after an infusion
/// (bloodstream infections from contaminated products). Chills >= 2 count
/// as a fever for the emergency too (change 4 of version 2 names them with
/// the shock signs; rule 9's text leaves them out: the safer reading).
pub fn possible_sepsis(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let (mut reasons, mut names) = fever(o);
    let chills = s.get(Symptom::Chills);
    if chills >= 2 {
        reasons.push(named(Symptom::Chills, chills));
        names.push(Input::Symptom(Symptom::Chills));
    }
    let mut shock: Vec<String> = Vec::new();
    if !reasons.is_empty() {
        if let Some(low) = hypotension(o) {
            shock.push(low);
            names.push(Input::SystolicBp);
        }
        let signs = at_least(s, &[(Symptom::Fainting, 1), (Symptom::Confusion, 2)]);
        shock.extend(signs.iter().map(|(s, v)| named(*s, *v)));
        names.extend(symptoms(&signs));
    }
    if !shock.is_empty() {
        reasons.push(format!("with {}", shock.join(", ")));
        return Some(Finding {
            rule: Rule::PossibleSepsis,
            level: Level::Emergency,
            reasons,
            names,
        });
    }
    if reasons.is_empty() || o.day > 7 {
        return None;
    }
    let (level, route) = match o.treatment.route {
        Route::Intravenous => (Level::Urgent, "an IV treatment"),
        Route::Injection => (Level::Warning, "an injection"),
    };
    reasons.push(format!("on day {}, within 7 days of {route}", o.day));
    Some(Finding {
        rule: Rule::PossibleSepsis,
        level,
        reasons,
        names,
    })
}

/// Rule 10: redness, swelling, pain or a lump higher than ever before from
/// day 1 on; without such a check-in there is no baseline and no finding.
pub fn worsening_local_reaction(o: &Observation, history: &History) -> Option<Finding> {
    if o.day < 3 {
        return None;
    }
    let watched = [
        Symptom::Redness,
        Symptom::Swelling,
        Symptom::Pain,
        Symptom::Lump,
    ];
    let worse: Vec<(Symptom, u8, u8)> = watched
        .into_iter()
        .filter(|s| o.day < 14 || *s != Symptom::Lump)
        .filter_map(|s| Some((s, o.severities.get(s), history.highest_from_day_1(s)?)))
        .filter(|(_, now, before)| now > before)
        .collect();
    if worse.is_empty() {
        return None;
    }
    Some(Finding {
        rule: Rule::WorseningLocalReaction,
        level: Level::Warning,
        reasons: worse
            .iter()
            .map(|(s, now, before)| {
                format!(
                    "{} on day {}, highest before from day 1 on: {before}",
                    named(*s, *now),
                    o.day
                )
            })
            .collect(),
        names: worse.iter().map(|(s, _, _)| Input::Symptom(*s)).collect(),
    })
}

/// Rule 11: the patient sought medical care (v-safe's handoff trigger).
pub fn medically_attended(o: &Observation) -> Option<Finding> {
    let level = match o.medical_care {
        MedicalCare::None => return None,
        MedicalCare::Clinic => Level::Warning,
        MedicalCare::EmergencyRoom | MedicalCare::Hospitalized => Level::Urgent,
    };
    Some(Finding {
        rule: Rule::MedicallyAttended,
        level,
        reasons: vec![format!("medical care sought: {}", o.medical_care.as_str())],
        names: vec![Input::MedicalCare],
    })
}

/// Rule 12: anything severe or very severe that the findings above do not
/// already account for, and a fever nobody named.
pub fn severe_symptom(o: &Observation, findings: &[Finding]) -> Option<Finding> {
    let named_at = |input: Input, level: Level| {
        findings
            .iter()
            .any(|f| f.level >= level && f.names.contains(&input))
    };
    let severe: Vec<(Symptom, u8)> = o
        .severities
        .present()
        .filter(|(s, _)| o.day < 14 || *s != Symptom::Lump)
        .filter(|(s, v)| match v {
            4 => !named_at(Input::Symptom(*s), Level::Urgent),
            3 => !named_at(Input::Symptom(*s), Level::Info),
            _ => false,
        })
        .collect();
    let temperature = o
        .vitals
        .temperature_c
        .filter(|t| *t >= 38.0 && !named_at(Input::Temperature, Level::Info));
    if severe.is_empty() && temperature.is_none() {
        return None;
    }
    let level = if severe.iter().any(|(_, v)| *v >= 4) {
        Level::Urgent
    } else {
        Level::Warning
    };
    let mut reasons: Vec<String> = severe
        .iter()
        .map(|(s, v)| {
            format!(
                "{} ({})",
                named(*s, *v),
                if *v >= 4 { "very severe" } else { "severe" }
            )
        })
        .collect();
    let mut names: Vec<Input> = symptoms(&severe).collect();
    if let Some(t) = temperature {
        reasons.push(temperature_reason(t));
        names.push(Input::Temperature);
    }
    Some(Finding {
        rule: Rule::SevereSymptom,
        level,
        reasons,
        names,
    })
}
