//! The patient's check-in calendar across their treatments.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

use crate::auth::audit;
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::treatments::{self, Treatment};
use crate::db::{checkins, patients};
use crate::domain::accounts::Role;
use crate::domain::schedule::{local_date, schedule, slot_status};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize)]
pub struct Item {
    pub treatment_id: String,
    pub day: i64,
    pub due_date: NaiveDate,
    pub status: &'static str,
}

#[tracing::instrument(skip_all)]
pub async fn mine(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let items: Vec<Item> = load(&state, user)
        .await?
        .into_iter()
        .flat_map(|(_, items)| items)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// The patient's treatments, oldest first, each with its calendar; the
/// read is audited.
pub async fn load(
    state: &AppState,
    user: AuthUser,
) -> Result<Vec<(Treatment, Vec<Item>)>, ApiError> {
    user.require(&[Role::Patient])?;
    let patient_id = user.patient_id.clone().ok_or(ApiError::Forbidden)?;
    let at = now();
    let items = state
        .db
        .run(move |conn| {
            let patient = patients::find(conn, &patient_id)?.ok_or(ApiError::NotFound)?;
            let zone = patient.zone();
            let today = local_date(at, zone);
            let mut out = Vec::new();
            for treatment in treatments::all_for_patient(conn, &patient.id)? {
                let done = checkins::days_done_of(conn, &treatment.id)?;
                let items = schedule(utc(treatment.administered_at), zone)
                    .into_iter()
                    .map(|(day, due_date)| Item {
                        treatment_id: treatment.id.clone(),
                        day,
                        due_date,
                        status: slot_status(due_date, today, done.contains(&day)).as_str(),
                    })
                    .collect();
                out.push((treatment, items));
            }
            let touched = [(patient.id.as_str(), "schedule", patient.id.as_str())];
            Ok(audit::read(&user, &touched, at, out))
        })
        .await?;
    state.reads.audit(items).await
}
