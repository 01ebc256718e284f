//! `/dashboard/alerts/{id}`: the alert, its evidence and history, and the
//! workflow's forms. Each form sends the level the physician saw: an alert
//! that changed meanwhile is shown again as it is now, not acted on.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::photos::thumbnails;
use super::session::{check_csrf, Staff};
use super::texts::Texts;
use super::worklist::{level_badge, local_time};
use super::{layout, page, see_other, text, texts_of, PageError};
use crate::api::alerts::{self, AcknowledgeBody, ResolveBody, SnoozeBody};
use crate::api::patients;
use crate::clock::now;
use crate::domain::alerts::{Outcome, Status};
use crate::domain::triage::Level;
use crate::error::ApiError;
use crate::state::AppState;

/// Hours a snooze may last, as the form offers them (the API allows up
/// to a day).
const SNOOZE_HOURS: [i64; 4] = [1, 4, 12, 24];

/// An alert as the page shows it: the API's view and the patient's name.
struct Shown {
    alert: Value,
    patient: String,
}

impl Shown {
    /// The alert and its patient, each read as the API reads them
    /// (authorised, audited).
    async fn load(state: &AppState, staff: &Staff, id: String) -> Result<Shown, ApiError> {
        let view = alerts::view(state, staff.0.caller(), id).await?;
        Self::of(
            state,
            staff,
            serde_json::to_value(view).map_err(ApiError::internal)?,
        )
        .await
    }

    async fn of(state: &AppState, staff: &Staff, alert: Value) -> Result<Shown, ApiError> {
        let patient = patients::read(state, staff.0.caller(), text(&alert["patient_id"])).await?;
        Ok(Shown {
            alert,
            patient: patient.display_name,
        })
    }
}

fn render(t: &Texts, staff: &Staff, shown: &Shown, notice: Option<&str>) -> Markup {
    let alert = &shown.alert;
    let zone = staff.0.zone();
    let id = text(&alert["id"]);
    let level = text(&alert["level"]);
    let status = Status::parse(&text(&alert["status"])).unwrap_or(Status::Open);
    let csrf = &staff.0.csrf;
    let acknowledged = status == Status::Acknowledged;
    let high = Level::parse(&level).is_some_and(|l| l >= Level::Urgent);
    let rule = super::worklist::rule_name(t, &text(&alert["rule"]));
    html! {
        h1 { (level_badge(t, &level)) " " (rule) }
        @if let Some(notice) = notice {
            p.notice role="alert" { (notice) }
        }
        dl.facts {
            dt { (t.patient) }
            dd { a href={ "/dashboard/patients/" (text(&alert["patient_id"])) } { (shown.patient) } }
            dt { (t.status) } dd { (t.status(status)) }
            dt { (t.alert) } dd { (local_time(&alert["created_at"], zone)) }
        }
        @if status != Status::Resolved {
            section.actions aria-label=(t.alert) {
                @if status == Status::Open {
                    form method="post" action={ "/dashboard/alerts/" (id) "/acknowledge" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="level" value=(level);
                        button type="submit" { (t.acknowledge) }
                    }
                }
                @if acknowledged || !high {
                    form method="post" action={ "/dashboard/alerts/" (id) "/snooze" } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="level" value=(level);
                        label for="snooze-hours" { (t.snooze_for) }
                        select #snooze-hours name="hours" {
                            @for hours in SNOOZE_HOURS { option value=(hours) { (hours) " " (t.hours) } }
                        }
                        label for="snooze-reason" { (t.reason) }
                        input #snooze-reason type="text" name="reason" required maxlength="500";
                        button type="submit" { (t.snooze) }
                    }
                }
                form method="post" action={ "/dashboard/alerts/" (id) "/resolve" } {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="level" value=(level);
                    label for="resolve-outcome" { (t.outcome) }
                    select #resolve-outcome name="outcome" {
                        @for outcome in Outcome::ALL { option value=(outcome.as_str()) { (t.outcome(outcome)) } }
                    }
                    label for="resolve-note" { (t.note) }
                    textarea #resolve-note name="note" required maxlength="2000" {}
                    button type="submit" { (t.resolve) }
                }
            }
        }
        h2 { (t.evidence) }
        ul.evidence {
            @for item in alert["evidence"].as_array().into_iter().flatten() {
                li {
                    (level_badge(t, &text(&item["level"]))) " "
                    time { (local_time(&item["observed_at"], zone)) }
                    @if let Some(role) = item["recorded_by_role"].as_str().filter(|r| *r != "patient") {
                        " (" (t.reported_by) " " (t.role_word(role)) ")"
                    }
                    ": "
                    (item["reasons"].as_array().map(|r| r.iter().map(text).collect::<Vec<_>>().join("; ")).unwrap_or_default())
                    (thumbnails(&item["photos"], (t.photos, t.photo), &local_time(&item["observed_at"], zone)))
                }
            }
        }
        h2 { (t.history) }
        ol.history {
            @for entry in alert["history"].as_array().into_iter().flatten() {
                li { time { (local_time(&entry["at"], zone)) } " " (t.action(&text(&entry["action"]))) " (" (t.level(Level::parse(&text(&entry["level"])).unwrap_or(Level::None))) ")" }
            }
        }
    }
}

