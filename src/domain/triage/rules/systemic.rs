//! Rules 1 to 4: the systemic reactions, hypoglycaemia, altered
//! consciousness and vision change.

use super::{Finding, Input, Level, Observation, Route, Rule};
use crate::domain::symptoms::Symptom;

use super::*;

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
