//! `/dashboard/`: the worklist, most urgent first, as `GET /v1/worklist`
//! gives it; the rows refresh themselves from the event stream
//! (static/dashboard.js fetches `/dashboard/worklist/rows`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde_json::Value;

use super::session::Staff;
use super::texts::Texts;
use super::{layout, page, text, texts_of, PageError};
use crate::api::paging::PageQuery;
use crate::api::worklist;
use crate::domain::triage::Level;
use crate::state::AppState;

/// The worklist's first page, as a table and how many rows wait for a
/// physician (the page title's count).
async fn rows(
    state: &AppState,
    staff: &Staff,
    t: &Texts,
    query: PageQuery,
) -> Result<(Markup, usize), PageError> {
    let page = worklist::load(state, staff.0.caller(), query).await?;
    let page = serde_json::to_value(page).map_err(crate::error::ApiError::internal)?;
    let items = page["items"].as_array().cloned().unwrap_or_default();
    let zone = staff.0.zone();
    let waiting = items
        .iter()
        .filter(|row| row["open_alerts"].as_i64() > Some(0))
        .count();
    let markup = html! {
        @if items.is_empty() {
            tr { td colspan="7" { (t.worklist_empty) } }
        }
        @for row in &items {
            (row_markup(t, row, zone))
        }
    };
    Ok((markup, waiting))
}

fn row_markup(t: &Texts, row: &Value, zone: chrono_tz::Tz) -> Markup {
    let treatment = &row["treatment"];
    let sites: Vec<String> = treatment["sites"]
        .as_array()
        .map(|sites| sites.iter().map(text).collect())
        .unwrap_or_default();
    let worst = &row["worst_alert"];
    html! {
        tr {
            th scope="row" {
                a href={ "/dashboard/patients/" (text(&row["patient"]["id"])) } { (text(&row["patient"]["display_name"])) }
            }
            td { (text(&treatment["product"])) " · " (text(&treatment["kind"]).replace('_', " ")) @if !sites.is_empty() { " · " (sites.join(", ")) } }
            td.num { (row["day"].as_i64().unwrap_or_default()) }
            td {
                @if worst.is_object() {
                    (level_badge(t, &text(&worst["level"])))
                    " "
                    a href={ "/dashboard/alerts/" (text(&worst["id"])) } { (rule_name(t, &text(&worst["rule"]))) }
                } @else {
                    span.muted { (t.none) }
                }
            }
            td.num { (row["open_alerts"].as_i64().unwrap_or_default()) }
            td { (local_time(&row["last_checkin_at"], zone)) }
            td.num { (row["missed_checkins"].as_i64().unwrap_or_default()) }
        }
    }
}

/// A rule's name in the reader's language (its code if unknown).
pub fn rule_name(t: &Texts, code: &str) -> String {
    crate::domain::triage::Rule::parse(code)
        .map(|rule| t.rule(rule).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// A level as a word with a shape, so that it reads without colour.
pub fn level_badge(t: &Texts, level: &str) -> Markup {
    let parsed = Level::parse(level).unwrap_or(Level::None);
    let mark = match parsed {
        Level::Emergency => "▲▲",
        Level::Urgent => "▲",
        Level::Warning => "●",
        _ => "·",
    };
    html! { span class={ "level level-" (level) } { span aria-hidden="true" { (mark) " " } (t.level(parsed)) } }
}

/// An instant of the API in the reader's zone, to the minute.
pub fn local_time(value: &Value, zone: chrono_tz::Tz) -> String {
    value
        .as_str()
        .and_then(|raw| chrono::DateTime::parse_from_rfc3339(raw).ok())
        .map(|at| at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "—".to_owned())
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    query: PageQuery,
) -> Result<HttpResponse, PageError> {
    // The worklist is a care team's; an admin starts on the clinic's figures.
    if staff.0.user.role == crate::domain::accounts::Role::Admin {
        return Ok(super::see_other("/dashboard/stats"));
    }
    let t = texts_of(&staff.0);
    let (body, waiting) = rows(&state, &staff, t, query).await?;
    let title = if waiting > 0 {
        format!("({waiting}) {}", t.worklist)
    } else {
        t.worklist.to_owned()
    };
    let content = html! {
        h1 { (t.worklist) }
        p.hint #live data-title=(t.worklist) { (t.live_updates) }
        div.scroll tabindex="0" {
            table #worklist {
                caption { (t.worklist) }
                thead {
                    tr {
                        th scope="col" { (t.patient) }
                        th scope="col" { (t.treatment) }
                        th scope="col" { (t.day) }
                        th scope="col" { (t.worst_alert) }
                        th scope="col" { (t.open_alerts) }
                        th scope="col" { (t.last_checkin) }
                        th scope="col" { (t.missed_checkins) }
                    }
                }
                tbody #rows data-waiting=(waiting) { (body) }
            }
        }
    };
    Ok(page(
        StatusCode::OK,
        layout(t, &staff.0, &title, "/dashboard/", content),
    ))
}

/// The rows alone, for the live update; `X-Waiting` is the title's count.
pub async fn fragment(
    state: web::Data<AppState>,
    staff: Staff,
    query: PageQuery,
) -> Result<HttpResponse, PageError> {
    let t = texts_of(&staff.0);
    let (body, waiting) = rows(&state, &staff, t, query).await?;
    let mut response = page(StatusCode::OK, body);
    response.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("x-waiting"),
        actix_web::http::header::HeaderValue::from(waiting),
    );
    Ok(response)
}
