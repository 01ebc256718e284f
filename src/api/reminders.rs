//! `GET` and `PUT /v1/me/reminders`: when and how the patient is reminded
//! of a scheduled check-in (domain::reminders says when one is due).

use actix_web::{web, HttpResponse};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Body;
use crate::auth::audit::{self, Action};
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::reminders::{self, Preferences};
use crate::domain::accounts::{self, Role};
use crate::domain::reminders::{format_time, parse_time, DEFAULT_TIME};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

#[derive(Serialize)]
pub struct ReminderView {
    pub time: String,
    pub web_push: bool,
    pub email: Option<String>,
}

impl ReminderView {
    fn of(preferences: Option<Preferences>) -> Self {
        match preferences {
            Some(p) => ReminderView {
                time: p.local_time,
                web_push: p.web_push,
                email: p.email,
            },
            None => ReminderView {
                time: format_time(DEFAULT_TIME),
                web_push: true,
                email: None,
            },
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn get(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, user).await?))
}

/// The patient's reminder preferences, or the defaults.
pub async fn load(state: &AppState, user: AuthUser) -> Result<ReminderView, ApiError> {
    user.require(&[Role::Patient])?;
    let found = state
        .db
        .run(move |conn| reminders::find(conn, &user.id))
        .await?;
    Ok(ReminderView::of(found))
}

/// Every field of the body, checked at once; a missing one is an error
/// (PUT replaces them all).
fn parse(user_id: &str, body: &Map<String, Value>) -> Result<Preferences, ApiError> {
    let mut errors = FieldErrors::new();
    for key in body.keys() {
        if !["time", "web_push", "email"].contains(&key.as_str()) {
            errors.add(key.clone(), "is not a reminder setting");
        }
    }
    let time = match body.get("time") {
        None => Err("is required".to_owned()),
        Some(Value::String(raw)) => parse_time(raw),
        Some(_) => Err("must be a string HH:MM".to_owned()),
    }
    .map_err(|m| errors.add("time", m))
    .ok();
    let web_push = match body.get("web_push") {
        None => Err("is required"),
        Some(Value::Bool(on)) => Ok(*on),
        Some(_) => Err("must be true or false"),
    }
    .map_err(|m| errors.add("web_push", m))
    .ok();
    let email = match body.get("email") {
        None => Err("is required (null for no e-mail)".to_owned()),
        Some(Value::Null) => Ok(None),
        Some(Value::String(raw)) => accounts::normalize_email(raw).map(Some),
        Some(_) => Err("must be an email address or null".to_owned()),
    }
    .map_err(|m| errors.add("email", m))
    .ok();
    errors.into_result()?;
    match (time, web_push, email) {
        (Some(time), Some(web_push), Some(email)) => Ok(Preferences {
            user_id: user_id.to_owned(),
            local_time: format_time(time),
            web_push,
            email,
            chosen_at: now().naive_utc(),
        }),
        _ => Err(ApiError::internal(anyhow::anyhow!(
            "validated field missing"
        ))),
    }
}

#[tracing::instrument(skip_all)]
pub async fn put(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(save(&state, user, &body).await?))
}

/// Replaces the patient's preferences with the body's (every field).
pub async fn save(
    state: &AppState,
    user: AuthUser,
    body: &Map<String, Value>,
) -> Result<ReminderView, ApiError> {
    user.require(&[Role::Patient])?;
    let patient_id = user.patient_id.clone().ok_or(ApiError::Forbidden)?;
    let mut preferences = parse(&user.id, body)?;
    let at = utc(preferences.chosen_at);
    let saved = state
        .db
        .transaction(move |conn| {
            // Only a new time waits for tomorrow; a change of channel
            // leaves today's reminder as it was.
            if let Some(before) = reminders::find(conn, &user.id)? {
                if before.local_time == preferences.local_time {
                    preferences.chosen_at = before.chosen_at;
                }
            }
            reminders::replace(conn, &preferences)?;
            let touched = [(patient_id.as_str(), "reminders", patient_id.as_str())];
            audit::record(conn, &user, Action::Update, &touched, at)?;
            Ok(preferences)
        })
        .await?;
    Ok(ReminderView::of(Some(saved)))
}
