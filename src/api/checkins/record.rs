//! Recording one check-in: the check-in, its symptoms and findings, the
//! alert changes and their outbox events commit in one transaction.
//! Idempotent by client_id: the same request again replays the stored
//! answer; a different one under the same client_id is a conflict.

use actix_web::http::header::ContentType;
use actix_web::HttpResponse;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::request::{CheckinBody, NewCheckin};
use crate::alerting::{self, AlertChange};
use crate::api::from_value;
use crate::api::treatments::{locale_of, treatment_for, zone_of};
use crate::api::views::utc;
use crate::auth::access;
use crate::auth::audit::{self, Action};
use crate::auth::{secrets, AuthUser};
use crate::db::checkins::{self, Checkin, NewFinding};
use crate::db::{treatments, DbConnection};
use crate::domain::accounts::Role;
use crate::domain::guidance;
use crate::domain::schedule::{day_of, within_acute_window};
use crate::domain::symptoms::{Severities, Symptom};
use crate::domain::triage::{triage, History, Level, Observation, Thresholds};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

/// The stored answer, and whether it was made now or replayed.
#[derive(Debug)]
pub enum Recorded {
    Created(String),
    Replayed(String),
}

impl Recorded {
    pub fn status(&self) -> u16 {
        match self {
            Self::Created(_) => 201,
            Self::Replayed(_) => 200,
        }
    }

    pub fn body(&self) -> &str {
        match self {
            Self::Created(body) | Self::Replayed(body) => body,
        }
    }

    pub fn into_response(self) -> HttpResponse {
        match self {
            Self::Created(body) => HttpResponse::Created()
                .content_type(ContentType::json())
                .body(body),
            Self::Replayed(body) => HttpResponse::Ok()
                .content_type(ContentType::json())
                .body(body),
        }
    }
}

/// The request's fingerprint: its treatment and its JSON, keys sorted.
fn request_hash(treatment_id: &str, raw: &Value) -> String {
    secrets::sha256_hex(&format!("{treatment_id}\n{raw}"))
}

struct Context {
    persistence_days: i64,
    emergency_number: String,
}

pub async fn record_checkin(
    state: &AppState,
    user: AuthUser,
    treatment_id: String,
    raw: Value,
    at: DateTime<Utc>,
) -> Result<Recorded, ApiError> {
    user.require(&[Role::Patient, Role::Physician])?;
    let hash = request_hash(&treatment_id, &raw);
    let body: CheckinBody = from_value(raw)?;
    let checkin = NewCheckin::try_from(body)?;
    let client_id = checkin.client_id.clone();
    let context = Context {
        persistence_days: i64::from(state.settings.persistence_days),
        emergency_number: state.settings.emergency_number.clone(),
    };
    let (writer, id) = (user.clone(), treatment_id.clone());
    let hash_for_write = hash.clone();
    let written = state
        .db
        .transaction(move |conn| write(conn, &context, &writer, &id, &hash_for_write, checkin, at))
        .await;
    match written {
        Ok((answer, counted)) => {
            state.deliveries.notify();
            state
                .metrics
                .count_checkin(counted.level, &counted.findings);
            Ok(Recorded::Created(answer))
        }
        // Written concurrently under the same client_id: answer as if this
        // request had come second.
        Err(ApiError::IdempotencyConflict) => {
            state
                .db
                .run(move |conn| {
                    let (_, patient) = treatment_for(conn, &user, &treatment_id)?;
                    match checkins::find_by_client_id(conn, &patient.id, &client_id)? {
                        Some(existing) if existing.request_hash == hash => {
                            Ok(Recorded::Replayed(existing.response))
                        }
                        _ => Err(ApiError::IdempotencyConflict),
                    }
                })
                .await
        }
        Err(error) => Err(error),
    }
}

/// What the metrics count of a recorded check-in.
struct Counted {
    level: &'static str,
    /// (rule, level) of each finding.
    findings: Vec<(&'static str, &'static str)>,
}

fn history(
    conn: &mut DbConnection,
    treatment_id: &str,
    before: DateTime<Utc>,
) -> Result<History, ApiError> {
    let mut history = History::default();
    for (day, present) in checkins::symptoms_before(conn, treatment_id, before.naive_utc())? {
        let mut severities = Severities::default();
        for (code, severity) in checkins::parse_present(&present) {
            if let Some(symptom) = Symptom::from_code(code) {
                severities.set(symptom, u8::try_from(severity).unwrap_or(0));
            }
        }
        history.add(i64::from(day), &severities);
    }
    Ok(history)
}

