//! `/dashboard/patients/{id}`: the patient's recovery from their timeline
//! (the chart, vitals, check-ins and alerts by day, per treatment) and a
//! new invite with a QR code of the patient app's sign-up link.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde_json::Value;

use super::chart::symptoms_by_day;
use super::photos::thumbnails;
use super::session::Csrf;
use super::session::{check_csrf, own_origin, Staff};
use super::texts::Texts;
use super::worklist::{level_badge, local_time};
use super::{layout, page, text, texts_of, PageError};
use crate::api::treatments::{self, CreateTreatment, ScreeningBody};
use crate::api::{patients, timeline};
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// The invite just made: its code and the QR code of its sign-up link.
struct NewInvite {
    code: String,
    qr_svg: String,
}

fn render(
    t: &Texts,
    staff: &Staff,
    timeline: &Value,
    invite: Option<&NewInvite>,
    notice: Option<&str>,
) -> Markup {
    let zone = staff.0.zone();
    let locale = staff.0.locale();
    let patient = &timeline["patient"];
    let id = text(&patient["id"]);
    html! {
        h1 { (text(&patient["display_name"])) }
        p { a href={ "/dashboard/patients/" (id) "/fhir" } download { (t.fhir_export) } }
        @if let Some(notice) = notice { p.notice role="alert" { (notice) } }
        @if staff.0.user.role != Role::Nurse { section.invite {
            form method="post" action={ "/dashboard/patients/" (id) "/invite" } {
                input type="hidden" name="csrf" value=(staff.0.csrf);
                button type="submit" { (t.new_invite) }
            }
            @if let Some(invite) = invite {
                div.card role="status" {
                    p { (t.invite_code) ": " strong.code { (invite.code) } }
                    p.hint { (t.invite_once) }
                    figure.qr {
                        // The QR code's SVG is made by the qrcode crate from the link alone.
                        (PreEscaped(&invite.qr_svg))
                        figcaption { (t.invite_qr) }
                    }
                }
            }
        } }
        @if staff.0.user.role == Role::Physician { (treatment_form(t, staff, &id)) }
        @for (index, entry) in timeline["treatments"].as_array().into_iter().flatten().enumerate() {
            @let treatment = &entry["treatment"];
            @let days = entry["days"].as_array().cloned().unwrap_or_default();
            section.treatment {
                h2 { (t.treatment) ": " (text(&treatment["product"])) " · " (text(&treatment["kind"]).replace('_', " ")) " · " (local_time(&treatment["administered_at"], zone)) }
                (symptoms_by_day(t, locale, &days, &format!("chart-{index}")))
                h3 { (t.vitals) " · " (t.checkins) " · " (t.alerts) }
                div.scroll tabindex="0" {
                    table {
                        caption { (t.vitals) }
                        thead { tr {
                            th scope="col" { (t.day) } th scope="col" { (t.checkins) }
                            th scope="col" { (t.glucose) } th scope="col" { (t.systolic_bp) } th scope="col" { (t.temperature) }
                            th scope="col" { (t.alerts) }
                        } }
                        tbody {
                            @for day in &days {
                                tr {
                                    th scope="row" { (day["day"].as_i64().unwrap_or_default()) " (" (text(&day["date"])) ")" }
                                    td.num { (day["checkins"].as_i64().unwrap_or_default()) }
                                    td.num { (number(&day["vitals"]["glucose_mg_dl_min"])) }
                                    td.num { (number(&day["vitals"]["systolic_bp_min"])) }
                                    td.num { (number(&day["vitals"]["temperature_c_max"])) }
                                    td {
                                        @for alert in day["alerts"].as_array().into_iter().flatten() {
                                            a href={ "/dashboard/alerts/" (text(&alert["id"])) } { (level_badge(t, &text(&alert["level"]))) } " "
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @let photo_days: Vec<&Value> = days.iter().filter(|day| has_photos(day)).collect();
                @if !photo_days.is_empty() {
                    h3 { (t.photos) }
                    @for day in photo_days {
                        @let named = format!("{} {}", t.day, day["day"].as_i64().unwrap_or_default());
                        h4 { (named) " (" (text(&day["date"])) ")" }
                        (thumbnails(&day["photos"], (t.photos, t.photo), &named))
                    }
                }
            }
        }
    }
}

/// Whether a timeline day has photos.
fn has_photos(day: &Value) -> bool {
    day["photos"]
        .as_array()
        .is_some_and(|photos| !photos.is_empty())
}

const KINDS: [&str; 3] = ["injection", "iv_drip", "iv_push"];
const SITES: [&str; 6] = ["face", "scalp", "neck", "decollete", "hands", "body"];
const SCREENING: [&str; 4] = [
    "cancer_treatment",
    "pregnant",
    "breastfeeding",
    "planning_pregnancy",
];

fn screening_label(t: &Texts, question: &str) -> &'static str {
    match question {
        "cancer_treatment" => t.cancer_treatment,
        "pregnant" => t.pregnant,
        "breastfeeding" => t.breastfeeding,
        _ => t.planning_pregnancy,
    }
}

fn treatment_form(t: &Texts, staff: &Staff, patient_id: &str) -> Markup {
    html! {
        details.record {
            summary { (t.record_treatment) }
            form.card method="post" action={ "/dashboard/patients/" (patient_id) "/treatments" } {
                input type="hidden" name="csrf" value=(staff.0.csrf);
                label for="t-kind" { (t.kind) }
                select #t-kind name="kind" { @for kind in KINDS { option value=(kind) { (kind.replace('_', " ")) } } }
                fieldset {
                    legend { (t.sites) }
                    @for site in SITES { label.check { input type="checkbox" name="sites" value=(site); " " (site) } }
                }
                label for="t-product" { (t.product_name) }
                input #t-product type="text" name="product" required maxlength="200";
                label for="t-lot" { (t.lot) }
                input #t-lot type="text" name="lot" maxlength="100";
                label for="t-at" { (t.administered_at) }
                input #t-at type="datetime-local" name="administered_at" required;
                fieldset {
                    legend { (t.screening) }
                    @for question in SCREENING {
                        label.check { input type="checkbox" name=(question) value="true"; " " (screening_label(t, question)) }
                    }
                }
                label for="t-override" { (t.override_reason) }
                textarea #t-override name="override_reason" maxlength="1000" {}
                button type="submit" { (t.record_treatment) }
            }
        }
    }
}

fn number(value: &Value) -> String {
    value
        .as_f64()
        .map(|n| format!("{n}"))
        .unwrap_or_else(|| "—".to_owned())
}

async fn timeline_of(state: &AppState, staff: &Staff, id: String) -> Result<Value, PageError> {
    let timeline = timeline::load(state, staff.0.caller(), id).await?;
    Ok(serde_json::to_value(timeline).map_err(ApiError::internal)?)
}

fn patient_page(
    t: &Texts,
    staff: &Staff,
    status: StatusCode,
    timeline: &Value,
    invite: Option<&NewInvite>,
    notice: Option<&str>,
) -> HttpResponse {
    let name = timeline["patient"]["display_name"]
        .as_str()
        .unwrap_or_default();
    let here = format!(
        "/dashboard/patients/{}",
        timeline["patient"]["id"].as_str().unwrap_or_default()
    );
    page(
        status,
        layout(
            t,
            &staff.0,
            name,
            &here,
            render(t, staff, timeline, invite, notice),
        ),
    )
}

pub async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let t = texts_of(&staff.0);
    let timeline = timeline_of(&state, &staff, path.into_inner().to_string()).await?;
    Ok(patient_page(
        t,
        &staff,
        StatusCode::OK,
        &timeline,
        None,
        None,
    ))
}

/// A new invite, shown once with the QR code of
/// `{origin}/app/register?invite=CODE`.
pub async fn invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<uuid::Uuid>,
    form: web::Form<Csrf>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    let t = texts_of(&staff.0);
    let id = path.into_inner().to_string();
    let issued = patients::issue_invite(&state, staff.0.caller(), id.clone()).await;
    let timeline = timeline_of(&state, &staff, id).await?;
    match issued {
        Ok(invite) => {
            let link = format!(
                "{}/app/register?invite={}",
                own_origin(&state, &req),
                invite.code
            );
            let made = NewInvite {
                code: invite.code,
                qr_svg: crate::web::qr_svg(&link)?,
            };
            Ok(patient_page(
                t,
                &staff,
                StatusCode::CREATED,
                &timeline,
                Some(&made),
                None,
            ))
        }
        Err(ApiError::PatientAlreadyRegistered) => Ok(patient_page(
            t,
            &staff,
            StatusCode::CONFLICT,
            &timeline,
            None,
            Some(t.already_registered),
        )),
        Err(error) => Err(error.into()),
    }
}

/// Records a treatment through the API's own checks; the administration
/// time is read in the physician's time zone.
pub async fn record_treatment(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<uuid::Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form = crate::web::Fields::parse(&body);
    let field = |name: &str| form.one(name);
    check_csrf(
        &state,
        &req,
        &staff.0.csrf,
        &field("csrf").unwrap_or_default(),
    )?;
    let t = texts_of(&staff.0);
    let id = path.into_inner().to_string();
    let zone = staff.0.zone();
    let given = field("administered_at")
        .and_then(|raw| chrono::NaiveDateTime::parse_from_str(&raw, "%Y-%m-%dT%H:%M").ok())
        .and_then(|local| local.and_local_timezone(zone).earliest())
        .map(|at| at.with_timezone(&chrono::Utc));
    let asked = |name: &str| field(name).is_some();
    let outcome = match given {
        None => Err(crate::error::FieldErrors::single(
            "administered_at",
            "must be a date and time",
        )),
        Some(administered_at) => {
            let create = CreateTreatment {
                kind: field("kind").unwrap_or_default(),
                sites: form.all("sites"),
                product: field("product").unwrap_or_default(),
                lot: field("lot").filter(|lot| !lot.trim().is_empty()),
                administered_at,
                screening: ScreeningBody {
                    cancer_treatment: asked("cancer_treatment"),
                    pregnant: asked("pregnant"),
                    breastfeeding: asked("breastfeeding"),
                    planning_pregnancy: asked("planning_pregnancy"),
                },
                override_reason: field("override_reason").filter(|r| !r.trim().is_empty()),
                baseline_systolic_bp: None,
            };
            treatments::record(&state, staff.0.caller(), id.clone(), create).await
        }
    };
    match outcome {
        Ok(_) => Ok(super::see_other(&format!("/dashboard/patients/{id}"))),
        Err(error @ (ApiError::Validation(_) | ApiError::Contraindicated(_))) => {
            let timeline = timeline_of(&state, &staff, id).await?;
            let message = match error {
                ApiError::Contraindicated(_) => t.contraindicated.to_owned(),
                _ => format!("{}{error}", t.invalid_form),
            };
            let status = actix_web::ResponseError::status_code(&error);
            Ok(patient_page(
                t,
                &staff,
                status,
                &timeline,
                None,
                Some(&message),
            ))
        }
        Err(error) => Err(error.into()),
    }
}

/// The FHIR R4 export of `GET /v1/patients/{id}/fhir`, as a download for
/// the signed-in physician (the API route takes a bearer token only).
pub async fn fhir(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner().to_string();
    let bundle = crate::api::fhir::bundle_of(&state, staff.0.caller(), id.clone()).await?;
    Ok(HttpResponse::Ok()
        .content_type(crate::api::fhir::FHIR_JSON)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"patient-{id}.fhir.json\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(bundle))
}
