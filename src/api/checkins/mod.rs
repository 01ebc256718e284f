//! Daily check-ins: the patient (or a care-team physician on their behalf)
//! reports symptoms, vitals and impact; the answer carries the triage, the
//! guidance and the alerts it opened or changed.

mod assess;
mod record;
pub mod request;
mod retriage;
pub mod sync;

use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::paging::{audited_page, PageQuery};
use super::photos::{self, PhotoView};
use super::Body;
use crate::auth::access::{self, treatment_for};
use crate::auth::extractor::AppCaller;
use crate::auth::AuthUser;
use crate::clock::now;
use crate::db::{checkins, treatments};
use crate::error::ApiError;
use crate::state::AppState;

pub use record::{record_checkin, Recorded};
use request::RawCheckin;

#[tracing::instrument(skip_all, fields(treatment_id = %path))]
pub async fn create(
    state: web::Data<AppState>,
    AppCaller(user): AppCaller,
    path: web::Path<uuid::Uuid>,
    Body(body): Body<RawCheckin>,
) -> Result<HttpResponse, ApiError> {
    let treatment_id = path.into_inner().to_string();
    let recorded = record_checkin(&state, user, treatment_id, body, now()).await?;
    Ok(recorded.into_response())
}

#[tracing::instrument(skip_all, fields(treatment_id = %path))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    let treatment_id = path.into_inner().to_string();
    let (limit, after) = (query.limit()?, query.after()?);
    let body = state
        .db
        .run(move |conn| {
            let (treatment, _) = treatment_for(conn, &user, &treatment_id)?;
            let rows = checkins::list(conn, &treatment.id, after, limit + 1)?;
            let ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
            let mut photos = photos::by_checkin(conn, &ids)?;
            let page = audited_page(&user, now(), rows, limit, |c| {
                query.cursor(c.observed_at, &c.id)
            });
            Ok(page.map(|page| {
                page.map(|row| {
                    let shown = photos.remove(&row.id).unwrap_or_default();
                    list_item(row, shown)
                })
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(state.reads.audit(body).await?))
}

/// A stored check-in as the list shows it: the check-in object of its
/// answer, with its triage level, current findings (the answer is
/// rewritten when the check-in is triaged again) and photos.
fn list_item(row: checkins::Checkin, photos: Vec<PhotoView>) -> Value {
    let mut answer = serde_json::from_str::<Value>(&row.response).unwrap_or(Value::Null);
    let findings = answer["triage"]["findings"].take();
    let mut item = answer["checkin"].take();
    if let Value::Object(fields) = &mut item {
        fields.insert(
            "triage_level".to_owned(),
            Value::from(row.triage_level.as_str()),
        );
        fields.insert("findings".to_owned(), findings);
        fields.insert(
            "recorded_by_role".to_owned(),
            Value::from(row.recorded_by_role.as_deref()),
        );
        fields.insert(
            "photos".to_owned(),
            serde_json::to_value(photos).unwrap_or_default(),
        );
    }
    item
}

/// The stored answers (check-in, triage, guidance) of the calling
/// patient's check-ins with their photos, newest treatment first and
/// newest first within it (the first `limit` of each treatment), for the
/// patient app's history; one read, audited like the list.
pub async fn answers_of_patient(
    state: &AppState,
    user: AuthUser,
    limit: i64,
) -> Result<Vec<Value>, ApiError> {
    let patient_id = user.patient_id.clone().ok_or(ApiError::Forbidden)?;
    let body = state
        .db
        .run(move |conn| {
            let patient = access::patient_for(conn, &user, &patient_id)?;
            let mut rows = Vec::new();
            for treatment in treatments::all_for_patient(conn, &patient.id)?.iter().rev() {
                let mut of_treatment = checkins::list(conn, &treatment.id, None, limit)?;
                of_treatment.reverse();
                rows.extend(of_treatment);
            }
            let shown = i64::try_from(rows.len()).map_err(ApiError::internal)?;
            let ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
            let mut photos = photos::by_checkin(conn, &ids)?;
            let page = audited_page(&user, now(), rows, shown, |row| row.id.clone());
            Ok(page.map(|page| {
                page.items
                    .into_iter()
                    .map(|row| {
                        let mut answer = serde_json::from_str(&row.response).unwrap_or(Value::Null);
                        if let Value::Object(checkin) = &mut answer["checkin"] {
                            let shown = photos.remove(&row.id).unwrap_or_default();
                            checkin.insert(
                                "photos".to_owned(),
                                serde_json::to_value(shown).unwrap_or_default(),
                            );
                        }
                        answer
                    })
                    .collect()
            }))
        })
        .await?;
    state.reads.audit(body).await
}
