//! The check-in request, parsed and validated into domain values.

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::symptoms::{Severities, Symptom, MAX_SEVERITY};
use crate::domain::triage::{glucose_to_mg_dl, MedicalCare, Vitals};
use crate::error::{ApiError, FieldErrors};

pub const NOTE_MAX_CHARS: usize = 2000;

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Glucose {
    pub value: f64,
    pub unit: String,
}

#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq)]
pub struct VitalsBody {
    pub glucose: Option<Glucose>,
    pub systolic_bp: Option<f64>,
    pub temperature_c: Option<f64>,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct ImpactBody {
    #[serde(default)]
    pub missed_normal_activities: bool,
    #[serde(default)]
    pub missed_work: bool,
    #[serde(default = "no_care")]
    pub medical_care: String,
}

fn no_care() -> String {
    "none".to_owned()
}

#[derive(Deserialize, Debug)]
pub struct CheckinBody {
    pub client_id: String,
    pub observed_at: Option<DateTime<Utc>>,
    pub symptoms: BTreeMap<String, i64>,
    pub vitals: Option<VitalsBody>,
    pub impact: Option<ImpactBody>,
    pub note: Option<String>,
}

/// A check-in whose every field is valid.
#[derive(Debug)]
pub struct NewCheckin {
    pub client_id: String,
    pub observed_at: Option<DateTime<Utc>>,
    /// As reported (zeros included), in code order.
    pub reported: Vec<(Symptom, u8)>,
    pub severities: Severities,
    pub vitals: Option<VitalsBody>,
    pub vitals_mg_dl: Vitals,
    pub impact: Option<ImpactBody>,
    pub medical_care: MedicalCare,
    pub note: Option<String>,
}

fn in_range(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<f64>,
    low: f64,
    high: f64,
    unit: &str,
) {
    if let Some(v) = value {
        if !(low..=high).contains(&v) {
            errors.add(field, format!("must be between {low} and {high} {unit}"));
        }
    }
}

impl TryFrom<CheckinBody> for NewCheckin {
    type Error = ApiError;

    fn try_from(body: CheckinBody) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::new();
        let client_id = body.client_id.trim().to_owned();
        if client_id.is_empty() || client_id.len() > 100 || client_id.chars().any(char::is_control)
        {
            errors.add("client_id", "must be 1 to 100 printable characters");
        }
        let mut severities = Severities::default();
        let mut reported = Vec::new();
        for (code, value) in &body.symptoms {
            match Symptom::from_code(code) {
                None => errors.add(format!("symptoms.{code}"), "is not a known symptom code"),
                Some(_) if !(0..=i64::from(MAX_SEVERITY)).contains(value) => {
                    errors.add(format!("symptoms.{code}"), "severity must be 0 to 4")
                }
                Some(symptom) => {
                    let severity = u8::try_from(*value).unwrap_or(MAX_SEVERITY);
                    severities.set(symptom, severity);
                    reported.push((symptom, severity));
                }
            }
        }
        let mut vitals_mg_dl = Vitals::default();
        if let Some(vitals) = &body.vitals {
            if let Some(glucose) = &vitals.glucose {
                match glucose.unit.as_str() {
                    "mg/dL" => in_range(
                        &mut errors,
                        "vitals.glucose.value",
                        Some(glucose.value),
                        1.0,
                        1000.0,
                        "mg/dL",
                    ),
                    "mmol/L" => in_range(
                        &mut errors,
                        "vitals.glucose.value",
                        Some(glucose.value),
                        0.1,
                        55.0,
                        "mmol/L",
                    ),
                    _ => errors.add("vitals.glucose.unit", "must be mg/dL or mmol/L"),
                }
                vitals_mg_dl.glucose_mg_dl =
                    Some(glucose_to_mg_dl(glucose.value, glucose.unit == "mmol/L"));
            }
            in_range(
                &mut errors,
                "vitals.systolic_bp",
                vitals.systolic_bp,
                30.0,
                300.0,
                "mmHg",
            );
            in_range(
                &mut errors,
                "vitals.temperature_c",
                vitals.temperature_c,
                30.0,
                45.0,
                "°C",
            );
            vitals_mg_dl.systolic_bp = vitals.systolic_bp;
            vitals_mg_dl.temperature_c = vitals.temperature_c;
        }
        let medical_care = match &body.impact {
            None => MedicalCare::None,
            Some(impact) => MedicalCare::parse(&impact.medical_care).unwrap_or_else(|| {
                errors.add(
                    "impact.medical_care",
                    "must be none, clinic, emergency_room or hospitalized",
                );
                MedicalCare::None
            }),
        };
        if body
            .note
            .as_ref()
            .is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS)
        {
            errors.add(
                "note",
                format!("must be at most {NOTE_MAX_CHARS} characters"),
            );
        }
        errors.into_result()?;
        reported.sort();
        Ok(Self {
            client_id,
            observed_at: body.observed_at.map(|at| at.trunc_subsecs(6)),
            reported,
            severities,
            vitals: body.vitals,
            vitals_mg_dl,
            impact: body.impact,
            medical_care,
            note: body.note,
        })
    }
}
