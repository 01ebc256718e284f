//! `/app/`: today's check-in for the current treatment, and its answer.
//! The form works without script (posted to `/app/checkin`, answered with
//! the guidance); static/app.js sends it through `POST /v1/sync` instead,
//! keeping it on the device while there is no connection.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use maud::{html, Markup};
use serde_json::{json, Map, Value};

use super::texts::AppTexts;
use super::{layout, AppError, Patient};
use crate::api::checkins::{record_checkin, request::RawCheckin};
use crate::api::photos::{MAX_BYTES, MAX_PER_CHECKIN};
use crate::api::schedule::{self, Item};
use crate::clock::{now, utc};
use crate::db::treatments::Treatment;
use crate::domain::guidance::{self, EMERGENCY_SIGNS};
use crate::domain::schedule::{day_of, local_date};
use crate::domain::symptoms::{Symptom, LOCAL, MAX_SEVERITY};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::session::check_csrf;
use crate::web::{page, Fields};

/// The rare signs that need help at once, in the form's last section.
const SERIOUS: [Symptom; 11] = [
    Symptom::ThroatTightness,
    Symptom::DifficultyBreathing,
    Symptom::LipTongueSwelling,
    Symptom::Dizziness,
    Symptom::Fainting,
    Symptom::ColdSweat,
    Symptom::Tremor,
    Symptom::Palpitations,
    Symptom::Hunger,
    Symptom::Confusion,
    Symptom::VisionChange,
];

/// Systolic pressure below this is hypotension (clinical-rules.md).
const HYPOTENSION_BELOW: i32 = 90;

/// The form's three sections: the puncture site, the rest of the body,
/// and the rare serious signs. Every symptom of the catalogue is in one.
fn sections(t: &AppTexts) -> [(&'static str, &'static str, Vec<Symptom>); 3] {
    let general = Symptom::ALL
        .iter()
        .copied()
        .filter(|s| !LOCAL.contains(s) && !SERIOUS.contains(s))
        .collect();
    [
        ("local", t.local_section, LOCAL.to_vec()),
        ("general", t.general_section, general),
        ("serious", t.serious_section, SERIOUS.to_vec()),
    ]
}

fn symptom_group(t: &AppTexts, symptom: Symptom) -> Markup {
    let code = symptom.code();
    let looks = t.looks_like(symptom);
    html! {
        fieldset.symptom role="radiogroup" aria-labelledby={ "l-" (code) }
            aria-describedby=[looks.map(|_| format!("d-{code}"))] {
            legend #{ "l-" (code) } { (t.symptom(symptom)) }
            @if let Some(looks) = looks { p.looks #{ "d-" (code) } { (looks) } }
            div.scale {
                @for (value, word) in t.severities.iter().enumerate().take(usize::from(MAX_SEVERITY) + 1) {
                    label {
                        input type="radio" name={ "s." (code) } value=(value) checked[value == 0];
                        span { (word) }
                    }
                }
            }
        }
    }
}

/// The device's emergency check (`guidance::EMERGENCY_SIGNS`), as JSON for
/// the script: a list of signs, each a list of [code, severity].
fn signs_json() -> String {
    let signs: Vec<Vec<(&str, u8)>> = EMERGENCY_SIGNS
        .iter()
        .map(|sign| sign.iter().map(|(s, v)| (s.code(), *v)).collect())
        .collect();
    serde_json::to_string(&signs).unwrap_or_else(|_| "[]".to_owned())
}

fn form(t: &AppTexts, csrf: &str, treatment: &Treatment, notice: Option<&str>) -> Markup {
    html! {
        form #checkin method="post" action="/app/checkin"
            data-treatment=(treatment.id) data-signs=(signs_json())
            data-hypotension-below=(HYPOTENSION_BELOW) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="treatment_id" value=(treatment.id);
            input type="hidden" name="client_id" value=(uuid::Uuid::new_v4().to_string());
            h1 { (t.report_title) }
            p { (t.report_intro) }
            @if let Some(notice) = notice { p.error role="alert" { (notice) } }
            @for (id, title, symptoms) in sections(t) {
                section.symptoms aria-labelledby={ "sec-" (id) } {
                    h2 #{ "sec-" (id) } { (title) }
                    @if id == "serious" { p.hint { (t.serious_intro) } }
                    @for symptom in symptoms { (symptom_group(t, symptom)) }
                }
            }
            fieldset.vitals {
                legend { (t.vitals_section) }
                p.hint { (t.vitals_intro) }
                div.glucose {
                    label for="glucose" { (t.glucose) }
                    input #glucose type="number" name="glucose" inputmode="decimal" step="any" min="0";
                    label for="glucose-unit" { (t.glucose_unit) }
                    select #glucose-unit name="glucose_unit" {
                        option value="mg/dL" { "mg/dL" }
                        option value="mmol/L" { "mmol/L" }
                    }
                }
                label for="systolic" { (t.systolic_bp) }
                input #systolic type="number" name="systolic_bp" inputmode="numeric" step="1" min="0";
                label for="temperature" { (t.temperature) }
                input #temperature type="number" name="temperature_c" inputmode="decimal" step="0.1" min="30" max="45";
            }
            fieldset.impact {
                legend { (t.impact_section) }
                label.check { input type="checkbox" name="missed_normal_activities" value="true"; (t.missed_normal_activities) }
                label.check { input type="checkbox" name="missed_work" value="true"; (t.missed_work) }
                label for="medical-care" { (t.medical_care) }
                select #medical-care name="medical_care" {
                    @for (value, word) in ["none", "clinic", "emergency_room", "hospitalized"].iter().zip(t.care_options) {
                        option value=(value) { (word) }
                    }
                }
            }
            label for="note" { (t.note) }
            textarea #note name="note" maxlength="2000" {}
            // Photos travel with script only (static/app.js keeps them with
            // the report until both are sent), so the field shows then.
            div #photo-field.photos hidden data-max=(MAX_PER_CHECKIN) data-max-bytes=(MAX_BYTES)
                data-refused=(t.photo_refused) data-remove=(t.remove_photo) {
                label for="photo" { (t.add_photo) }
                p #photo-hint.hint { (t.photo_hint) }
                input #photo type="file" accept="image/jpeg,image/png,image/webp" capture="environment"
                    aria-describedby="photo-hint";
                p #photo-error.error role="alert" hidden {}
                ul #photo-list aria-label=(t.photos_chosen) {}
            }
            button.send type="submit" { (t.send) }
        }
    }
}

