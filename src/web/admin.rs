//! `/dashboard/admin/...` (admins): staff accounts and the audit trail;
//! webhooks are in admin/webhooks.rs. Each through the API's own functions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::session::{check_csrf, Staff};
use super::texts::Texts;
use super::worklist::local_time;
use super::{layout, page, text, texts_of, PageError};
use crate::api::audit::{self, AuditQuery};
use crate::api::paging::PageQuery;
use crate::api::users::{create_staff, CreateUser, NewStaff};
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;

pub mod webhooks;

fn admin_only(staff: &Staff) -> Result<(), PageError> {
    if staff.0.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden.into())
    }
}

fn admin_page(
    t: &Texts,
    staff: &Staff,
    status: StatusCode,
    title: &str,
    here: &str,
    content: Markup,
) -> HttpResponse {
    page(status, layout(t, &staff.0, title, here, content))
}

fn notice(message: Option<&str>) -> Markup {
    html! { @if let Some(message) = message { p.notice role="alert" { (message) } } }
}

fn staff_form(t: &Texts, staff: &Staff, message: Option<&str>, created: Option<&str>) -> Markup {
    html! {
        h1 { (t.staff_accounts) }
        (notice(message))
        @if let Some(created) = created { p role="status" { (t.created) ": " (created) } }
        form.card method="post" action="/dashboard/admin/staff" {
            input type="hidden" name="csrf" value=(staff.0.csrf);
            label for="staff-name" { (t.display_name) }
            input #staff-name type="text" name="display_name" required maxlength="200";
            label for="staff-email" { (t.email) }
            input #staff-email type="email" name="email" required autocomplete="off";
            label for="staff-password" { (t.password) }
            input #staff-password type="password" name="password" required autocomplete="new-password" minlength="10";
            label for="staff-role" { (t.role) }
            select #staff-role name="role" {
                option value="physician" { (t.physician_role) }
                option value="nurse" { (t.nurse_role) }
                option value="admin" { (t.admin_role) }
            }
            label for="staff-locale" { (t.language) }
            select #staff-locale name="locale" { option value="ja" { "日本語" } option value="en" { "English" } }
            button type="submit" { (t.create_staff) }
        }
    }
}

pub async fn staff(staff: Staff) -> Result<HttpResponse, PageError> {
    admin_only(&staff)?;
    let t = texts_of(&staff.0);
    Ok(admin_page(
        t,
        &staff,
        StatusCode::OK,
        t.staff_accounts,
        "/dashboard/admin/staff",
        staff_form(t, &staff, None, None),
    ))
}

#[derive(Deserialize)]
pub struct StaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    locale: Option<String>,
}

pub async fn create_staff_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    form: web::Form<StaffForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    admin_only(&staff)?;
    let t = texts_of(&staff.0);
    let form = form.into_inner();
    let body = CreateUser {
        email: form.email,
        password: form.password,
        role: form.role,
        display_name: form.display_name,
        timezone: Some(staff.0.user.timezone.clone()),
        locale: form.locale,
    };
    let created = match NewStaff::try_from(body) {
        Ok(new) => create_staff(&state, new).await,
        Err(error) => Err(error),
    };
    let (status, markup) = match created {
        Ok(user) => (
            StatusCode::CREATED,
            staff_form(t, &staff, None, Some(&user.email)),
        ),
        Err(error @ (ApiError::Validation(_) | ApiError::EmailTaken)) => {
            let message = format!("{}{error}", t.invalid_form);
            (
                actix_web::ResponseError::status_code(&error),
                staff_form(t, &staff, Some(&message), None),
            )
        }
        Err(error) => return Err(error.into()),
    };
    Ok(admin_page(
        t,
        &staff,
        status,
        t.staff_accounts,
        "/dashboard/admin/staff",
        markup,
    ))
}

pub async fn audit_trail(
    state: web::Data<AppState>,
    staff: Staff,
    paging: PageQuery,
) -> Result<HttpResponse, PageError> {
    admin_only(&staff)?;
    let t = texts_of(&staff.0);
    let rows = audit::load(&state, staff.0.caller(), AuditQuery::default(), paging).await?;
    let rows = serde_json::to_value(rows).map_err(ApiError::internal)?;
    let zone = staff.0.zone();
    let markup = html! {
        h1 { (t.audit_trail) }
        div.scroll tabindex="0" {
            table {
                caption { (t.audit_trail) }
                thead { tr {
                    th scope="col" { (t.at) } th scope="col" { (t.actor) } th scope="col" { (t.action) }
                    th scope="col" { (t.patient) } th scope="col" { (t.resource) }
                } }
                tbody {
                    @for row in rows["items"].as_array().into_iter().flatten() {
                        tr {
                            th scope="row" { (local_time(&row["at"], zone)) }
                            td { (text(&row["actor_role"])) " " span.muted { (text(&row["actor_id"])) } }
                            td { (text(&row["action"])) }
                            td {
                                // Account events concern no patient.
                                @if row["patient_id"].is_string() {
                                    a href={ "/dashboard/patients/" (text(&row["patient_id"])) } { (text(&row["patient_id"])) }
                                } @else { "—" }
                            }
                            td { (text(&row["resource_type"])) " " span.muted { (text(&row["resource_id"])) } }
                        }
                    }
                }
            }
        }
        @if let Some(next) = rows["next_cursor"].as_str() {
            p { a href={ "/dashboard/admin/audit?cursor=" (next) } { (t.older) } }
        }
    };
    Ok(admin_page(
        t,
        &staff,
        StatusCode::OK,
        t.audit_trail,
        "/dashboard/admin/audit",
        markup,
    ))
}