fn write(
    conn: &mut DbConnection,
    context: &Context,
    user: &AuthUser,
    treatment_id: &str,
    hash: &str,
    c: NewCheckin,
    at: DateTime<Utc>,
) -> Result<(String, Counted), ApiError> {
    // A request sent again (same client_id) is found by the unique index
    // when the check-in is inserted, and answered by the caller: no lookup
    // here on the common path.
    let (treatment, patient) =
        treatments::find_for_checkin(conn, treatment_id)?.ok_or(ApiError::NotFound)?;
    if !access::can_see_patient(conn, user, &patient.id)? {
        return Err(ApiError::NotFound);
    }
    let administered_at = utc(treatment.administered_at);
    let observed_at = c.observed_at.unwrap_or(at);
    let mut errors = FieldErrors::new();
    if observed_at > at + Duration::minutes(5) {
        errors.add(
            "observed_at",
            "must not be more than 5 minutes in the future",
        );
    }
    if observed_at < administered_at {
        errors.add("observed_at", "must not be before the treatment was given");
    }
    errors.into_result()?;

    let zone = zone_of(&patient);
    let day = day_of(observed_at, administered_at, zone);
    let observation = Observation {
        day,
        within_acute_window: within_acute_window(observed_at, administered_at),
        severities: c.severities,
        vitals: c.vitals_mg_dl,
        medical_care: c.medical_care,
    };
    let result = triage(
        &observation,
        &history(conn, &treatment.id, observed_at)?,
        &Thresholds {
            persistence_days: context.persistence_days,
        },
    );
    let given_at = administered_at
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let guidance = guidance::for_triage(
        &result,
        &observation,
        locale_of(&patient),
        &context.emergency_number,
        &given_at,
    );

    let id = uuid::Uuid::now_v7().to_string();
    let glucose = c.vitals.as_ref().and_then(|v| v.glucose.clone());
    let symptoms: Vec<(&str, i32)> = c
        .reported
        .iter()
        .map(|(s, v)| (s.code(), i32::from(*v)))
        .collect();
    let mut row = Checkin {
        id: id.clone(),
        treatment_id: treatment.id.clone(),
        patient_id: patient.id.clone(),
        client_id: c.client_id.clone(),
        request_hash: hash.to_owned(),
        day: i32::try_from(day).unwrap_or(i32::MAX),
        observed_at: observed_at.naive_utc(),
        received_at: at.naive_utc(),
        glucose_value: glucose.as_ref().map(|g| g.value),
        glucose_unit: glucose.as_ref().map(|g| g.unit.clone()),
        glucose_mg_dl: c.vitals_mg_dl.glucose_mg_dl,
        systolic_bp: c.vitals_mg_dl.systolic_bp,
        temperature_c: c.vitals_mg_dl.temperature_c,
        missed_normal_activities: c.impact.as_ref().map(|i| i.missed_normal_activities),
        missed_work: c.impact.as_ref().map(|i| i.missed_work),
        medical_care: c
            .impact
            .as_ref()
            .map(|_| c.medical_care.as_str().to_owned()),
        note: c.note.clone(),
        recorded_by: user.id.clone(),
        triage_level: result.level.as_str().to_owned(),
        // Set below, once the alert changes it names are decided.
        response: String::new(),
        present_symptoms: checkins::present_symptoms(symptoms.iter().copied()),
    };
    let finding_ids: Vec<String> = result
        .findings
        .iter()
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let reasons: Vec<String> = result
        .findings
        .iter()
        .map(|f| serde_json::to_string(&f.reasons).unwrap_or_default())
        .collect();
    let finding_rows: Vec<NewFinding<'_>> = result
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| NewFinding {
            id: &finding_ids[i],
            checkin_id: &id,
            rule: f.rule.as_str(),
            level: f.level.as_str(),
            reasons: &reasons[i],
        })
        .collect();
    // The alert changes are decided first, so that the answer names them
    // and the check-in is stored with its answer in one insert; they are
    // written after it (their evidence points at it).
    let inputs: Vec<alerting::Input<'_>> = result
        .findings
        .iter()
        .filter(|f| f.level >= Level::Warning)
        .map(|finding| alerting::Input {
            patient_id: &patient.id,
            treatment_id: &treatment.id,
            checkin_id: Some(&id),
            observed_at,
            rule: finding.rule,
            level: finding.level,
            reasons: &finding.reasons,
            retriaged: false,
        })
        .collect();
    let mut plans = Vec::new();
    for input in &inputs {
        if let Some(plan) = alerting::plan(conn, input)? {
            plans.push((input, plan));
        }
    }
    let changes: Vec<AlertChange> = plans
        .iter()
        .map(|(input, plan)| plan.change(input))
        .collect();

    let symptom_map: Map<String, Value> = c
        .reported
        .iter()
        .map(|(s, v)| (s.code().to_owned(), json!(v)))
        .collect();
    let answer = json!({
        "checkin": {
            "id": id,
            "client_id": c.client_id,
            "treatment_id": treatment.id,
            "day": day,
            "observed_at": observed_at,
            "received_at": at,
            "symptoms": symptom_map,
            "vitals": c.vitals,
            "impact": c.impact,
            "note": c.note,
            "recorded_by": user.id,
        },
        "triage": {
            "level": result.level.as_str(),
            "findings": result.findings.iter().map(|f| json!({"rule": f.rule.as_str(), "level": f.level.as_str(), "reasons": f.reasons})).collect::<Vec<_>>(),
            "guidance": guidance.iter().map(|g| json!({"code": g.code, "text": g.text})).collect::<Vec<_>>(),
        },
        "alerts": changes,
    })
    .to_string();
    row.response = answer;
    checkins::insert(conn, &row, &symptoms, &finding_rows)?;
    for (input, plan) in plans {
        alerting::carry_out(conn, input, plan, at)?;
    }
    audit::record(
        conn,
        user,
        Action::Create,
        &[(&patient.id, "checkin", &id)],
        at,
    )?;
    tracing::info!(checkin_id = %id, "check-in recorded");
    let counted = Counted {
        level: result.level.as_str(),
        findings: result
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.level.as_str()))
            .collect(),
    };
    Ok((row.response, counted))
}
