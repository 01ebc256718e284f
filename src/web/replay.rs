//! `/dashboard/stats/replay` (admins): the rule replay of `POST
//! /v1/triage/replay` as a form and its answer, the alerts of each rule
//! stored and proposed side by side in a chart, and in a table with the
//! findings, the alerts that would disappear or appear and how physicians
//! resolved them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::session::Staff;
use super::texts::Texts;
use super::{layout, page, texts_of, PageError};
use crate::api::replay::{self, ProposedSettings, ReplayRequest};
use crate::clock::now;
use crate::domain::accounts::Role;
use crate::domain::triage::Rule;
use crate::error::ApiError;
use crate::state::AppState;

const WIDTH: i64 = 720;
const LABEL: i64 = 230;
const ROW: i64 = 22;

#[derive(Deserialize)]
pub struct ReplayQuery {
    #[serde(default, deserialize_with = "crate::api::instants::optional_date")]
    from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::api::instants::optional_date")]
    to: Option<NaiveDate>,
    persistence_days: Option<i64>,
}

fn number(value: &Value) -> i64 {
    value.as_i64().unwrap_or_default()
}

fn rule_name(t: &Texts, code: &str) -> String {
    Rule::parse(code).map_or(code.to_owned(), |rule| t.rule(rule).to_owned())
}

/// Two bars per rule, stored above proposed, each with its count written
/// beside it; the sides differ in shade and outline, and the legend names
/// them.
fn side_by_side(t: &Texts, rules: &[&Value]) -> Markup {
    let most = rules
        .iter()
        .map(|r| number(&r["alerts"]["stored"]).max(number(&r["alerts"]["proposed"])))
        .max()
        .unwrap_or(1)
        .max(1);
    let bar = |n: i64| n * (WIDTH - LABEL - 60) / most;
    let height = 30 + rules.len() as i64 * (2 * ROW + 10);
    html! {
        svg role="img" aria-labelledby="replay-title" viewBox={ "0 0 " (WIDTH) " " (height) } class="bars" {
            title id="replay-title" { (t.replay_chart) }
            rect x=(LABEL) y="4" width="14" height="14" class="stored" {}
            text x=(LABEL + 20) y="16" class="axis" { (t.stored) }
            rect x=(LABEL + 140) y="4" width="14" height="14" class="proposed" {}
            text x=(LABEL + 160) y="16" class="axis" { (t.proposed) }
            @for (index, rule) in rules.iter().enumerate() {
                @let y = 30 + index as i64 * (2 * ROW + 10);
                @let (stored, proposed) = (number(&rule["alerts"]["stored"]), number(&rule["alerts"]["proposed"]));
                text x=(LABEL - 8) y=(y + ROW) text-anchor="end" class="axis" { (rule_name(t, rule["rule"].as_str().unwrap_or_default())) }
                rect x=(LABEL) y=(y) width=(bar(stored)) height=(ROW - 4) class="stored" {}
                text x=(LABEL + bar(stored) + 6) y=(y + ROW - 8) class="axis" { (stored) }
                rect x=(LABEL) y=(y + ROW) width=(bar(proposed)) height=(ROW - 4) class="proposed" {}
                text x=(LABEL + bar(proposed) + 6) y=(y + 2 * ROW - 8) class="axis" { (proposed) }
            }
        }
    }
}

