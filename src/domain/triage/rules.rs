//! The rules of clinical-rules.md, one function each, in its order.

use super::{Finding, History, Level, MedicalCare, Observation, Rule, Thresholds};
use crate::domain::symptoms::{Severities, Symptom, AUTONOMIC, LOCAL};

fn named(symptom: Symptom, severity: u8) -> String {
    format!("{} {}", symptom.code(), severity)
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

const SKIN_MUCOSAL: [(Symptom, u8); 3] = [
    (Symptom::Hives, 2),
    (Symptom::Flushing, 2),
    (Symptom::LipTongueSwelling, 1),
];
const RESPIRATORY: [(Symptom, u8); 2] = [
    (Symptom::ThroatTightness, 1),
    (Symptom::DifficultyBreathing, 2),
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
    low_blood_pressure: Option<f64>,
}

impl System {
    fn involved(&self) -> bool {
        !self.triggers.is_empty() || self.low_blood_pressure.is_some()
    }

    fn reason(&self) -> String {
        let mut inputs: Vec<String> = self.triggers.iter().map(|(s, v)| named(*s, *v)).collect();
        if let Some(bp) = self.low_blood_pressure {
            inputs.push(format!("systolic BP {bp} mmHg"));
        }
        format!("{} involved: {}", self.name, inputs.join(", "))
    }
}

/// Rule 1: anaphylaxis (NIAID/FAAN criteria 1-3, WAO 2020 criterion 2).
pub fn systemic_reaction(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let low_bp = o.vitals.systolic_bp.filter(|bp| *bp < 90.0);
    let systems = [
        System {
            name: "skin/mucosal",
            triggers: at_least(s, &SKIN_MUCOSAL),
            low_blood_pressure: None,
        },
        System {
            name: "respiratory",
            triggers: at_least(s, &RESPIRATORY),
            low_blood_pressure: None,
        },
        System {
            name: "circulatory",
            triggers: at_least(s, &CIRCULATORY),
            low_blood_pressure: low_bp,
        },
        System {
            name: "gastrointestinal",
            triggers: at_least(s, &GASTROINTESTINAL),
            low_blood_pressure: None,
        },
    ];
    let involved: Vec<&System> = systems.iter().filter(|system| system.involved()).collect();
    if involved.is_empty() {
        return None;
    }
    let covers: Vec<Symptom> = involved
        .iter()
        .flat_map(|system| system.triggers.iter().map(|(s, _)| *s))
        .collect();
    let mut reasons: Vec<String> = involved.iter().map(|system| system.reason()).collect();
    let mut emergency = involved.len() >= 2;
    if let Some(bp) = low_bp {
        emergency = true;
        reasons.push(format!("systolic BP {bp} mmHg is below 90"));
    }
    for (symptom, threshold) in [
        (Symptom::ThroatTightness, 2),
        (Symptom::DifficultyBreathing, 3),
    ] {
        if s.get(symptom) >= threshold {
            emergency = true;
            reasons.push(format!(
                "{} alone is an emergency at {threshold} or more",
                named(symptom, s.get(symptom))
            ));
        }
    }
    if involved.len() >= 2 {
        reasons.push(format!("{} organ systems involved", involved.len()));
    }
    let window = if o.within_acute_window {
        "within 24 hours of the treatment"
    } else {
        "more than 24 hours after the treatment"
    };
    reasons.push(window.to_owned());
    if emergency {
        let rule = if o.within_acute_window {
            Rule::SuspectedAnaphylaxis
        } else {
            Rule::SevereSystemicReaction
        };
        return Some(Finding {
            rule,
            level: Level::Emergency,
            reasons,
            covers,
        });
    }
    // One system: S, R or C at any time; G alone only in the acute window.
    let only = involved[0];
    if only.name == "gastrointestinal" && !o.within_acute_window {
        return None;
    }
    Some(Finding {
        rule: Rule::PossibleAllergicReaction,
        level: Level::Urgent,
        reasons,
        covers,
    })
}

/// Rule 2: hypoglycaemia (ADA levels 1-3; Cryer's symptoms).
pub fn hypoglycaemia(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let autonomic: Vec<(Symptom, u8)> = AUTONOMIC
        .iter()
        .map(|a| (*a, s.get(*a)))
        .filter(|(_, v)| *v >= 1)
        .collect();
    let neuroglycopenic = at_least(s, &[(Symptom::Confusion, 2), (Symptom::Fainting, 1)]);
    let glucose = o.vitals.glucose_mg_dl;
    let mut reasons = Vec::new();
    let mut covers: Vec<Symptom> = Vec::new();
    let glucose_reason = |g: f64| format!("glucose {g} mg/dL");
    let level = if !neuroglycopenic.is_empty()
        && (glucose.is_some_and(|g| g < 70.0) || autonomic.len() >= 2)
    {
        reasons.extend(neuroglycopenic.iter().map(|(n, v)| named(*n, *v)));
        covers.extend(neuroglycopenic.iter().map(|(n, _)| *n));
        match glucose {
            Some(g) if g < 70.0 => reasons.push(format!("{} is below 70", glucose_reason(g))),
            _ => {}
        }
        if autonomic.len() >= 2 {
            reasons.push(format!(
                "autonomic symptoms: {}",
                autonomic
                    .iter()
                    .map(|(a, v)| named(*a, *v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            covers.extend(autonomic.iter().map(|(a, _)| *a));
        }
        Level::Emergency
    } else if let Some(g) = glucose.filter(|g| *g < 54.0) {
        reasons.push(format!("{} is below 54 (level 2)", glucose_reason(g)));
        Level::Urgent
    } else if let Some(g) = glucose.filter(|g| *g < 70.0) {
        reasons.push(format!("{} is 54 to below 70 (level 1)", glucose_reason(g)));
        Level::Warning
    } else if glucose.is_none() && autonomic.len() >= 2 {
        reasons.push(format!(
            "probable symptomatic hypoglycaemia, no glucose measured; autonomic symptoms: {}",
            autonomic
                .iter()
                .map(|(a, v)| named(*a, *v))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        Level::Warning
    } else {
        return None;
    };
    Some(Finding {
        rule: Rule::Hypoglycaemia,
        level,
        reasons,
        covers,
    })
}

/// Rule 3: a local reaction past the configured number of days.
pub fn persistent_local_reaction(
    o: &Observation,
    history: &History,
    thresholds: &Thresholds,
) -> Option<Finding> {
    if o.day <= thresholds.persistence_days {
        return None;
    }
    let present: Vec<(Symptom, u8)> = LOCAL
        .iter()
        .map(|l| (*l, o.severities.get(*l)))
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
                .map_or(o.day, |d| d.min(o.day));
            format!(
                "{} on day {}, first reported on day {first}",
                named(*symptom, *severity),
                o.day
            )
        })
        .collect();
    Some(Finding {
        rule: Rule::PersistentLocalReaction,
        level,
        reasons,
        covers: present.iter().map(|(s, _)| *s).collect(),
    })
}

/// Rule 4: fever with an inflamed puncture site.
pub fn possible_infection(o: &Observation) -> Option<Finding> {
    let fever = o.severities.get(Symptom::Fever);
    let temperature = o.vitals.temperature_c.filter(|t| *t >= 38.0);
    let local: Vec<(Symptom, u8)> = LOCAL
        .iter()
        .map(|l| (*l, o.severities.get(*l)))
        .filter(|(_, v)| *v >= 2)
        .collect();
    if (fever < 2 && temperature.is_none()) || local.is_empty() {
        return None;
    }
    let mut reasons = Vec::new();
    let mut covers: Vec<Symptom> = local.iter().map(|(s, _)| *s).collect();
    if fever >= 2 {
        reasons.push(named(Symptom::Fever, fever));
        covers.push(Symptom::Fever);
    }
    if let Some(t) = temperature {
        reasons.push(format!("temperature {t} °C is 38.0 or more"));
    }
    reasons.extend(
        local
            .iter()
            .map(|(s, v)| format!("{} at the puncture site", named(*s, *v))),
    );
    Some(Finding {
        rule: Rule::PossibleInfection,
        level: Level::Urgent,
        reasons,
        covers,
    })
}

/// Rule 5: redness, swelling or pain higher than ever before from day 1 on.
pub fn worsening_local_reaction(o: &Observation, history: &History) -> Option<Finding> {
    if o.day < 3 {
        return None;
    }
    let worse: Vec<(Symptom, u8, u8)> = [Symptom::Redness, Symptom::Swelling, Symptom::Pain]
        .iter()
        .map(|s| (*s, o.severities.get(*s), history.highest_from_day_1(*s)))
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
        covers: worse.iter().map(|(s, _, _)| *s).collect(),
    })
}

/// Rule 6: the patient sought medical care (v-safe's handoff trigger).
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
        covers: Vec::new(),
    })
}

/// Rule 7: any severe (3) or very severe (4) symptom no urgent finding
/// above already accounts for.
pub fn severe_symptom(o: &Observation, findings: &[Finding]) -> Option<Finding> {
    let covered = |symptom: Symptom| {
        findings
            .iter()
            .any(|f| f.level >= Level::Urgent && f.covers.contains(&symptom))
    };
    let severe: Vec<(Symptom, u8)> = o
        .severities
        .present()
        .filter(|(s, v)| *v >= 3 && !covered(*s))
        .collect();
    if severe.is_empty() {
        return None;
    }
    let level = if severe.iter().any(|(_, v)| *v >= 4) {
        Level::Urgent
    } else {
        Level::Warning
    };
    Some(Finding {
        rule: Rule::SevereSymptom,
        level,
        reasons: severe
            .iter()
            .map(|(s, v)| {
                format!(
                    "{} ({})",
                    named(*s, *v),
                    if *v >= 4 { "very severe" } else { "severe" }
                )
            })
            .collect(),
        covers: severe.iter().map(|(s, _)| *s).collect(),
    })
}
