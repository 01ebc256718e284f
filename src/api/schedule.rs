//! The patient's check-in calendar across their treatments, for the
//! patient and their caregivers.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;

use crate::auth::AuthUser;
use crate::auth::{access, audit};
use crate::clock::{now, utc};
use crate::db::treatments::{self, Treatment};
use crate::db::{checkins, patients};
use crate::domain::accounts::Role;
use crate::domain::schedule::{local_date, schedule, slot_status};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

#[derive(Serialize)]
pub struct Item {
    pub treatment_id: String,
    pub day: i64,
    pub due_date: NaiveDate,
    pub status: &'static str,
}

#[derive(serde::Deserialize)]
pub struct ScheduleQuery {
    /// Whose schedule a caregiver reads (required for them; a patient's
    /// own, if given).
    patient_id: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ScheduleQuery>,
) -> Result<HttpResponse, ApiError> {
    let items: Vec<Item> = load(&state, user, query.into_inner().patient_id)
        .await?
        .into_iter()
        .flat_map(|(_, items)| items)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// The patient's treatments, oldest first, each with its calendar; the
/// read is audited. A patient reads their own, a caregiver that of the
/// patient they name (`asked`) if their link stands.
pub async fn load(
    state: &AppState,
    user: AuthUser,
    asked: Option<String>,
) -> Result<Vec<(Treatment, Vec<Item>)>, ApiError> {
    user.require(&[Role::Patient, Role::Caregiver])?;
    let patient_id = match (user.role, asked) {
        (Role::Caregiver, None) => {
            return Err(FieldErrors::single("patient_id", "is required"));
        }
        (Role::Caregiver, Some(asked)) => uuid::Uuid::parse_str(&asked)
            .map_err(|_| ApiError::NotFound)?
            .to_string(),
        (_, asked) => {
            let own = user.patient_id.clone().ok_or(ApiError::Forbidden)?;
            if asked.is_some_and(|asked| asked != own) {
                return Err(ApiError::NotFound);
            }
            own
        }
    };
    let at = now();
    let items = state
        .db
        .run(move |conn| {
            if !access::may_report_for(conn, &user, &patient_id)? {
                return Err(ApiError::NotFound);
            }
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
