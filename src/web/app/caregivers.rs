//! `/app/caregivers`: the patient invites a family member to report for
//! them (the code shown once, with a QR code of the sign-up link), sees
//! who may, and revokes any of them at once. Through the API's own
//! functions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, PreEscaped};
use serde::Deserialize;

use super::{layout, AppError, Patient};
use crate::api::caregivers;
use crate::api::paging::PageQuery;
use crate::api::views::InviteView;
use crate::auth::web_session::own_origin;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::session::check_csrf;
use crate::web::{page, qr_svg, see_other};

const HERE: &str = "/app/caregivers";

async fn show(
    state: &AppState,
    req: &HttpRequest,
    patient: &Patient,
    paging: &PageQuery,
    status: StatusCode,
    shown: (Option<InviteView>, Option<String>),
) -> Result<HttpResponse, AppError> {
    let (invite, error) = shown;
    let t = patient.texts();
    let listed = caregivers::load(state, patient.0.caller(), paging).await?;
    let listed = serde_json::to_value(listed).map_err(ApiError::internal)?;
    let csrf = &patient.0.csrf;
    let qr = match &invite {
        Some(invite) => Some(qr_svg(&format!(
            "{}/app/register?invite={}",
            own_origin(state, req),
            invite.code
        ))?),
        None => None,
    };
    let content = html! {
        h1 { (t.caregivers) }
        p { (t.caregivers_intro) }
        @if let Some(error) = &error { p.error role="alert" { (error) } }
        @if let (Some(invite), Some(qr)) = (&invite, &qr) {
            div.card role="status" {
                p { (t.caregiver_code) ": " strong.code { (invite.code) } }
                p.hint { (t.caregiver_code_once) }
                figure.qr { (PreEscaped(qr)) figcaption { (t.caregiver_qr) } }
            }
        }
        form.card method="post" action=(HERE) {
            input type="hidden" name="csrf" value=(csrf);
            label for="relationship" { (t.relationship) }
            input #relationship type="text" name="relationship" required maxlength="50" autocomplete="off";
            button type="submit" { (t.invite_caregiver) }
        }
        @let items = listed["items"].as_array().cloned().unwrap_or_default();
        @if items.is_empty() { p { (t.no_caregivers) } }
        ul.caregivers aria-label=(t.caregivers) {
            @for item in &items {
                @let name = item["display_name"].as_str().unwrap_or_default();
                li {
                    (name) " · " (item["relationship"].as_str().unwrap_or_default())
                    form.inline method="post" action={ (HERE) "/" (item["user_id"].as_str().unwrap_or_default()) "/revoke" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" aria-label={ (t.revoke) ": " (name) } { (t.revoke) }
                    }
                }
            }
        }
    };
    Ok(page(
        status,
        layout(t, &patient.0, t.caregivers, HERE, content),
    ))
}

pub async fn caregivers_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    patient: Patient,
    paging: PageQuery,
) -> Result<HttpResponse, AppError> {
    show(
        &state,
        &req,
        &patient,
        &paging,
        StatusCode::OK,
        (None, None),
    )
    .await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    relationship: String,
}

pub async fn invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    patient: Patient,
    paging: PageQuery,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &patient.0.csrf, &form.csrf)?;
    let t = patient.texts();
    match caregivers::issue_invite(&state, patient.0.caller(), &form.relationship).await {
        Ok(invite) => {
            let shown = (Some(invite), None);
            show(&state, &req, &patient, &paging, StatusCode::CREATED, shown).await
        }
        Err(ApiError::Validation(_)) => {
            let shown = (None, Some(t.relationship_invalid.to_owned()));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show(&state, &req, &patient, &paging, status, shown).await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Deserialize)]
pub struct Csrf {
    #[serde(default)]
    csrf: String,
}

pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    patient: Patient,
    path: web::Path<uuid::Uuid>,
    form: web::Form<Csrf>,
) -> Result<HttpResponse, AppError> {
    check_csrf(&state, &req, &patient.0.csrf, &form.csrf)?;
    caregivers::end_link(&state, patient.0.caller(), path.into_inner().to_string()).await?;
    Ok(see_other(HERE))
}
