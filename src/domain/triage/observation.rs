//! What the rules read: one check-in as an observation (symptoms, vitals,
//! care sought, the treatment's facts) and the history of the earlier ones.

use chrono::Duration;

use crate::domain::symptoms::{Severities, Symptom, SYMPTOM_COUNT};

use super::*;

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
