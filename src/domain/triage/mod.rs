//! The triage engine: what one check-in means, given the treatment's earlier
//! check-ins. It implements clinical-rules.md, "Rules", to the letter; the
//! readings chosen where that text leaves room are the safer ones:
//!
//! - `worsening_local_reaction`: with no earlier check-in from day 1 on, the
//!   highest earlier value is taken as 0, so a local symptom that first
//!   appears on day 3 or later is flagged.
//! - `severe_symptom`: a symptom is "covered" only by a finding at urgent or
//!   higher that names it, for severity 3 as for 4; a warning elsewhere does
//!   not silence it.
//! - `hypoglycaemia` emergency: confusion >= 2 or fainting together with two
//!   autonomic symptoms is an emergency even when a measured glucose is 70 or
//!   more, as the rule's "or" says; only without confusion or fainting does a
//!   normal glucose clear the autonomic symptoms.
//! - The acute window is strict: `observed_at - administered_at < 24 h`.
//!
//! Pure: plain values in, plain values out, no clock and no I/O.

mod rules;

use crate::domain::symptoms::{Severities, Symptom, SYMPTOM_COUNT};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    None,
    Info,
    Warning,
    Urgent,
    Emergency,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Urgent => "urgent",
            Self::Emergency => "emergency",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::None,
            Self::Info,
            Self::Warning,
            Self::Urgent,
            Self::Emergency,
        ]
        .into_iter()
        .find(|level| level.as_str() == raw)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    SuspectedAnaphylaxis,
    SevereSystemicReaction,
    PossibleAllergicReaction,
    Hypoglycaemia,
    PersistentLocalReaction,
    PossibleInfection,
    WorseningLocalReaction,
    MedicallyAttended,
    SevereSymptom,
    MissedCheckins,
}

impl Rule {
    pub const ALL: [Rule; 10] = [
        Self::SuspectedAnaphylaxis,
        Self::SevereSystemicReaction,
        Self::PossibleAllergicReaction,
        Self::Hypoglycaemia,
        Self::PersistentLocalReaction,
        Self::PossibleInfection,
        Self::WorseningLocalReaction,
        Self::MedicallyAttended,
        Self::SevereSymptom,
        Self::MissedCheckins,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SuspectedAnaphylaxis => "suspected_anaphylaxis",
            Self::SevereSystemicReaction => "severe_systemic_reaction",
            Self::PossibleAllergicReaction => "possible_allergic_reaction",
            Self::Hypoglycaemia => "hypoglycaemia",
            Self::PersistentLocalReaction => "persistent_local_reaction",
            Self::PossibleInfection => "possible_infection",
            Self::WorseningLocalReaction => "worsening_local_reaction",
            Self::MedicallyAttended => "medically_attended",
            Self::SevereSymptom => "severe_symptom",
            Self::MissedCheckins => "missed_checkins",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rule| rule.as_str() == raw)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MedicalCare {
    #[default]
    None,
    Clinic,
    EmergencyRoom,
    Hospitalized,
}

impl MedicalCare {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Clinic => "clinic",
            Self::EmergencyRoom => "emergency_room",
            Self::Hospitalized => "hospitalized",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::None,
            Self::Clinic,
            Self::EmergencyRoom,
            Self::Hospitalized,
        ]
        .into_iter()
        .find(|care| care.as_str() == raw)
    }
}

/// Vital signs as measured; glucose already in mg/dL.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Vitals {
    pub glucose_mg_dl: Option<f64>,
    pub systolic_bp: Option<f64>,
    pub temperature_c: Option<f64>,
}

/// 1 mmol/L of glucose is 18 mg/dL (clinical-rules.md, "Vitals").
pub fn glucose_to_mg_dl(value: f64, unit_is_mmol: bool) -> f64 {
    if unit_is_mmol {
        value * 18.0
    } else {
        value
    }
}

/// One check-in, as the rules see it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Observation {
    /// Local days since the treatment; day 0 is the day of treatment.
    pub day: i64,
    /// `observed_at - administered_at < 24 h`.
    pub within_acute_window: bool,
    pub severities: Severities,
    pub vitals: Vitals,
    pub medical_care: MedicalCare,
}

/// What the rules need from the treatment's earlier check-ins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct History {
    first_reported: [Option<i64>; SYMPTOM_COUNT],
    highest_from_day_1: [u8; SYMPTOM_COUNT],
}

impl Default for History {
    fn default() -> Self {
        Self {
            first_reported: [None; SYMPTOM_COUNT],
            highest_from_day_1: [0; SYMPTOM_COUNT],
        }
    }
}

impl History {
    /// Folds in one earlier check-in.
    pub fn add(&mut self, day: i64, severities: &Severities) {
        for (symptom, severity) in severities.present() {
            let index = symptom as usize;
            self.first_reported[index] =
                Some(self.first_reported[index].map_or(day, |d| d.min(day)));
            if day >= 1 {
                self.highest_from_day_1[index] = self.highest_from_day_1[index].max(severity);
            }
        }
    }

    /// The first day the symptom was reported at 1 or more, before now.
    pub fn first_reported(&self, symptom: Symptom) -> Option<i64> {
        self.first_reported[symptom as usize]
    }

    /// Its highest severity on earlier check-ins from day 1 on (0 if none).
    pub fn highest_from_day_1(&self, symptom: Symptom) -> u8 {
        self.highest_from_day_1[symptom as usize]
    }
}

/// Settings the rules take from the clinic's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// A local reaction on a day after this one is persistent.
    pub persistence_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            persistence_days: 7,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    pub level: Level,
    /// Human-readable, each naming the input that triggered it.
    pub reasons: Vec<String>,
    /// The symptoms this finding accounts for (see `severe_symptom`).
    pub covers: Vec<Symptom>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Triage {
    pub level: Level,
    pub findings: Vec<Finding>,
}

impl Triage {
    pub fn has(&self, rule: Rule) -> bool {
        self.findings.iter().any(|f| f.rule == rule)
    }
}

/// Evaluates every per-check-in rule (all but `missed_checkins`).
pub fn triage(observation: &Observation, history: &History, thresholds: &Thresholds) -> Triage {
    let mut findings = Vec::new();
    findings.extend(rules::systemic_reaction(observation));
    findings.extend(rules::hypoglycaemia(observation));
    findings.extend(rules::persistent_local_reaction(
        observation,
        history,
        thresholds,
    ));
    findings.extend(rules::possible_infection(observation));
    findings.extend(rules::worsening_local_reaction(observation, history));
    findings.extend(rules::medically_attended(observation));
    let severe = rules::severe_symptom(observation, &findings);
    findings.extend(severe);
    let level = findings
        .iter()
        .map(|f| f.level)
        .max()
        .unwrap_or(Level::None);
    Triage { level, findings }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
