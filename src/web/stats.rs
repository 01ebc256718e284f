//! `/dashboard/stats`: the cohort's symptom curves by day since treatment,
//! as `GET /v1/stats/symptoms` counts them: the share of patients who
//! checked in that day and reported each symptom (the clinic's own "does
//! it settle within a week"), and at moderate or worse, in a table; for
//! admins, the rule replay's form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde_json::Value;

use super::session::Staff;
use super::texts::Texts;
use super::{layout, page, texts_of, PageError};
use crate::api::stats::{self, StatsQuery};
use crate::domain::accounts::{Locale, Role};
use crate::domain::symptoms::Symptom;
use crate::error::ApiError;
use crate::state::AppState;

/// Lines drawn at most: the symptoms reported most often; the table has all.
const LINES: usize = 6;
/// The chart's size and margins, in SVG units.
const WIDTH: i64 = 720;
const HEIGHT: i64 = 320;
const LEFT: i64 = 48;
const BOTTOM: i64 = 32;
const TOP: i64 = 12;

fn share(day: &Value, code: &str, key: &str) -> f64 {
    let reporting = day["reporting"].as_f64().unwrap_or(0.0);
    if reporting == 0.0 {
        return 0.0;
    }
    day["symptoms"][code][key].as_f64().unwrap_or(0.0) / reporting
}

fn label(symptom: Symptom, locale: Locale) -> &'static str {
    match locale {
        Locale::En => symptom.label_en(),
        Locale::Ja => symptom.label_ja(),
    }
}

/// The curves: one polyline per symptom, each labelled at its end with
/// its name, so that no line needs its colour to be told apart.
fn curves(t: &Texts, locale: Locale, days: &[Value], shown: &[Symptom]) -> Markup {
    let last_day = days
        .iter()
        .filter_map(|d| d["day"].as_i64())
        .max()
        .unwrap_or(1)
        .max(1);
    let x = |day: i64| LEFT + day * (WIDTH - LEFT - 150) / last_day;
    let y = |share: f64| TOP + ((1.0 - share) * (HEIGHT - TOP - BOTTOM) as f64) as i64;
    html! {
        svg role="img" aria-labelledby="curves-title" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } class="curves" {
            title id="curves-title" { (t.stats_title) }
            @for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
                line x1=(LEFT) x2=(WIDTH - 150) y1=(y(tick)) y2=(y(tick)) class="grid" {}
                text x=(LEFT - 6) y=(y(tick) + 4) text-anchor="end" class="axis" { ((tick * 100.0) as i64) "%" }
            }
            @for day in days {
                @let d = day["day"].as_i64().unwrap_or_default();
                text x=(x(d)) y=(HEIGHT - 10) text-anchor="middle" class="axis" { (d) }
            }
            @for (index, symptom) in shown.iter().enumerate() {
                @let points: Vec<String> = days.iter().map(|day| format!("{},{}", x(day["day"].as_i64().unwrap_or_default()), y(share(day, symptom.code(), "any")))).collect();
                polyline points=(points.join(" ")) class={ "line l" (index) } {}
                @if let Some(last) = days.last() {
                    text x=(x(last["day"].as_i64().unwrap_or_default()) + 6) y=(y(share(last, symptom.code(), "any")) + 4) class="axis" { (label(*symptom, locale)) }
                }
            }
        }
    }
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, PageError> {
    let t = texts_of(&staff.0);
    let locale = staff.0.locale();
    let stats = stats::load(&state, staff.0.caller(), query.into_inner()).await?;
    let stats = serde_json::to_value(stats).map_err(ApiError::internal)?;
    let days = stats["days"].as_array().cloned().unwrap_or_default();
    let mut reported: Vec<(Symptom, f64)> = Symptom::ALL
        .iter()
        .map(|s| {
            (
                *s,
                days.iter()
                    .map(|d| share(d, s.code(), "any"))
                    .fold(0.0, f64::max),
            )
        })
        .filter(|(_, peak)| *peak > 0.0)
        .collect();
    reported.sort_by(|a, b| b.1.total_cmp(&a.1));
    let shown: Vec<Symptom> = reported.iter().take(LINES).map(|(s, _)| *s).collect();
    let percent = |value: f64| format!("{:.0}%", value * 100.0);
    let admin = staff.0.user.role == Role::Admin;
    let content = html! {
        h1 { (t.stats_title) }
        form.filters method="get" action="/dashboard/stats" {
            label for="from" { (t.from) }
            input #from type="date" name="from" value=(stats["from"].as_str().unwrap_or_default());
            label for="to" { (t.to) }
            input #to type="date" name="to" value=(stats["to"].as_str().unwrap_or_default());
            button type="submit" { (t.show) }
        }
        p.hint { (t.cohort) ": " (stats["treatments"].as_i64().unwrap_or_default()) }
        @if shown.is_empty() {
            p { (t.no_reports) }
        } @else {
            figure.chart { (curves(t, locale, &days, &shown)) figcaption { (t.stats_legend) } }
            div.scroll tabindex="0" {
                table {
                    caption { (t.stats_table) }
                    thead { tr {
                        th scope="col" { (t.day) } th scope="col" { (t.reporting) }
                        @for (symptom, _) in &reported { th scope="col" { (label(*symptom, locale)) } }
                    } }
                    tbody {
                        @for day in &days {
                            tr {
                                th scope="row" { (day["day"].as_i64().unwrap_or_default()) }
                                td.num { (day["reporting"].as_i64().unwrap_or_default()) }
                                @for (symptom, _) in &reported {
                                    td.num { (percent(share(day, symptom.code(), "any"))) " (" (percent(share(day, symptom.code(), "moderate_or_worse"))) ")" }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if admin { (super::replay::offer(t, &state)) }
    };
    Ok(page(
        StatusCode::OK,
        layout(t, &staff.0, t.stats_title, "/dashboard/stats", content),
    ))
}
