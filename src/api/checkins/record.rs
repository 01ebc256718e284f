//! Recording one check-in: the check-in, its symptoms and findings, the
//! alert changes and their outbox events commit in one transaction, and so
//! does the triage again of any later check-in of the treatment that it
//! arrived after (see `retriage`). Idempotent by client_id: the same
//! request again replays the stored answer, with the check-in's current
//! findings; a different one under the same client_id is a conflict.

use actix_web::http::header::ContentType;
use actix_web::HttpResponse;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::assess::{guidance_for, triage_json, AlertPlans, Context, Subject};
use super::request::{CheckinBody, NewCheckin, RawCheckin};
use super::retriage;
use crate::api::from_value;
use crate::auth::access;
use crate::auth::audit::{self, Action};
use crate::auth::{secrets, AuthUser};
use crate::clock::utc;
use crate::db::checkins::{self, Checkin};
use crate::db::findings;
use crate::db::patients::Patient;
use crate::db::treatments::{self, Treatment};
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::guidance::Guidance;
use crate::domain::schedule::day_of;
use crate::domain::triage::{triage, Observation, Thresholds, Triage};
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
        let (mut response, body) = match self {
            Self::Created(body) => (HttpResponse::Created(), body),
            Self::Replayed(body) => (HttpResponse::Ok(), body),
        };
        response.content_type(ContentType::json()).body(body)
    }
}

/// The request's fingerprint: its treatment and its JSON, keys sorted.
fn request_hash(treatment_id: &str, raw: &Value) -> String {
    secrets::sha256_hex(&format!("{treatment_id}\n{raw}"))
}

pub async fn record_checkin(
    state: &AppState,
    user: AuthUser,
    treatment_id: String,
    raw: RawCheckin,
    at: DateTime<Utc>,
) -> Result<Recorded, ApiError> {
    user.require(&[Role::Patient, Role::Caregiver, Role::Physician, Role::Nurse])?;
    let hash = request_hash(&treatment_id, &raw.json);
    let mut body: CheckinBody = from_value(raw.json)?;
    body.repeated_symptoms = raw.repeated_symptoms;
    let checkin = NewCheckin::try_from(body)?;
    let client_id = checkin.client_id.clone();
    let context = Context {
        thresholds: Thresholds {
            persistence_days: i64::from(state.settings.persistence_days),
        },
        emergency_number: state.settings.emergency_number.clone(),
    };
    let (writer, id, hash_for_write) = (user.clone(), treatment_id.clone(), hash.clone());
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
        // Sent before (found by the unique index), or written concurrently
        // under the same client_id: answer as if this request came second.
        Err(ApiError::IdempotencyConflict) => {
            state
                .db
                .transaction(move |conn| replay(conn, &user, &treatment_id, &client_id, &hash, at))
                .await
        }
        Err(error) => Err(error),
    }
}

/// The stored answer of the same request sent before. It shows the stored
/// symptoms and note again: a read of health data, audited like any other.
fn replay(
    conn: &mut DbConnection,
    user: &AuthUser,
    treatment_id: &str,
    client_id: &str,
    hash: &str,
    at: DateTime<Utc>,
) -> Result<Recorded, ApiError> {
    let (_, patient) = access::treatment_to_report(conn, user, treatment_id)?;
    match checkins::find_by_client_id(conn, &patient.id, client_id)? {
        Some(existing) if existing.request_hash == hash => {
            let touched = [(patient.id.as_str(), "checkin", existing.id.as_str())];
            audit::record(conn, user, Action::Read, &touched, at)?;
            Ok(Recorded::Replayed(with_recorder_role(&existing)))
        }
        _ => Err(ApiError::IdempotencyConflict),
    }
}

/// The check-in's steps, in one transaction: load and authorise, place it
/// in the treatment's time, triage it on its history, plan the alert
/// changes and the guidance, store the rows, carry out the plans, triage
/// any later check-ins again, audit.
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
    let (treatment, patient) = load(conn, user, treatment_id)?;
    let placed = Placed::check(&c, &treatment, &patient, at)?;
    let course = checkins::course_at(conn, &treatment, placed.observed_at.naive_utc())?;
    let observation = placed.observation(&treatment, &c);
    let result = triage(&observation, &course.history, &context.thresholds);
    let plans = AlertPlans::decide(conn, placed.subject(), &result.findings)?;
    let guidance = guidance_for(
        context,
        &patient,
        &treatment,
        &result,
        &observation,
        plans.notify(),
    );
    let answer = answer(&placed, &c, user, &result, &guidance, &plans);
    let row = checkin_row(&placed, &c, user, hash, &result, answer);
    store(conn, &row, &c, &result)?;
    plans.carry_out(conn, at)?;
    if course.later {
        let mut history = course.history;
        history.add(&observation);
        retriage::after(
            conn,
            context,
            &treatment,
            &patient,
            history,
            placed.observed_at,
            at,
        )?;
    }
    let touched = [(patient.id.as_str(), "checkin", placed.id.as_str())];
    audit::record(conn, user, Action::Create, &touched, at)?;
    tracing::info!(checkin_id = %placed.id, late = course.later, "check-in recorded");
    Ok((row.response, Counted::of(&result)))
}

/// The treatment and its patient, locked for the check-in (PostgreSQL), if
/// the caller may report for the patient.
fn load(
    conn: &mut DbConnection,
    user: &AuthUser,
    treatment_id: &str,
) -> Result<(Treatment, Patient), ApiError> {
    let (treatment, patient) =
        treatments::find_for_checkin(conn, treatment_id)?.ok_or(ApiError::NotFound)?;
    if !access::may_report_for(conn, user, &patient.id)? {
        return Err(ApiError::NotFound);
    }
    Ok((treatment, patient))
}

