//! `/app/schedule` (done, due, missed and upcoming days) and
//! `/app/history` (earlier check-ins with their guidance).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::html;

use super::checkin::past_guidance;
use super::{layout, AppError, Patient};
use crate::api::checkins;
use crate::api::schedule;
use crate::clock::utc;
use crate::state::AppState;
use crate::web::page;
use crate::web::photos::thumbnails;
use crate::web::worklist::local_time;

/// Check-ins of each treatment the history shows at most.
const HISTORY_LIMIT: i64 = 200;

pub async fn schedule_page(
    state: web::Data<AppState>,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    let t = patient.texts();
    let treatments = schedule::load(&state, patient.0.caller(), patient.reporting_for()).await?;
    let zone = patient.0.zone();
    let content = html! {
        h1 { (t.schedule) }
        @if treatments.is_empty() { p { (t.no_treatment) } }
        @for (treatment, items) in treatments.iter().rev() {
            @let treated = format!("{} {}", t.treated_on, utc(treatment.administered_at).with_timezone(&zone).format("%Y-%m-%d %H:%M"));
            // Scrolls sideways by itself when large text makes it wider
            // than the phone, instead of the page.
            div.scroll role="region" aria-label=(treated) tabindex="0" {
                table.schedule {
                    caption { (treated) }
                    thead { tr { th scope="col" { (t.day_n) } th scope="col" { (t.date) } th scope="col" { (t.state) } } }
                    tbody {
                        @for item in items {
                            tr class=(item.status) {
                                td { (item.day) }
                                td { time datetime=(item.due_date) { (item.due_date) } }
                                td { span.state { (t.status(item.status)) } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        StatusCode::OK,
        layout(t, &patient.0, t.schedule, "/app/schedule", content),
    ))
}

pub async fn history_page(
    state: web::Data<AppState>,
    patient: Patient,
) -> Result<HttpResponse, AppError> {
    let t = patient.texts();
    let answers = checkins::answers_of_patient(&state, patient.0.caller(), HISTORY_LIMIT).await?;
    let zone = patient.0.zone();
    let content = html! {
        h1 { (t.history) }
        @if answers.is_empty() { p { (t.no_history) } }
        @for answer in &answers {
            @let checkin = &answer["checkin"];
            article.checkin {
                h2 { (t.reported) " " (local_time(&checkin["observed_at"], zone)) " · " (t.day_n) " " (checkin["day"]) }
                @let reported: Vec<String> = checkin["symptoms"].as_object().into_iter().flatten()
                    .filter(|(_, v)| v.as_u64().unwrap_or(0) > 0)
                    .filter_map(|(code, v)| {
                        let symptom = crate::domain::symptoms::Symptom::from_code(code)?;
                        let word = t.severities.get(v.as_u64().unwrap_or(0) as usize).copied().unwrap_or_default();
                        Some(format!("{}: {word}", t.symptom(symptom)))
                    })
                    .collect();
                p { @if reported.is_empty() { (t.nothing_reported) } @else { (reported.join(" · ")) } }
                (past_guidance(answer))
                (thumbnails(&checkin["photos"], (t.photos, t.photo), &format!("{} {}", t.day_n, checkin["day"])))
            }
        }
    };
    Ok(page(
        StatusCode::OK,
        layout(t, &patient.0, t.history, "/app/history", content),
    ))
}
