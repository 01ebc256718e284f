//! `GET /v1/patients/{patient_id}/fhir`: the patient's record as a FHIR R4
//! Bundle of type `collection`.

mod resources;

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::auth::audit;
use crate::auth::{access, AuthUser};
use crate::clock::now;
use crate::db::{alert_queries, caregivers, checkins, photos, timeline, treatments};
use crate::domain::alerts::Status;
use crate::error::ApiError;
use crate::state::AppState;

pub const FHIR_JSON: &str = "application/fhir+json";

fn entry(resource: Value) -> Value {
    let id = resource["id"].as_str().unwrap_or_default().to_owned();
    json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": resource })
}

#[tracing::instrument(skip_all, fields(patient_id = %path))]
pub async fn export(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let bundle = bundle_of(&state, user, path.into_inner().to_string()).await?;
    Ok(HttpResponse::Ok().content_type(FHIR_JSON).json(bundle))
}

/// The patient's record as a FHIR R4 Bundle, if the caller may see the
/// patient; the read is audited.
pub async fn bundle_of(
    state: &AppState,
    user: AuthUser,
    patient_id: String,
) -> Result<serde_json::Value, ApiError> {
    let at = now();
    let base = state.settings.public_url.clone();
    let bundle = state
        .db
        .run(move |conn| {
            let patient = access::patient_for(conn, &user, &patient_id)?;
            let given = treatments::all_for_patient(conn, &patient.id)?;
            let ids: Vec<String> = given.iter().map(|t| t.id.clone()).collect();
            let reports = checkins::all_of_treatments(conn, &ids)?;
            let mut answers: HashMap<String, Vec<(String, i32)>> = HashMap::new();
            for (checkin_id, symptom, severity) in timeline::symptoms_of(conn, &ids, 0)? {
                answers
                    .entry(checkin_id)
                    .or_default()
                    .push((symptom, severity));
            }
            let alerts = alert_queries::for_treatments(conn, &ids, &Status::ALL)?;
            let photos = photos::of_patient(conn, &patient.id)?;
            let caregivers = caregivers::all_of_patient(conn, &patient.id)?;
            let mut entries = vec![entry(resources::patient(&patient))];
            entries.extend(
                caregivers
                    .iter()
                    .map(|c| entry(resources::related_person(c, &patient.id))),
            );
            entries.extend(given.iter().map(|t| entry(resources::procedure(t))));
            for c in &reports {
                let symptoms = answers.remove(&c.id).unwrap_or_default();
                entries.push(entry(resources::questionnaire_response(c, &symptoms)));
                entries.extend(resources::observations(c).into_iter().map(entry));
            }
            entries.extend(
                photos
                    .iter()
                    .map(|p| entry(resources::media(p, base.as_deref()))),
            );
            entries.extend(alerts.iter().map(|a| entry(resources::adverse_event(a))));
            let touched = [(patient.id.as_str(), "fhir_export", patient.id.as_str())];
            Ok(audit::read(&user, &touched, at, ()).map(|()| {
                json!({
                    "resourceType": "Bundle",
                    "id": uuid::Uuid::new_v4().to_string(),
                    "type": "collection",
                    "timestamp": at,
                    "entry": entries
                })
            }))
        })
        .await?;
    state.reads.audit(bundle).await
}
