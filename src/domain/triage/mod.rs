//! The triage engine: what one check-in means, given the treatment and its
//! earlier check-ins. It implements clinical-rules.md version 2, "Rules",
//! to the letter; the readings chosen where that text leaves room are the
//! safer ones for the patient:
//!
//! - An *earlier allergic finding* is an earlier check-in (less than 72 h
//!   before) whose allergic finding is the one rule 1 makes of it without
//!   any earlier allergic finding. A finding that exists, or has its level,
//!   only through a biphasic clause (G alone after the window; R or
//!   hypotension alone after the window raised to an emergency) is an echo
//!   and does not renew the window. Deciding that needs the check-ins before
//!   it, so a history is folded in observed order.
//! - The biphasic acute patterns (R alone, hypotension alone) keep the
//!   after-window names `severe_systemic_reaction` and
//!   `possible_allergic_reaction`, as rule 1 names them.
//! - "Within 72 hours of an injection" (rule 5) is elapsed time from
//!   `administered_at`, like the acute window; exactly 72:00 h is outside.
//! - A baseline for `worsening_local_reaction` is any earlier check-in from
//!   day 1 on, whatever it reported.
//! - `possible_sepsis`: chills of 2 or more with hypotension, fainting or
//!   confusion of 2 or more is an emergency, as change 4 lists it (rule 9
//!   names only fever and temperature there).
//! - A lump from day 14 on still counts as an inflamed site for
//!   `possible_infection`: only rules 6, 10 and 12 leave it out.
//!
//! Pure: plain values in, plain values out, no clock and no I/O.

mod observation;
mod rules;

pub use observation::{
    Glucose, GlucoseUnit, History, MedicalCare, Observation, Route, TreatmentFacts, Vitals,
};

use crate::domain::symptoms::Symptom;

/// The version of clinical-rules.md these rules implement; stored with
/// every finding.
pub const RULES_VERSION: &str = "2";

codes! {
    #[derive(PartialOrd, Ord)]
    pub enum Level {
        None => "none",
        Info => "info",
        Warning => "warning",
        Urgent => "urgent",
        Emergency => "emergency",
    }
}

impl Level {
    /// 0 none .. 4 emergency: alerts sort most severe first by it.
    pub fn rank(self) -> i32 {
        match self {
            Self::None => 0,
            Self::Info => 1,
            Self::Warning => 2,
            Self::Urgent => 3,
            Self::Emergency => 4,
        }
    }
}

codes! {
    #[derive(PartialOrd, Ord)]
    pub enum Rule {
        SuspectedAnaphylaxis => "suspected_anaphylaxis",
        SevereSystemicReaction => "severe_systemic_reaction",
        PossibleAllergicReaction => "possible_allergic_reaction",
        Hypoglycaemia => "hypoglycaemia",
        AlteredConsciousness => "altered_consciousness",
        VisionChange => "vision_change",
        TissueInjury => "tissue_injury",
        PersistentLocalReaction => "persistent_local_reaction",
        DelayedNodule => "delayed_nodule",
        PossibleInfection => "possible_infection",
        PossibleSepsis => "possible_sepsis",
        WorseningLocalReaction => "worsening_local_reaction",
        MedicallyAttended => "medically_attended",
        SevereSymptom => "severe_symptom",
        MissedCheckins => "missed_checkins",
    }
}

impl Rule {
    /// The rules of anaphylaxis and its after-window siblings.
    pub fn is_allergic(self) -> bool {
        matches!(
            self,
            Self::SuspectedAnaphylaxis
                | Self::SevereSystemicReaction
                | Self::PossibleAllergicReaction
        )
    }
}

/// Settings the rules take from the clinic's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// A local reaction on a day after this one is persistent.
    pub persistence_days: i64,
}

impl Thresholds {
    /// The range `AFTERCARE_PERSISTENCE_DAYS` may take.
    pub const PERSISTENCE_DAYS: std::ops::RangeInclusive<i64> = 3..=30;
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            persistence_days: 7,
        }
    }
}

/// An input a finding names in its reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Input {
    Symptom(Symptom),
    Glucose,
    SystolicBp,
    Temperature,
    MedicalCare,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: Rule,
    pub level: Level,
    /// Human-readable, each naming the input that triggered it.
    pub reasons: Vec<String>,
    /// Every input that met a threshold of the condition (see
    /// `severe_symptom`).
    pub names: Vec<Input>,
}

impl Finding {
    pub fn names_symptom(&self, symptom: Symptom) -> bool {
        self.names.contains(&Input::Symptom(symptom))
    }
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

    pub fn has_any(&self, rules: &[Rule]) -> bool {
        self.findings.iter().any(|f| rules.contains(&f.rule))
    }
}

/// Evaluates every per-check-in rule (all but `missed_checkins`).
pub fn triage(observation: &Observation, history: &History, thresholds: &Thresholds) -> Triage {
    let o = observation;
    let mut findings = Vec::new();
    findings.extend(rules::systemic_reaction(
        o,
        history.allergic_within_72_hours(o.elapsed),
    ));
    let hypoglycaemia = rules::hypoglycaemia(o);
    let hypoglycaemic_emergency = hypoglycaemia
        .as_ref()
        .is_some_and(|f| f.level == Level::Emergency);
    findings.extend(hypoglycaemia);
    if !hypoglycaemic_emergency {
        findings.extend(rules::altered_consciousness(o));
    }
    findings.extend(rules::vision_change(o));
    findings.extend(rules::tissue_injury(o));
    findings.extend(rules::persistent_local_reaction(o, history, thresholds));
    findings.extend(rules::delayed_nodule(o));
    findings.extend(rules::possible_infection(o));
    findings.extend(rules::possible_sepsis(o));
    findings.extend(rules::worsening_local_reaction(o, history));
    findings.extend(rules::medically_attended(o));
    let severe = rules::severe_symptom(o, &findings);
    findings.extend(severe);
    let level = findings
        .iter()
        .map(|f| f.level)
        .max()
        .unwrap_or(Level::None);
    Triage { level, findings }
}

/// Triages again the check-ins observed after a late one: `later` in
/// observed order, `history` the history of the first of them (the late
/// check-in folded in). Returns their triage in the same order. This is
/// the second half of order-free triage; the first is triaging the late
/// check-in against what was observed before it.
pub fn triage_later(
    mut history: History,
    later: &[Observation],
    thresholds: &Thresholds,
) -> Vec<Triage> {
    later
        .iter()
        .map(|observation| {
            let result = triage(observation, &history, thresholds);
            history.add(observation);
            result
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod props;
#[cfg(test)]
mod tests;