/// What the device shows while a report cannot reach the server: the
/// emergency block (when it has an emergency sign) and the "saved" line.
fn offline_blocks(
    t: &AppTexts,
    number: &str,
    given_at: NaiveDateTime,
    locale: crate::domain::accounts::Locale,
) -> Markup {
    let first_aid = guidance::offline_emergency(locale, number, given_at);
    html! {
        section #offline-emergency.emergency hidden role="alert" {
            p.lead { (t.offline_emergency) }
            a.call href={ "tel:" (number) } { (t.call_now) " " (number) }
            p { (first_aid.text) }
        }
        p #offline-saved.notice hidden role="status" { (t.offline_saved) }
    }
}

/// The status line above the form: due, done, or the next day.
fn status_line(t: &AppTexts, today: chrono::NaiveDate, items: &[Item]) -> Markup {
    let todays = items.iter().find(|i| i.due_date == today);
    let next = items.iter().find(|i| i.due_date > today);
    html! {
        @match (todays.map(|i| i.status), next) {
            (Some("done"), _) => p.status.done { (t.done_today) },
            (Some(_), _) => p.status.due { (t.due_today) },
            (None, Some(next)) => p.status { (t.next_checkin) ": " (t.day_n) " " (next.day) " · " (next.due_date) },
            (None, None) => p.status { (t.schedule_over) },
        }
    }
}

pub async fn today(state: web::Data<AppState>, patient: Patient) -> Result<HttpResponse, AppError> {
    show(&state, &patient, StatusCode::OK, None).await
}

async fn show(
    state: &AppState,
    patient: &Patient,
    status: StatusCode,
    notice: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let t = patient.texts();
    let session = &patient.0;
    let treatments = schedule::load(state, session.caller(), patient.reporting_for()).await?;
    let zone = session.zone();
    let at = now();
    let content = match treatments.last() {
        None => html! { h1 { (t.today) } p.status { (t.no_treatment) } },
        Some((treatment, items)) => {
            let given = utc(treatment.administered_at);
            let given_local = given.with_timezone(&zone).naive_local();
            let number = &state.settings.emergency_number;
            html! {
                p.day { (t.day_n) " " (day_of(at, given, zone)) }
                (status_line(t, local_date(at, zone), items))
                (offline_blocks(t, number, given_local, session.locale()))
                section #result hidden aria-live="polite" data-title=(t.sent)
                    data-what=(t.what_to_do) data-call=(t.call_now) data-number=(number)
                    data-again=(t.new_report) {}
                (form(t, &session.csrf, treatment, notice))
            }
        }
    };
    Ok(page(status, layout(t, session, t.today, "/app/", content)))
}

