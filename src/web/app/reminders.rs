//! `/app/reminders`: the reminder time, an e-mail address if wanted, and
//! the "Remind me" switch, which subscribes through the browser's Push API
//! (static/app.js) and keeps the subscription through `/app/reminders/push`.
//! Both save through the API's own functions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde_json::{json, Map, Value};

use super::texts::AppTexts;
use super::{layout, AppError, Patient};
use crate::api::push::{self, NewSubscription};
use crate::api::reminders::{self, ReminderView};
use crate::auth::web_session::{csrf_holds, CSRF_HEADER};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::session::check_csrf;
use crate::web::{page, Fields};

fn form(
    t: &AppTexts,
    csrf: &str,
    vapid: &str,
    shown: &ReminderView,
    notice: Option<(&str, bool)>,
) -> Markup {
    html! {
        h1 { (t.reminders) }
        p { (t.reminders_intro) }
        @if let Some((notice, ok)) = notice {
            @if ok { p.status role="status" { (notice) } } @else { p.error role="alert" { (notice) } }
        }
        form #reminders.card method="post" action="/app/reminders" data-vapid=(vapid) {
            input type="hidden" name="csrf" value=(csrf);
            label for="reminder-time" { (t.reminder_time) }
            input #reminder-time type="time" name="time" required value=(shown.time);
            label.check for="remind-me" {
                input #remind-me type="checkbox" name="web_push" value="true" role="switch" checked[shown.web_push];
                (t.remind_me)
            }
            p #push-unavailable.hint hidden { (t.push_unavailable) }
            label for="reminder-email" { (t.reminder_email) }
            input #reminder-email type="email" name="email" autocomplete="email" value=(shown.email.clone().unwrap_or_default());
            button type="submit" { (t.save) }
        }
    }
}

async fn show(
    state: &AppState,
    patient: &Patient,
    status: StatusCode,
    notice: Option<(&str, bool)>,
) -> Result<HttpResponse, AppError> {
    let t = patient.texts();
    let shown = reminders::load(state, patient.0.caller()).await?;
    let content = form(
        t,
        &patient.0.csrf,
        &state.vapid.public_key(),
        &shown,
        notice,
    );
    Ok(page(
        status,
        layout(t, &patient.0, t.reminders, "/app/reminders", content),
    ))
}

pub async fn reminders_page(
    state: web::Data<AppState>,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    show(&state, &patient, StatusCode::OK, None).await
}

/// The form, saved as `PUT /v1/me/reminders` would save it.
pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    patient: Patient,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let fields = Fields::parse(&body);
    check_csrf(
        &state,
        &req,
        &patient.0.csrf,
        &fields.one("csrf").unwrap_or_default(),
    )?;
    let t = patient.texts();
    let email = fields.one("email").filter(|e| !e.trim().is_empty());
    let mut asked = Map::new();
    asked.insert(
        "time".to_owned(),
        json!(fields.one("time").unwrap_or_default()),
    );
    asked.insert(
        "web_push".to_owned(),
        json!(fields.one("web_push").is_some()),
    );
    asked.insert(
        "email".to_owned(),
        email.map(Value::from).unwrap_or(Value::Null),
    );
    match reminders::save(&state, patient.0.caller(), &asked).await {
        Ok(_) => show(&state, &patient, StatusCode::OK, Some((t.saved, true))).await,
        Err(error @ ApiError::Validation(_)) => {
            let notice = format!(
                "{}{}",
                t.check_form,
                super::checkin::field_messages(&error, |f| f)
            );
            show(
                &state,
                &patient,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((&notice, false)),
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

/// The browser's push subscription, posted by app.js with the session's
/// CSRF token in `X-CSRF-Token`; answered as the API answers it.
pub async fn subscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    patient: Patient,
    body: web::Json<NewSubscription>,
) -> Result<HttpResponse, ApiError> {
    let given = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !csrf_holds(&state, &req, &patient.0.csrf, given) {
        return Err(ApiError::CsrfFailed);
    }
    let (created, view) = push::save(&state, patient.0.caller(), body.into_inner()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(view))
}
