//! The patient's check-in calendar across their treatments.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

use crate::auth::audit;
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::{checkins, patients, treatments};
use crate::domain::accounts::Role;
use crate::domain::schedule::{local_date, schedule, slot_status};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize)]
struct Item {
    treatment_id: String,
    day: i64,
    due_date: NaiveDate,
    status: &'static str,
}

#[tracing::instrument(skip_all)]
pub async fn mine(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Patient])?;
    let patient_id = user.patient_id.clone().ok_or(ApiError::Forbidden)?;
    let at = now();
    let items = state
        .db
        .run(move |conn| {
            let patient = patients::find(conn, &patient_id)?.ok_or(ApiError::NotFound)?;
            let zone = patient.zone();
            let today = local_date(at, zone);
            let mut items = Vec::new();
            for treatment in treatments::all_for_patient(conn, &patient.id)? {
                let done = checkins::days_done_of(conn, &treatment.id)?;
                for (day, due_date) in schedule(utc(treatment.administered_at), zone) {
                    let status = slot_status(due_date, today, done.contains(&day)).as_str();
                    items.push(Item {
                        treatment_id: treatment.id.clone(),
                        day,
                        due_date,
                        status,
                    });
                }
            }
            let touched = [(patient.id.as_str(), "schedule", patient.id.as_str())];
            Ok(audit::read(&user, &touched, at, items))
        })
        .await?;
    let items = state.reads.audit(items).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
