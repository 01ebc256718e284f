//! `GET /v1/patients/{patient_id}/timeline`: per treatment and per day since
//! it, the check-ins, the highest severity of each symptom, the worst
//! vitals, the photos and the alerts the day's reports fed; a recovery
//! chart in one request.

use std::collections::{BTreeMap, HashMap};

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::photos::{self, PhotoView};
use super::treatments::{view, TreatmentView};
use super::views::PatientView;
use crate::alerting::AlertChange;
use crate::auth::audit;
use crate::auth::{access, AuthUser};
use crate::clock::{now, utc};
use crate::db::alerts::Alert;
use crate::db::treatments::Treatment;
use crate::db::{timeline as rows, treatments};
use crate::domain::schedule::{day_of, local_date};
use crate::error::ApiError;
use crate::state::AppState;

/// The day's clinically worst readings: lowest glucose and blood pressure,
/// highest temperature.
#[derive(Serialize, Default)]
struct Vitals {
    glucose_mg_dl_min: Option<f64>,
    systolic_bp_min: Option<f64>,
    temperature_c_max: Option<f64>,
}

#[derive(Serialize)]
struct Day {
    day: i64,
    date: NaiveDate,
    checkins: usize,
    symptoms: BTreeMap<String, i32>,
    vitals: Vitals,
    alerts: Vec<AlertChange>,
    /// The photos of the day's check-ins, in the order of the check-ins.
    photos: Vec<PhotoView>,
}

impl Day {
    fn new(day: i64, date: NaiveDate) -> Self {
        Self {
            day,
            date,
            checkins: 0,
            symptoms: BTreeMap::new(),
            vitals: Vitals::default(),
            alerts: Vec::new(),
            photos: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct TreatmentDays {
    treatment: TreatmentView,
    days: Vec<Day>,
}

#[derive(Serialize)]
pub struct Timeline {
    patient: PatientView,
    treatments: Vec<TreatmentDays>,
}

/// The days being built: treatment -> day -> what was seen.
struct Days {
    first_dates: HashMap<String, NaiveDate>,
    by_treatment: HashMap<String, BTreeMap<i64, Day>>,
}

impl Days {
    /// Folds the check-ins, their symptoms and photos and the alert
    /// evidence into days.
    fn build(
        given: &[Treatment],
        zone: chrono_tz::Tz,
        checkins: Vec<rows::CheckinVitals>,
        symptoms: Vec<(String, String, i32)>,
        mut photos: HashMap<String, Vec<PhotoView>>,
        evidence: Vec<(Alert, chrono::NaiveDateTime)>,
    ) -> Self {
        let first_dates: HashMap<String, NaiveDate> = given
            .iter()
            .map(|t| (t.id.clone(), local_date(utc(t.administered_at), zone)))
            .collect();
        let mut days = Self {
            first_dates,
            by_treatment: HashMap::new(),
        };
        let mut checkin_day: HashMap<String, (String, i64)> = HashMap::new();
        for c in &checkins {
            let day = i64::from(c.day);
            checkin_day.insert(c.id.clone(), (c.treatment_id.clone(), day));
            let entry = days.entry(&c.treatment_id, day);
            entry.checkins += 1;
            let vitals = &mut entry.vitals;
            vitals.glucose_mg_dl_min = lower(vitals.glucose_mg_dl_min, c.glucose_mg_dl);
            vitals.systolic_bp_min = lower(vitals.systolic_bp_min, c.systolic_bp);
            vitals.temperature_c_max = higher(vitals.temperature_c_max, c.temperature_c);
            entry
                .photos
                .extend(photos.remove(&c.id).into_iter().flatten());
        }
        for (checkin_id, symptom, severity) in symptoms {
            if let Some((treatment_id, day)) = checkin_day.get(&checkin_id) {
                let highest = days
                    .entry(treatment_id, *day)
                    .symptoms
                    .entry(symptom)
                    .or_insert(0);
                *highest = (*highest).max(severity);
            }
        }
        for (alert, observed_at) in evidence {
            let Some(treatment) = given.iter().find(|t| t.id == alert.treatment_id) else {
                continue;
            };
            let day = day_of(utc(observed_at), utc(treatment.administered_at), zone);
            let entry = days.entry(&alert.treatment_id, day);
            let brief = AlertChange::from(alert);
            if !entry.alerts.contains(&brief) {
                entry.alerts.push(brief);
            }
        }
        days
    }

    fn entry(&mut self, treatment_id: &str, day: i64) -> &mut Day {
        let first = self
            .first_dates
            .get(treatment_id)
            .copied()
            .unwrap_or_default();
        self.by_treatment
            .entry(treatment_id.to_owned())
            .or_default()
            .entry(day)
            .or_insert_with(|| Day::new(day, first + Duration::days(day)))
    }
}

fn lower(current: Option<f64>, value: Option<f64>) -> Option<f64> {
    match (current, value) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn higher(current: Option<f64>, value: Option<f64>) -> Option<f64> {
    match (current, value) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[tracing::instrument(skip_all, fields(patient_id = %path))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let timeline = load(&state, user, path.into_inner().to_string()).await?;
    Ok(HttpResponse::Ok().json(timeline))
}

/// The patient's timeline, if the caller may see the patient; the read is
/// audited, and so is a denial (a 404, whether the patient exists or not).
pub async fn load(
    state: &AppState,
    user: AuthUser,
    patient_id: String,
) -> Result<Timeline, ApiError> {
    let (denied_user, patient_for_denial) = (user.clone(), patient_id.clone());
    let number = state.settings.emergency_number.clone();
    let at = now();
    let timeline = state
        .db
        .run(move |conn| {
            let patient = access::patient_for(conn, &user, &patient_id)?;
            let zone = patient.zone();
            let given = treatments::all_for_patient(conn, &patient.id)?;
            let ids: Vec<String> = given.iter().map(|t| t.id.clone()).collect();
            let checkins = rows::checkins_of(conn, &ids)?;
            let symptoms = rows::symptoms_of(conn, &ids, 1)?;
            let checkin_ids: Vec<String> = checkins.iter().map(|c| c.id.clone()).collect();
            let photos = photos::by_checkin(conn, &checkin_ids)?;
            let evidence = rows::alert_evidence_of(conn, &ids)?;
            let mut days = Days::build(&given, zone, checkins, symptoms, photos, evidence);
            let treatments_out = given
                .into_iter()
                .map(|treatment| TreatmentDays {
                    days: days
                        .by_treatment
                        .remove(&treatment.id)
                        .map(|d| d.into_values().collect())
                        .unwrap_or_default(),
                    treatment: view(treatment, &patient, &number),
                })
                .collect();
            let touched = [(patient.id.as_str(), "timeline", patient.id.as_str())];
            let read = audit::read(&user, &touched, at, ());
            Ok(read.map(|()| Timeline {
                patient: patient.into(),
                treatments: treatments_out,
            }))
        })
        .await;
    match timeline {
        Err(ApiError::NotFound) => {
            let touched = [(
                patient_for_denial.as_str(),
                "timeline",
                patient_for_denial.as_str(),
            )];
            state
                .reads
                .audit(audit::denied(&denied_user, &touched, at))
                .await?;
            Err(ApiError::NotFound)
        }
        timeline => state.reads.audit(timeline?).await,
    }
}