/// A new check-in placed in its treatment's time.
struct Placed {
    id: String,
    patient_id: String,
    treatment_id: String,
    administered_at: DateTime<Utc>,
    observed_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    /// The day after treatment, in the patient's zone.
    day: i64,
}

impl Placed {
    /// Observed not more than 5 minutes in the future, not before the
    /// treatment.
    fn check(
        c: &NewCheckin,
        treatment: &Treatment,
        patient: &Patient,
        at: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
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
        Ok(Self {
            id: uuid::Uuid::now_v7().to_string(),
            patient_id: patient.id.clone(),
            treatment_id: treatment.id.clone(),
            administered_at,
            observed_at,
            received_at: at,
            day: day_of(observed_at, administered_at, patient.zone()),
        })
    }

    /// The check-in as the rules see it.
    fn observation(&self, treatment: &Treatment, c: &NewCheckin) -> Observation {
        Observation {
            day: self.day,
            elapsed: self.observed_at - self.administered_at,
            treatment: treatment.facts(),
            severities: c.severities,
            vitals: c.measured,
            medical_care: c.medical_care,
        }
    }

    fn subject(&self) -> Subject<'_> {
        Subject {
            patient_id: &self.patient_id,
            treatment_id: &self.treatment_id,
            checkin_id: &self.id,
            observed_at: self.observed_at,
            retriaged: false,
        }
    }
}

/// The answer to the request, stored with the check-in for a replay.
fn answer(
    placed: &Placed,
    c: &NewCheckin,
    user: &AuthUser,
    result: &Triage,
    guidance: &[Guidance],
    plans: &AlertPlans<'_>,
) -> String {
    let symptoms: Map<String, Value> = c
        .reported
        .iter()
        .map(|(s, v)| (s.code().to_owned(), json!(v)))
        .collect();
    json!({
        "checkin": {
            "id": placed.id,
            "client_id": c.client_id,
            "treatment_id": placed.treatment_id,
            "day": placed.day,
            "observed_at": placed.observed_at,
            "received_at": placed.received_at,
            "symptoms": symptoms,
            "vitals": c.vitals,
            "impact": c.impact,
            "note": c.note,
            "recorded_by": user.id,
            "recorded_by_role": user.role,
        },
        "triage": triage_json(result, &[], guidance),
        "alerts": plans.changes(),
    })
    .to_string()
}

/// The check-in row, with its answer.
fn checkin_row(
    placed: &Placed,
    c: &NewCheckin,
    user: &AuthUser,
    hash: &str,
    result: &Triage,
    response: String,
) -> Checkin {
    let glucose = c.measured.glucose;
    let symptoms = c.reported.iter().map(|(s, v)| (s.code(), i32::from(*v)));
    Checkin {
        id: placed.id.clone(),
        treatment_id: placed.treatment_id.clone(),
        patient_id: placed.patient_id.clone(),
        client_id: c.client_id.clone(),
        request_hash: hash.to_owned(),
        day: i32::try_from(placed.day).unwrap_or(i32::MAX),
        observed_at: placed.observed_at.naive_utc(),
        received_at: placed.received_at.naive_utc(),
        glucose_value: glucose.map(|g| g.value),
        glucose_unit: glucose.map(|g| g.unit.as_str().to_owned()),
        glucose_mg_dl: glucose.map(|g| g.in_mg_dl()),
        systolic_bp: c.measured.systolic_bp,
        temperature_c: c.measured.temperature_c,
        missed_normal_activities: c.impact.as_ref().map(|i| i.missed_normal_activities),
        missed_work: c.impact.as_ref().map(|i| i.missed_work),
        medical_care: c
            .impact
            .as_ref()
            .map(|_| c.medical_care.as_str().to_owned()),
        note: c.note.clone(),
        recorded_by: user.id.clone(),
        recorded_by_role: Some(user.role.as_str().to_owned()),
        triage_level: result.level,
        response,
        present_symptoms: checkins::present_symptoms(symptoms),
    }
}

/// The rows: the check-in, its symptoms as reported, its findings.
fn store(
    conn: &mut DbConnection,
    row: &Checkin,
    c: &NewCheckin,
    result: &Triage,
) -> Result<(), ApiError> {
    let symptoms: Vec<(&str, i32)> = c
        .reported
        .iter()
        .map(|(s, v)| (s.code(), i32::from(*v)))
        .collect();
    checkins::insert(conn, row, &symptoms)?;
    findings::insert_findings(conn, &row.id, &result.findings, false)
}

/// What the metrics count of a recorded check-in.
struct Counted {
    level: &'static str,
    /// (rule, level) of each finding.
    findings: Vec<(&'static str, &'static str)>,
}

impl Counted {
    fn of(result: &Triage) -> Self {
        Self {
            level: result.level.as_str(),
            findings: result
                .findings
                .iter()
                .map(|f| (f.rule.as_str(), f.level.as_str()))
                .collect(),
        }
    }
}

/// A stored answer with `recorded_by_role`, which answers stored before
/// caregivers and nurses existed lack (the row has it).
fn with_recorder_role(row: &checkins::Checkin) -> String {
    let Ok(mut answer) = serde_json::from_str::<Value>(&row.response) else {
        return row.response.clone();
    };
    if let Value::Object(fields) = &mut answer["checkin"] {
        if !fields.contains_key("recorded_by_role") {
            fields.insert(
                "recorded_by_role".to_owned(),
                Value::from(row.recorded_by_role.as_deref()),
            );
        }
    }
    answer.to_string()
}
