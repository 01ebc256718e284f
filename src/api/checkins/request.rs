//! The check-in request, parsed and validated into domain values.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::domain::symptoms::{Severities, Symptom, MAX_SEVERITY};
use crate::domain::triage::{self, GlucoseUnit, MedicalCare, Vitals};
use crate::error::{ApiError, FieldErrors};

/// A check-in body as sent: its JSON, and the symptom codes it gives more
/// than once (a JSON object keeps only the last of a repeated key, so they
/// are noted while parsing, to be refused rather than silently dropped).
#[derive(Debug)]
pub struct RawCheckin {
    pub json: Value,
    pub repeated_symptoms: Vec<String>,
}

impl<'de> Deserialize<'de> for RawCheckin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (json, repeated_symptoms) = Depth::Checkin.deserialize(deserializer)?;
        Ok(Self {
            json,
            repeated_symptoms,
        })
    }
}

/// Where the parser is: the check-in object, or its `symptoms` object.
#[derive(Clone, Copy)]
enum Depth {
    Checkin,
    Symptoms,
}

impl<'de> DeserializeSeed<'de> for Depth {
    type Value = (Value, Vec<String>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Depth {
    type Value = (Value, Vec<String>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Map::new();
        let mut repeated = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match self {
                Depth::Checkin if key == "symptoms" => {
                    let (value, inner) = map.next_value_seed(Depth::Symptoms)?;
                    repeated = inner;
                    value
                }
                Depth::Symptoms if fields.contains_key(&key) => {
                    if !repeated.contains(&key) {
                        repeated.push(key.clone());
                    }
                    map.next_value()?
                }
                _ => map.next_value()?,
            };
            fields.insert(key, value);
        }
        Ok((Value::Object(fields), repeated))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok((Value::Array(items), Vec::new()))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok((Value::Bool(v), Vec::new()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok((Value::from(v), Vec::new()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok((Value::from(v), Vec::new()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok((Value::from(v), Vec::new()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok((Value::from(v), Vec::new()))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((Value::Null, Vec::new()))
    }
}

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
    #[serde(default, deserialize_with = "crate::api::instants::optional")]
    pub observed_at: Option<DateTime<Utc>>,
    pub symptoms: BTreeMap<String, i64>,
    pub vitals: Option<VitalsBody>,
    pub impact: Option<ImpactBody>,
    pub note: Option<String>,
    /// Symptom codes the body gave more than once.
    #[serde(skip)]
    pub repeated_symptoms: Vec<String>,
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
    /// The vitals as the rules read them.
    pub measured: Vitals,
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
        for code in &body.repeated_symptoms {
            errors.add(format!("symptoms.{code}"), "is given more than once");
        }
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
        let mut measured = Vitals::default();
        if let Some(vitals) = &body.vitals {
            if let Some(glucose) = &vitals.glucose {
                let unit = GlucoseUnit::parse(&glucose.unit);
                match unit {
                    Some(GlucoseUnit::MgDl) => in_range(
                        &mut errors,
                        "vitals.glucose.value",
                        Some(glucose.value),
                        1.0,
                        1000.0,
                        "mg/dL",
                    ),
                    Some(GlucoseUnit::MmolL) => in_range(
                        &mut errors,
                        "vitals.glucose.value",
                        Some(glucose.value),
                        0.1,
                        55.0,
                        "mmol/L",
                    ),
                    None => errors.add("vitals.glucose.unit", "must be mg/dL or mmol/L"),
                }
                measured.glucose = unit.map(|unit| triage::Glucose {
                    value: glucose.value,
                    unit,
                });
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
            measured.systolic_bp = vitals.systolic_bp;
            measured.temperature_c = vitals.temperature_c;
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
            measured,
            impact: body.impact,
            medical_care,
            note: body.note,
        })
    }
}
