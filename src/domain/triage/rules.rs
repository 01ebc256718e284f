//! The rules of clinical-rules.md, one function each, in its order.

use super::{Finding, History, Input, Level, MedicalCare, Observation, Route, Rule, Thresholds};
use crate::domain::symptoms::{Severities, Symptom, AUTONOMIC};

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

mod local;
mod systemic;

pub use local::*;
pub use systemic::*;

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
