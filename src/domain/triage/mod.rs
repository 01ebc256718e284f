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

mod rules;

use chrono::Duration;

use crate::domain::symptoms::{Severities, Symptom, SYMPTOM_COUNT};

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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GlucoseUnit {
    #[default]
    MgDl,
    MmolL,
}

impl GlucoseUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MgDl => "mg/dL",
            Self::MmolL => "mmol/L",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::MgDl, Self::MmolL]
            .into_iter()
            .find(|unit| unit.as_str() == raw)
    }
}

/// A glucose reading in the unit the patient reported it in.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Glucose {
    pub value: f64,
    pub unit: GlucoseUnit,
}

impl Glucose {
    pub fn mg_dl(value: f64) -> Self {
        Self {
            value,
            unit: GlucoseUnit::MgDl,
        }
    }

    pub fn mmol_l(value: f64) -> Self {
        Self {
            value,
            unit: GlucoseUnit::MmolL,
        }
    }

    /// ADA level 1 or worse: below 70 mg/dL or 3.9 mmol/L, in the unit
    /// reported (no lossy conversion before the comparison).
    pub fn is_low(&self) -> bool {
        match self.unit {
            GlucoseUnit::MgDl => self.value < 70.0,
            GlucoseUnit::MmolL => self.value < 3.9,
        }
    }

    /// ADA level 2: below 54 mg/dL or 3.0 mmol/L.
    pub fn is_very_low(&self) -> bool {
        match self.unit {
            GlucoseUnit::MgDl => self.value < 54.0,
            GlucoseUnit::MmolL => self.value < 3.0,
        }
    }

    /// The value in mg/dL, in tenths, rounded half up: mmol/L x 18 computed
    /// on the decimal value (micro-units), not on its binary approximation.
    pub fn mg_dl_tenths(&self) -> i64 {
        // Reported values have a few decimals at most; a micro-unit is exact.
        let micro = (self.value * 1_000_000.0).round() as i64;
        let factor = match self.unit {
            GlucoseUnit::MgDl => 10,
            GlucoseUnit::MmolL => 180,
        };
        (micro * factor + 500_000).div_euclid(1_000_000)
    }

    /// The value in mg/dL (for storage and charts).
    pub fn in_mg_dl(&self) -> f64 {
        self.mg_dl_tenths() as f64 / 10.0
    }

    /// "3.8 mmol/L (68.4 mg/dL)" or "68 mg/dL": the value as reported.
    pub fn describe(&self) -> String {
        match self.unit {
            GlucoseUnit::MgDl => format!("{} mg/dL", self.value),
            GlucoseUnit::MmolL => {
                let tenths = self.mg_dl_tenths();
                format!(
                    "{} mmol/L ({}.{} mg/dL)",
                    rules::decimal(self.value),
                    tenths / 10,
                    tenths % 10
                )
            }
        }
    }
}

/// Vital signs as measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Vitals {
    pub glucose: Option<Glucose>,
    pub systolic_bp: Option<f64>,
    pub temperature_c: Option<f64>,
}

/// How the product was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Route {
    #[default]
    Injection,
    /// An IV drip or an IV push.
    Intravenous,
}

/// What the rules need from the treatment record.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TreatmentFacts {
    pub route: Route,
    /// The sites include the face or the scalp.
    pub face_or_scalp: bool,
    /// Systolic BP (mmHg) measured at the visit, if recorded.
    pub baseline_systolic_bp: Option<f64>,
}

/// One check-in, as the rules see it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Observation {
    /// Local days since the treatment; day 0 is the day of treatment.
    pub day: i64,
    /// `observed_at - administered_at`.
    pub elapsed: Duration,
    pub treatment: TreatmentFacts,
    pub severities: Severities,
    pub vitals: Vitals,
    pub medical_care: MedicalCare,
}

impl Observation {
    /// The acute window: the first 24 hours after the treatment.
    pub fn within_acute_window(&self) -> bool {
        self.within_hours(24)
    }

    /// Elapsed time since the treatment below `hours` (exactly `hours`
    /// is outside).
    pub fn within_hours(&self, hours: i64) -> bool {
        self.elapsed < Duration::hours(hours)
    }
}

/// What the rules need from the treatment's earlier check-ins, folded in
/// observed order (the order of the history, whatever order they arrived
/// in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct History {
    first_reported: [Option<i64>; SYMPTOM_COUNT],
    highest_from_day_1: [u8; SYMPTOM_COUNT],
    /// Some earlier check-in is from day 1 on: worsening has a baseline.
    baseline: bool,
    /// Elapsed time of the latest earlier check-in with an allergic finding
    /// of its own (not an echo of an earlier one).
    last_allergic: Option<Duration>,
}

impl Default for History {
    fn default() -> Self {
        Self {
            first_reported: [None; SYMPTOM_COUNT],
            highest_from_day_1: [0; SYMPTOM_COUNT],
            baseline: false,
            last_allergic: None,
        }
    }
}

impl History {
    /// Folds in one earlier check-in; check-ins come in observed order.
    pub fn add(&mut self, earlier: &Observation) {
        let day = earlier.day;
        for (symptom, severity) in earlier.severities.present() {
            let index = symptom as usize;
            self.first_reported[index] =
                Some(self.first_reported[index].map_or(day, |d| d.min(day)));
            if day >= 1 {
                self.highest_from_day_1[index] = self.highest_from_day_1[index].max(severity);
            }
        }
        self.baseline |= day >= 1;
        let own = rules::systemic_reaction(earlier, false);
        let made =
            rules::systemic_reaction(earlier, self.allergic_within_72_hours(earlier.elapsed));
        let source = match (own, made) {
            (Some(own), Some(made)) => own.rule == made.rule && own.level == made.level,
            _ => false,
        };
        if source {
            self.last_allergic = Some(
                self.last_allergic
                    .map_or(earlier.elapsed, |at| at.max(earlier.elapsed)),
            );
        }
    }

    /// The history of a course of check-ins, in observed order.
    pub fn of<'a>(earlier: impl IntoIterator<Item = &'a Observation>) -> Self {
        let mut history = Self::default();
        for observation in earlier {
            history.add(observation);
        }
        history
    }

    /// The first day the symptom was reported at 1 or more, before now.
    pub fn first_reported(&self, symptom: Symptom) -> Option<i64> {
        self.first_reported[symptom as usize]
    }

    /// Its highest severity on earlier check-ins from day 1 on, or `None`
    /// when no earlier check-in is from day 1 on (no baseline).
    pub fn highest_from_day_1(&self, symptom: Symptom) -> Option<u8> {
        self.baseline
            .then_some(self.highest_from_day_1[symptom as usize])
    }

    /// An earlier allergic finding observed less than 72 hours before a
    /// check-in observed `elapsed` after the treatment.
    pub fn allergic_within_72_hours(&self, elapsed: Duration) -> bool {
        self.last_allergic
            .is_some_and(|at| elapsed - at < Duration::hours(72))
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
mod props;
#[cfg(test)]
mod tests;
