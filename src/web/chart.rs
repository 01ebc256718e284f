//! The recovery chart, drawn on the server as SVG: a heat map with one row
//! per symptom reported and one column per day since treatment. Each cell
//! carries the severity as a number as well as a shade, so that it reads
//! without colour; a table of the same figures follows for screen readers.

use maud::{html, Markup};
use serde_json::Value;

use super::texts::Texts;
use crate::domain::accounts::Locale;
use crate::domain::symptoms::Symptom;

const CELL: i64 = 28;
const LABEL_WIDTH: i64 = 220;
const HEADER: i64 = 24;

/// The symptoms reported on any of the days, in the catalogue's order.
fn reported(days: &[Value]) -> Vec<Symptom> {
    Symptom::ALL
        .iter()
        .copied()
        .filter(|symptom| {
            days.iter()
                .any(|day| day["symptoms"].get(symptom.code()).is_some())
        })
        .collect()
}

fn label(symptom: Symptom, locale: Locale) -> &'static str {
    match locale {
        Locale::En => symptom.label_en(),
        Locale::Ja => symptom.label_ja(),
    }
}

/// The chart of one treatment's days; `id` names it in the page.
pub fn symptoms_by_day(t: &Texts, locale: Locale, days: &[Value], id: &str) -> Markup {
    let symptoms = reported(days);
    let columns = days.len() as i64;
    let width = LABEL_WIDTH + columns.max(1) * CELL;
    let height = HEADER + (symptoms.len() as i64).max(1) * CELL;
    let severity =
        |day: &Value, symptom: Symptom| day["symptoms"][symptom.code()].as_i64().unwrap_or(0);
    html! {
        figure.chart tabindex="0" {
            svg role="img" aria-labelledby={ (id) "-title" } viewBox={ "0 0 " (width) " " (height) } width=(width) height=(height) {
                title id={ (id) "-title" } { (t.symptoms_by_day) }
                @for (column, day) in days.iter().enumerate() {
                    text x=(LABEL_WIDTH + column as i64 * CELL + CELL / 2) y="16" text-anchor="middle" class="axis" {
                        (day["day"].as_i64().unwrap_or_default())
                    }
                }
                @for (row, symptom) in symptoms.iter().enumerate() {
                    @let y = HEADER + row as i64 * CELL;
                    text x=(LABEL_WIDTH - 8) y=(y + CELL / 2 + 5) text-anchor="end" class="axis" { (label(*symptom, locale)) }
                    @for (column, day) in days.iter().enumerate() {
                        @let value = severity(day, *symptom);
                        @let x = LABEL_WIDTH + column as i64 * CELL;
                        rect x=(x + 1) y=(y + 1) width=(CELL - 2) height=(CELL - 2) class={ "cell s" (value) } {}
                        @if value > 0 {
                            text x=(x + CELL / 2) y=(y + CELL / 2 + 5) text-anchor="middle" class={ "value s" (value) } { (value) }
                        }
                    }
                }
            }
            figcaption { (t.chart_legend) }
        }
        @if !symptoms.is_empty() {
            details {
                summary { (t.symptoms_by_day) }
                div.scroll tabindex="0" {
                    table {
                        caption { (t.symptoms_by_day) }
                        thead { tr { th scope="col" { (t.day) } @for symptom in &symptoms { th scope="col" { (label(*symptom, locale)) } } } }
                        tbody {
                            @for day in days {
                                tr {
                                    th scope="row" { (day["day"].as_i64().unwrap_or_default()) }
                                    @for symptom in &symptoms { td.num { (severity(day, *symptom)) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
