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

use super::request::{CheckinBody, NewCheckin, RawCheckin};
use super::retriage;
use crate::alerting::{self, AlertChange, Plan};
use crate::api::from_value;
use crate::auth::access;
use crate::auth::access::treatment_for;
use crate::auth::audit::{self, Action};
use crate::auth::{secrets, AuthUser};
use crate::clock::utc;
use crate::db::checkins::{self, Checkin, NewFinding};
use crate::db::patients::Patient;
use crate::db::treatments::{self, Treatment};
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::guidance::{self, Guidance};
use crate::domain::schedule::day_of;
use crate::domain::triage::{triage, Finding, History, Level, Observation, Thresholds, Triage};
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

/// The clinic's settings a check-in is triaged and answered with.
pub(super) struct Context {
    pub thresholds: Thresholds,
    pub emergency_number: String,
}

pub async fn record_checkin(
    state: &AppState,
    user: AuthUser,
    treatment_id: String,
    raw: RawCheckin,
    at: DateTime<Utc>,
) -> Result<Recorded, ApiError> {
    user.require(&[Role::Patient, Role::Physician])?;
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
        // Sent before (found by the unique index), or written concurrently
        // under the same client_id: answer as if this request came second.
        // The replay shows the stored symptoms and note again: a read of
        // health data, audited like any other.
        Err(ApiError::IdempotencyConflict) => {
            state
                .db
                .transaction(move |conn| {
                    let (_, patient) = treatment_for(conn, &user, &treatment_id)?;
                    match checkins::find_by_client_id(conn, &patient.id, &client_id)? {
                        Some(existing) if existing.request_hash == hash => {
                            audit::record(
                                conn,
                                &user,
                                Action::Read,
                                &[(&patient.id, "checkin", &existing.id)],
                                at,
                            )?;
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

/// The treatment and its patient, locked for the check-in (PostgreSQL), if
/// the caller may see them.
fn load(
    conn: &mut DbConnection,
    user: &AuthUser,
    treatment_id: &str,
) -> Result<(Treatment, Patient), ApiError> {
    let (treatment, patient) =
        treatments::find_for_checkin(conn, treatment_id)?.ok_or(ApiError::NotFound)?;
    if !access::can_see_patient(conn, user, &patient.id)? {
        return Err(ApiError::NotFound);
    }
    Ok((treatment, patient))
}

/// When the check-in was observed: not in the future, not before the
/// treatment.
fn observed_at(
    c: &NewCheckin,
    administered_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
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
    Ok(observed_at)
}

/// The treatment's course at a new check-in: the history of the new one,
/// and whether check-ins whose findings depend on history were observed
/// after it (usually not; they were when it arrives late, from an offline
/// device).
pub(super) struct Course {
    pub history: History,
    pub later: bool,
}

impl Course {
    fn read(
        conn: &mut DbConnection,
        treatment: &Treatment,
        observed_at: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let facts = treatment.facts();
        let mut history = History::default();
        let mut later = false;
        // Ties in observed_at go to the stored one: it was received first.
        for entry in checkins::course(conn, &treatment.id)? {
            if entry.observed_at <= observed_at.naive_utc() {
                history.add(&entry.observation(facts, treatment.administered_at));
            } else {
                later |= entry.depends_on_history();
            }
        }
        Ok(Self { history, later })
    }
}

/// The check-in whose findings go to the alerts.
#[derive(Clone, Copy)]
pub(super) struct Subject<'a> {
    pub patient_id: &'a str,
    pub treatment_id: &'a str,
    pub checkin_id: &'a str,
    pub observed_at: DateTime<Utc>,
    /// The findings come from triaging the check-in again.
    pub retriaged: bool,
}

/// One check-in's alert changes, decided before anything is written.
pub(super) struct AlertPlans<'a> {
    plans: Vec<(alerting::Input<'a>, Plan)>,
}

impl<'a> AlertPlans<'a> {
    /// Plans the alert change of every finding at warning or above.
    pub fn decide(
        conn: &mut DbConnection,
        subject: Subject<'a>,
        findings: impl IntoIterator<Item = &'a Finding>,
    ) -> Result<Self, ApiError> {
        let mut plans = Vec::new();
        for finding in findings.into_iter().filter(|f| f.level >= Level::Warning) {
            let input = alerting::Input {
                patient_id: subject.patient_id,
                treatment_id: subject.treatment_id,
                checkin_id: Some(subject.checkin_id),
                observed_at: subject.observed_at,
                retriaged: subject.retriaged,
                rule: finding.rule,
                level: finding.level,
                reasons: &finding.reasons,
            };
            if let Some(plan) = alerting::plan(conn, &input)? {
                plans.push((input, plan));
            }
        }
        Ok(Self { plans })
    }

    /// The alerts as the changes leave them, for the answer.
    pub fn changes(&self) -> Vec<AlertChange> {
        self.plans
            .iter()
            .map(|(input, plan)| plan.change(input))
            .collect()
    }

    /// Whether the clinic hears of it: an alert opens, escalates or reopens.
    pub fn notify(&self) -> bool {
        self.plans.iter().any(|(_, plan)| plan.notifies())
    }

    pub fn carry_out(self, conn: &mut DbConnection, at: DateTime<Utc>) -> Result<(), ApiError> {
        for (input, plan) in self.plans {
            alerting::carry_out(conn, &input, plan, at)?;
        }
        Ok(())
    }
}

/// The guidance for a triage, in the patient's language.
pub(super) fn guidance_for(
    context: &Context,
    patient: &Patient,
    treatment: &Treatment,
    result: &Triage,
    observation: &Observation,
    clinic_notified: bool,
) -> Vec<Guidance> {
    let given_at = utc(treatment.administered_at)
        .with_timezone(&patient.zone())
        .naive_local();
    guidance::for_triage(
        result,
        observation,
        &guidance::Context {
            locale: patient.language(),
            emergency_number: &context.emergency_number,
            given_at,
            clinic_notified,
        },
    )
}

/// The `triage` member of an answer: level, findings (a finding made by
/// triaging again says so) and guidance.
pub(super) fn triage_json(result: &Triage, retriaged: &[bool], guidance: &[Guidance]) -> Value {
    let findings: Vec<Value> = result
        .findings
        .iter()
        .zip(retriaged.iter().chain(std::iter::repeat(&false)))
        .map(|(f, again)| {
            let mut finding =
                json!({"rule": f.rule.as_str(), "level": f.level.as_str(), "reasons": f.reasons});
            if *again {
                finding["retriaged"] = Value::Bool(true);
            }
            finding
        })
        .collect();
    json!({
        "level": result.level.as_str(),
        "findings": findings,
        "guidance": guidance.iter().map(|g| json!({"code": g.code, "text": g.text})).collect::<Vec<_>>(),
    })
}

/// The findings as stored rows (their reasons as JSON arrays).
pub(super) fn reasons_json(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| serde_json::to_string(&f.reasons).unwrap_or_default())
        .collect()
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
    let (treatment, patient) = load(conn, user, treatment_id)?;
    let administered_at = utc(treatment.administered_at);
    let observed_at = observed_at(&c, administered_at, at)?;
    let day = day_of(observed_at, administered_at, patient.zone());
    let course = Course::read(conn, &treatment, observed_at)?;
    let observation = Observation {
        day,
        elapsed: observed_at - administered_at,
        treatment: treatment.facts(),
        severities: c.severities,
        vitals: c.measured,
        medical_care: c.medical_care,
    };
    let result = triage(&observation, &course.history, &context.thresholds);

    let id = uuid::Uuid::now_v7().to_string();
    let subject = Subject {
        patient_id: &patient.id,
        treatment_id: &treatment.id,
        checkin_id: &id,
        observed_at,
        retriaged: false,
    };
    let plans = AlertPlans::decide(conn, subject, &result.findings)?;
    let guidance = guidance_for(
        context,
        &patient,
        &treatment,
        &result,
        &observation,
        plans.notify(),
    );
    let row = checkin_row(
        &c,
        &id,
        &treatment,
        user,
        hash,
        day,
        observed_at,
        at,
        &result,
    );
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
        "triage": triage_json(&result, &[], &guidance),
        "alerts": plans.changes(),
    })
    .to_string();
    let row = Checkin {
        response: answer,
        ..row
    };
    let symptoms: Vec<(&str, i32)> = c
        .reported
        .iter()
        .map(|(s, v)| (s.code(), i32::from(*v)))
        .collect();
    let finding_ids: Vec<String> = result
        .findings
        .iter()
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let reasons = reasons_json(&result.findings);
    let finding_rows: Vec<NewFinding<'_>> = result
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            NewFinding::current(
                &finding_ids[i],
                &id,
                f.rule.as_str(),
                f.level.as_str(),
                &reasons[i],
                false,
            )
        })
        .collect();
    checkins::insert(conn, &row, &symptoms, &finding_rows)?;
    plans.carry_out(conn, at)?;
    if course.later {
        let mut history = course.history;
        history.add(&observation);
        let later = checkins::observed_after(conn, &treatment.id, observed_at.naive_utc())?;
        retriage::later(conn, context, &treatment, &patient, history, &later, at)?;
    }
    audit::record(
        conn,
        user,
        Action::Create,
        &[(&patient.id, "checkin", &id)],
        at,
    )?;
    tracing::info!(checkin_id = %id, late = course.later, "check-in recorded");
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

/// The check-in row, without its answer.
#[allow(clippy::too_many_arguments)]
fn checkin_row(
    c: &NewCheckin,
    id: &str,
    treatment: &Treatment,
    user: &AuthUser,
    hash: &str,
    day: i64,
    observed_at: DateTime<Utc>,
    at: DateTime<Utc>,
    result: &Triage,
) -> Checkin {
    let glucose = c.measured.glucose;
    let symptoms = c.reported.iter().map(|(s, v)| (s.code(), i32::from(*v)));
    Checkin {
        id: id.to_owned(),
        treatment_id: treatment.id.clone(),
        patient_id: treatment.patient_id.clone(),
        client_id: c.client_id.clone(),
        request_hash: hash.to_owned(),
        day: i32::try_from(day).unwrap_or(i32::MAX),
        observed_at: observed_at.naive_utc(),
        received_at: at.naive_utc(),
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
        triage_level: result.level.as_str().to_owned(),
        response: String::new(),
        present_symptoms: checkins::present_symptoms(symptoms),
    }
}