fn alert_page(
    t: &Texts,
    staff: &Staff,
    status: StatusCode,
    shown: &Shown,
    notice: Option<&str>,
) -> HttpResponse {
    let alert = &shown.alert;
    let rule = super::worklist::rule_name(t, alert["rule"].as_str().unwrap_or_default());
    let title = format!("{} · {rule}", t.alert);
    let here = format!(
        "/dashboard/alerts/{}",
        alert["id"].as_str().unwrap_or_default()
    );
    page(
        status,
        layout(t, &staff.0, &title, &here, render(t, staff, shown, notice)),
    )
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let t = texts_of(&staff.0);
    let shown = Shown::load(&state, &staff, path.into_inner().to_string()).await?;
    Ok(alert_page(t, &staff, StatusCode::OK, &shown, None))
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    level: Option<String>,
    hours: Option<i64>,
    reason: Option<String>,
    outcome: Option<String>,
    note: Option<String>,
}

/// Acknowledge, snooze or resolve, through the API's own validation and
/// workflow; back to the alert, which shows what was done.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<(uuid::Uuid, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    let (id, action) = path.into_inner();
    let id = id.to_string();
    let form = form.into_inner();
    let asked = match action.as_str() {
        "acknowledge" => AcknowledgeBody { level: form.level }.request(),
        "snooze" => SnoozeBody {
            until: now()
                + Duration::hours(form.hours.filter(|h| SNOOZE_HOURS.contains(h)).unwrap_or(1)),
            reason: form.reason.unwrap_or_default(),
            level: form.level,
        }
        .request(),
        "resolve" => ResolveBody {
            outcome: form.outcome.unwrap_or_default(),
            note: form.note.unwrap_or_default(),
            level: form.level,
        }
        .request(),
        _ => return Err(ApiError::NotFound.into()),
    };
    let t = texts_of(&staff.0);
    let outcome = match asked {
        Ok((request, level)) => {
            alerts::perform(&state, staff.0.caller(), id.clone(), request, level).await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/dashboard/alerts/{id}"))),
        Err(ApiError::AlertChanged(current)) => Ok(alert_page(
            t,
            &staff,
            StatusCode::CONFLICT,
            &Shown::of(&state, &staff, *current).await?,
            Some(t.alert_changed),
        )),
        Err(
            error
            @ (ApiError::Validation(_) | ApiError::AcknowledgeFirst | ApiError::AlertResolved),
        ) => {
            let shown = Shown::load(&state, &staff, id).await?;
            let notice = format!("{}{error}", t.invalid_form);
            Ok(alert_page(
                t,
                &staff,
                actix_web::ResponseError::status_code(&error),
                &shown,
                Some(&notice),
            ))
        }
        Err(error) => Err(error.into()),
    }
}
