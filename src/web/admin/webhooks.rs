//! `/dashboard/admin/webhooks`: the endpoints, a new one with its signing
//! secret shown once, and each endpoint's deliveries with retry.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde_json::Value;

use super::{admin_only, admin_page, notice};
use crate::api::paging::PageQuery;
use crate::api::webhooks::{self, CreateWebhook};
use crate::domain::deliveries::EVENTS;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::session::Csrf;
use crate::web::session::{check_csrf, Staff};
use crate::web::text;
use crate::web::texts::Texts;
use crate::web::worklist::local_time;
use crate::web::{see_other, texts_of, PageError};

fn webhooks_markup(
    t: &Texts,
    staff: &Staff,
    endpoints: &Value,
    message: Option<&str>,
    secret: Option<&str>,
) -> Markup {
    html! {
        h1 { (t.webhooks) }
        (notice(message))
        @if let Some(secret) = secret {
            div.card role="status" {
                p { (t.secret) ": " code.code { (secret) } }
                p.hint { (t.secret_once) }
            }
        }
        div.scroll tabindex="0" {
            table {
                caption { (t.webhooks) }
                thead { tr { th scope="col" { (t.url) } th scope="col" { (t.events) } th scope="col" { (t.status) } th scope="col" { (t.deliveries) } } }
                tbody {
                    @for endpoint in endpoints["items"].as_array().into_iter().flatten() {
                        tr {
                            th scope="row" { (text(&endpoint["url"])) }
                            td { (endpoint["events"].as_array().map(|e| e.iter().map(text).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                            td { @if endpoint["enabled"].as_bool() == Some(true) { (t.enabled) } @else { (t.disabled) } }
                            td { a href={ "/dashboard/admin/webhooks/" (text(&endpoint["id"])) "/deliveries" } { (t.deliveries) } }
                        }
                    }
                }
            }
        }
        h2 { (t.create_webhook) }
        form.card method="post" action="/dashboard/admin/webhooks" {
            input type="hidden" name="csrf" value=(staff.0.csrf);
            label for="hook-url" { (t.url) }
            input #hook-url type="url" name="url" required placeholder="https://";
            fieldset {
                legend { (t.events) }
                @for event in EVENTS {
                    label.check { input type="checkbox" name="events" value=(event) checked; " " (event) }
                }
            }
            label for="hook-payload" { (t.payload) }
            select #hook-payload name="payload" { option value="minimal" { "minimal" } option value="clinical" { "clinical" } }
            label for="hook-description" { (t.description) }
            input #hook-description type="text" name="description" maxlength="200";
            button type="submit" { (t.create_webhook) }
        }
    }
}

pub async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: PageQuery,
) -> Result<HttpResponse, PageError> {
    admin_only(&staff)?;
    let t = texts_of(&staff.0);
    let endpoints = webhooks::list_page(&state, staff.0.caller(), query).await?;
    let endpoints = serde_json::to_value(endpoints).map_err(ApiError::internal)?;
    let markup = webhooks_markup(t, &staff, &endpoints, None, None);
    Ok(admin_page(
        t,
        &staff,
        StatusCode::OK,
        t.webhooks,
        "/dashboard/admin/webhooks",
        markup,
    ))
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    query: PageQuery,
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
    admin_only(&staff)?;
    let t = texts_of(&staff.0);
    let create = CreateWebhook {
        url: field("url").unwrap_or_default(),
        events: form.all("events"),
        description: field("description").filter(|d| !d.trim().is_empty()),
        payload: field("payload"),
    };
    let created = webhooks::create_endpoint(&state, staff.0.caller(), create).await;
    let endpoints = webhooks::list_page(&state, staff.0.caller(), query).await?;
    let endpoints = serde_json::to_value(endpoints).map_err(ApiError::internal)?;
    let (status, markup) = match created {
        Ok(view) => {
            let view = serde_json::to_value(view).map_err(ApiError::internal)?;
            (
                StatusCode::CREATED,
                webhooks_markup(t, &staff, &endpoints, None, view["secret"].as_str()),
            )
        }
        Err(error @ (ApiError::Validation(_) | ApiError::WebhookUrlNotAllowed(_))) => {
            let message = format!("{}{error}", t.invalid_form);
            (
                actix_web::ResponseError::status_code(&error),
                webhooks_markup(t, &staff, &endpoints, Some(&message), None),
            )
        }
        Err(error) => return Err(error.into()),
    };
    Ok(admin_page(
        t,
        &staff,
        status,
        t.webhooks,
        "/dashboard/admin/webhooks",
        markup,
    ))
}

pub async fn deliveries(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<uuid::Uuid>,
    query: PageQuery,
) -> Result<HttpResponse, PageError> {
    admin_only(&staff)?;
    let t = texts_of(&staff.0);
    let id = path.into_inner().to_string();
    let page_of = webhooks::deliveries_page(&state, staff.0.caller(), id.clone(), query).await?;
    let page_of = serde_json::to_value(page_of).map_err(ApiError::internal)?;
    let zone = staff.0.zone();
    let markup = html! {
        h1 { (t.deliveries) }
        p { a href="/dashboard/admin/webhooks" { (t.webhooks) } }
        div.scroll tabindex="0" {
            table {
                caption { (t.deliveries) }
                thead { tr {
                    th scope="col" { (t.event) } th scope="col" { (t.status) } th scope="col" { (t.attempts) }
                    th scope="col" { (t.next_attempt) } th scope="col" { (t.retry) }
                } }
                tbody {
                    @for delivery in page_of["items"].as_array().into_iter().flatten() {
                        tr {
                            th scope="row" { (text(&delivery["event_type"])) " " span.muted { (local_time(&delivery["created_at"], zone)) } }
                            td { (text(&delivery["status"])) @if let Some(code) = delivery["last_status_code"].as_i64() { " (" (code) ")" } }
                            td.num { (delivery["attempts"].as_i64().unwrap_or_default()) }
                            td { (local_time(&delivery["next_attempt_at"], zone)) }
                            td {
                                form method="post" action={ "/dashboard/admin/webhooks/" (id) "/deliveries/" (text(&delivery["id"])) "/retry" } {
                                    input type="hidden" name="csrf" value=(staff.0.csrf);
                                    button type="submit" { (t.retry) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let here = format!("/dashboard/admin/webhooks/{id}/deliveries");
    Ok(admin_page(
        t,
        &staff,
        StatusCode::OK,
        t.deliveries,
        &here,
        markup,
    ))
}

pub async fn retry(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<(uuid::Uuid, String)>,
    form: web::Form<Csrf>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    admin_only(&staff)?;
    let (id, delivery) = path.into_inner();
    webhooks::retry_delivery(&state, staff.0.caller(), id.to_string(), delivery).await?;
    Ok(see_other(&format!(
        "/dashboard/admin/webhooks/{id}/deliveries"
    )))
}
