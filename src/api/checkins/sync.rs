//! Offline batches: up to 100 check-ins, each answered as if posted alone,
//! in order; one bad item does not fail the others.

use actix_web::{web, HttpResponse, ResponseError};
use serde::Deserialize;
use serde_json::{json, Value};

use super::record_checkin;
use super::request::RawCheckin;
use crate::api::Body;
use crate::auth::extractor::AppCaller;
use crate::clock::now;
use crate::domain::accounts::Role;
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

pub const SYNC_BODY_LIMIT: usize = 1024 * 1024;
pub const SYNC_MAX_ITEMS: usize = 100;

#[derive(Deserialize)]
pub struct SyncRequest {
    checkins: Vec<RawCheckin>,
}

fn problem(error: &ApiError) -> Value {
    serde_json::to_value(error.problem()).unwrap_or(Value::Null)
}

#[tracing::instrument(skip_all)]
pub async fn sync(
    state: web::Data<AppState>,
    AppCaller(user): AppCaller,
    Body(body): Body<SyncRequest, SYNC_BODY_LIMIT>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Patient, Role::Caregiver])?;
    if body.checkins.len() > SYNC_MAX_ITEMS {
        return Err(FieldErrors::single(
            "checkins",
            format!("at most {SYNC_MAX_ITEMS} check-ins per batch"),
        ));
    }
    let mut results = Vec::with_capacity(body.checkins.len());
    for mut item in body.checkins {
        let client_id = item
            .json
            .get("client_id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let treatment_id = match &mut item.json {
            Value::Object(fields) => fields.remove("treatment_id"),
            _ => None,
        };
        let outcome = match treatment_id {
            None => Err(FieldErrors::single("treatment_id", "is required")),
            Some(Value::String(id)) => match uuid::Uuid::parse_str(&id) {
                Ok(id) => record_checkin(&state, user.clone(), id.to_string(), item, now()).await,
                Err(_) => Err(ApiError::NotFound),
            },
            Some(_) => Err(FieldErrors::single("treatment_id", "must be a string")),
        };
        let (status, answer) = match outcome {
            Ok(recorded) => (
                recorded.status(),
                serde_json::from_str(recorded.body()).unwrap_or(Value::Null),
            ),
            Err(error) => (error.status_code().as_u16(), problem(&error)),
        };
        results.push(json!({"client_id": client_id, "status": status, "body": answer}));
    }
    Ok(HttpResponse::Ok().json(json!({ "results": results })))
}