/// "false_alarm 2, recovered 1", in the page's words.
fn verdicts(t: &Texts, resolutions: &Value) -> String {
    resolutions
        .as_object()
        .map(|all| {
            all.iter()
                .map(|(code, n)| format!("{} {}", t.verdict(code), number(n)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn percent(value: &Value) -> String {
    value
        .as_f64()
        .map_or("–".to_owned(), |v| format!("{:.0}%", v * 100.0))
}

fn results(t: &Texts, answer: &Value) -> Markup {
    let rules: Vec<&Value> = answer["rules"]
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .filter(|r| number(&r["alerts"]["stored"]) + number(&r["alerts"]["proposed"]) > 0)
                .collect()
        })
        .unwrap_or_default();
    html! {
        p.hint {
            (t.checkins_replayed) ": " (number(&answer["checkins"])) "; "
            (t.differing) ": " (number(&answer["differing"])) "; "
            (t.not_comparable) ": " (number(&answer["not_comparable"])) "."
        }
        @if rules.is_empty() {
            p { (t.no_alerts_in_range) }
        } @else {
            figure.chart { (side_by_side(t, &rules)) figcaption { (t.replay_legend) } }
        }
        div.scroll tabindex="0" {
            table {
                caption { (t.replay_table) }
                thead { tr {
                    th scope="col" { (t.rule) }
                    th scope="col" { (t.findings) " (" (t.stored) " / " (t.proposed) ")" }
                    th scope="col" { (t.alerts) " (" (t.stored) " / " (t.proposed) ")" }
                    th scope="col" { (t.disappearing) }
                    th scope="col" { (t.appearing) }
                    th scope="col" { (t.precision) " (" (t.stored) " / " (t.proposed) ")" }
                } }
                tbody {
                    @for rule in answer["rules"].as_array().into_iter().flatten() {
                        tr {
                            th scope="row" { (rule_name(t, rule["rule"].as_str().unwrap_or_default())) }
                            td.num { (number(&rule["findings"]["stored"])) " / " (number(&rule["findings"]["proposed"])) }
                            td.num { (number(&rule["alerts"]["stored"])) " / " (number(&rule["alerts"]["proposed"])) }
                            td { (number(&rule["disappearing"]["alerts"])) " " (verdicts(t, &rule["disappearing"]["resolutions"])) }
                            td { (number(&rule["appearing"]["alerts"])) " " (verdicts(t, &rule["appearing"]["resolutions"])) }
                            td.num { (percent(&rule["precision"]["stored"])) " / " (percent(&rule["precision"]["proposed"])) }
                        }
                    }
                }
            }
        }
    }
}

/// Why a replay was refused, naming each field.
fn refusal(error: &ApiError) -> String {
    match error {
        ApiError::Validation(errors) => errors.sentences().join(" "),
        other => other.to_string(),
    }
}

/// The form, with the range and setting asked for (the last 30 days and
/// the setting in force at first).
fn form(t: &Texts, from: NaiveDate, to: NaiveDate, days: i64) -> Markup {
    html! {
        form.filters method="get" action="/dashboard/stats/replay" {
            label for="replay-from" { (t.from_date) }
            input #replay-from type="date" name="from" value=(from) required;
            label for="replay-to" { (t.to) }
            input #replay-to type="date" name="to" value=(to) required;
            label for="persistence-days" { (t.persistence_days) }
            input #persistence-days type="number" name="persistence_days" min="3" max="30" value=(days) required;
            button type="submit" { (t.replay_run) }
        }
        p.hint { (t.replay_hint) }
    }
}

/// The replay section of the statistics page, for admins.
pub fn offer(t: &Texts, state: &AppState) -> Markup {
    let to = now().date_naive();
    html! {
        section aria-labelledby="replay-heading" {
            h2 #replay-heading { (t.replay_title) }
            (form(t, to - Duration::days(29), to, i64::from(state.settings.persistence_days)))
        }
    }
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ReplayQuery>,
) -> Result<HttpResponse, PageError> {
    let t = texts_of(&staff.0);
    let user = staff.0.caller();
    user.require(&[Role::Admin])?;
    let query = query.into_inner();
    let current = i64::from(state.settings.persistence_days);
    let today = now().date_naive();
    let (from, to) = (
        query.from.unwrap_or(today - Duration::days(29)),
        query.to.unwrap_or(today),
    );
    let days = query.persistence_days.unwrap_or(current);
    let answer = match (query.from, query.to) {
        (Some(from), Some(to)) => {
            let request = ReplayRequest {
                from,
                to,
                settings: ProposedSettings {
                    persistence_days: Some(days),
                },
            };
            match replay::run(&state, user, request).await {
                Ok(answer) => Ok(Some(
                    serde_json::to_value(answer).map_err(ApiError::internal)?,
                )),
                Err(error @ (ApiError::Validation(_) | ApiError::RangeTooLarge(_))) => Err(error),
                Err(error) => return Err(error.into()),
            }
        }
        _ => Ok(None),
    };
    let status = match &answer {
        Err(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Ok(_) => StatusCode::OK,
    };
    let content = html! {
        h1 { (t.replay_title) }
        p { (t.replay_intro) " " (t.persistence_days) ": " (current) "." }
        (form(t, from, to, days))
        @match &answer {
            Err(error) => { p.error role="alert" { (t.replay_refused) " " (refusal(error)) } }
            Ok(Some(answer)) => { (results(t, answer)) }
            Ok(None) => {}
        }
    };
    Ok(page(
        status,
        layout(t, &staff.0, t.replay_title, "/dashboard/stats", content),
    ))
}