/// The guidance of a check-in's answer: (code, text), most pressing first.
fn guidance_of(answer: &Value) -> Vec<(String, String)> {
    answer["triage"]["guidance"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            (
                g["code"].as_str().unwrap_or_default().to_owned(),
                g["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The answer of the check-in just sent, as the patient reads it: the
/// emergency first and largest with a `tel:` link, then what to do.
pub fn answer_markup(t: &AppTexts, number: &str, answer: &Value) -> Markup {
    let guidance = guidance_of(answer);
    let (urgent, rest): (Vec<_>, Vec<_>) = guidance
        .iter()
        .partition(|(code, _)| code == "call_emergency");
    html! {
        @for (code, text) in urgent {
            section.emergency role="alert" data-code=(code) {
                a.call href={ "tel:" (number) } { (t.call_now) " " (number) }
                p { (text) }
            }
        }
        @if !rest.is_empty() {
            h2 { (t.what_to_do) }
            (guidance_list(&rest))
        }
    }
}

/// An earlier answer's guidance, as the history lists it (no call button:
/// the moment has passed).
pub fn past_guidance(answer: &Value) -> Markup {
    let guidance = guidance_of(answer);
    guidance_list(&guidance.iter().collect::<Vec<_>>())
}

fn guidance_list(guidance: &[&(String, String)]) -> Markup {
    html! {
        ul.guidance {
            @for (code, text) in guidance {
                li data-code=(code) { (text) }
            }
        }
    }
}

/// The form as the check-in API's JSON (the same body app.js sends).
fn body_of(fields: &Fields) -> Value {
    let number = |name: &str| -> Option<Value> {
        let raw = fields.one(name)?;
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        Some(
            raw.parse::<f64>()
                .ok()
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                .unwrap_or_else(|| Value::from(raw)),
        )
    };
    let mut symptoms = Map::new();
    for symptom in Symptom::ALL {
        if let Some(raw) = fields.one(&format!("s.{}", symptom.code())) {
            let value = raw
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::from(raw));
            if value != 0 {
                symptoms.insert(symptom.code().to_owned(), value);
            }
        }
    }
    let mut body = json!({
        "client_id": fields.one("client_id").unwrap_or_default(),
        "symptoms": symptoms,
        "impact": {
            "missed_normal_activities": fields.one("missed_normal_activities").is_some(),
            "missed_work": fields.one("missed_work").is_some(),
            "medical_care": fields.one("medical_care").unwrap_or_else(|| "none".to_owned()),
        },
    });
    let mut vitals = Map::new();
    if let Some(glucose) = number("glucose") {
        let unit = fields.one("glucose_unit").unwrap_or_default();
        vitals.insert(
            "glucose".to_owned(),
            json!({"value": glucose, "unit": unit}),
        );
    }
    for name in ["systolic_bp", "temperature_c"] {
        if let Some(value) = number(name) {
            vitals.insert(name.to_owned(), value);
        }
    }
    if !vitals.is_empty() {
        body["vitals"] = Value::Object(vitals);
    }
    if let Some(note) = fields.one("note").filter(|n| !n.trim().is_empty()) {
        body["note"] = Value::from(note);
    }
    body
}

/// The form posted without script: recorded through the API's own path,
/// answered with the guidance (a repeated post of the same form is stored
/// once: its client_id was made when the form was).
pub async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    patient: Patient,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let fields = Fields::parse(&body);
    let session = &patient.0;
    check_csrf(
        &state,
        &req,
        &session.csrf,
        &fields.one("csrf").unwrap_or_default(),
    )?;
    let t = patient.texts();
    let treatment_id = fields.one("treatment_id").unwrap_or_default();
    let treatment_id = uuid::Uuid::parse_str(&treatment_id)
        .map_err(|_| ApiError::NotFound)?
        .to_string();
    let raw = RawCheckin {
        json: body_of(&fields),
        repeated_symptoms: Vec::new(),
    };
    match record_checkin(&state, session.caller(), treatment_id, raw, now()).await {
        Ok(recorded) => {
            let answer: Value = serde_json::from_str(recorded.body()).unwrap_or(Value::Null);
            let status = StatusCode::from_u16(recorded.status()).unwrap_or(StatusCode::OK);
            let content = html! {
                section #result aria-live="polite" {
                    h1 { (t.sent) }
                    (answer_markup(t, &state.settings.emergency_number, &answer))
                    p { a.button href="/app/" { (t.new_report) } }
                }
            };
            Ok(page(status, layout(t, session, t.sent, "/app/", content)))
        }
        Err(error @ (ApiError::Validation(_) | ApiError::IdempotencyConflict)) => {
            let notice = format!("{}{}", t.check_form, field_messages(&error, |f| f));
            let status = actix_web::ResponseError::status_code(&error);
            show(&state, &patient, status, Some(&notice)).await
        }
        Err(error) => Err(error.into()),
    }
}

/// What a refusal says, field by field ("symptoms.redness: must be 0 to
/// 4"), each field named by `label`; or its message when it names none.
pub fn field_messages(error: &ApiError, label: impl Fn(&str) -> &str) -> String {
    let ApiError::Validation(fields) = error else {
        return error.to_string();
    };
    let fields = serde_json::to_value(fields).unwrap_or(Value::Null);
    fields
        .as_object()
        .into_iter()
        .flatten()
        .map(|(field, messages)| {
            let said: Vec<&str> = messages
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            format!("{}: {}", label(field), said.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
