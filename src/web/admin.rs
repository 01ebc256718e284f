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
use crate::api::users::{
    create_by_admin, deactivate_staff, list_staff, CreateUser, Deactivated, NewStaff, StaffView,
};
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

/// What the staff page says once, after a form.
#[derive(Default)]
struct Outcome<'a> {
    error: Option<&'a str>,
    done: Option<String>,
    /// A deactivated member's care teams, to be given someone else.
    reassign: Option<Deactivated>,
}

fn role_name(t: &Texts, role: Role) -> &'static str {
    match role {
        Role::Physician => t.physician_role,
        Role::Nurse => t.nurse_role,
        Role::Admin => t.admin_role,
        Role::Patient | Role::Caregiver => "—",
    }
}

fn staff_list(t: &Texts, staff: &Staff, listed: &[StaffView]) -> Markup {
    html! {
        div.scroll tabindex="0" {
            table {
                caption { (t.staff_accounts) }
                thead { tr {
                    th scope="col" { (t.display_name) } th scope="col" { (t.email) } th scope="col" { (t.role) }
                    th scope="col" { (t.two_factor) } th scope="col" { (t.status) } th scope="col" { (t.actions) }
                } }
                tbody {
                    @for member in listed {
                        @let id = &member.user.id;
                        tr {
                            th scope="row" { (member.user.display_name) }
                            td { (member.user.email) }
                            td { (role_name(t, member.user.role)) }
                            td { (if member.mfa_enabled { t.on } else { t.off }) }
                            td { (if member.active { t.active } else { t.deactivated }) }
                            td {
                                @if member.mfa_enabled {
                                    form.inline method="post" action={ "/dashboard/admin/staff/" (id) "/mfa-reset" } {
                                        input type="hidden" name="csrf" value=(staff.0.csrf);
                                        button type="submit" aria-label={ (t.reset_two_factor) ": " (member.user.display_name) } { (t.reset_two_factor) }
                                    }
                                }
                                @if member.active && *id != staff.0.user.id {
                                    form.inline method="post" action={ "/dashboard/admin/staff/" (id) "/deactivate" } {
                                        input type="hidden" name="csrf" value=(staff.0.csrf);
                                        button type="submit" aria-label={ (t.deactivate) ": " (member.user.display_name) } { (t.deactivate) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn staff_form(t: &Texts, staff: &Staff, listed: &[StaffView], outcome: &Outcome<'_>) -> Markup {
    html! {
        h1 { (t.staff_accounts) }
        (notice(outcome.error))
        @if let Some(done) = &outcome.done { p role="status" { (done) } }
        @if let Some(gone) = &outcome.reassign {
            @if !gone.care_team_patients.is_empty() {
                section.card aria-labelledby="reassign-heading" {
                    h2 #reassign-heading { (t.reassign_care_teams) }
                    ul { @for patient in &gone.care_team_patients {
                        li { a href={ "/dashboard/patients/" (patient.id) } { (patient.display_name) } }
                    } }
                }
            }
        }
        (staff_list(t, staff, listed))
        h2 { (t.create_staff) }
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

/// The staff page with the current list.
async fn staff_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    outcome: Outcome<'_>,
) -> Result<HttpResponse, PageError> {
    let t = texts_of(&staff.0);
    let listed = list_staff(state, staff.0.caller()).await?;
    Ok(admin_page(
        t,
        staff,
        status,
        t.staff_accounts,
        "/dashboard/admin/staff",
        staff_form(t, staff, &listed, &outcome),
    ))
}

pub async fn staff(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, PageError> {
    admin_only(&staff)?;
    staff_page(&state, &staff, StatusCode::OK, Outcome::default()).await
}

pub async fn deactivate(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<uuid::Uuid>,
    form: web::Form<super::session::Csrf>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    admin_only(&staff)?;
    let t = texts_of(&staff.0);
    let gone = deactivate_staff(&state, staff.0.caller(), path.into_inner().to_string()).await?;
    let outcome = Outcome {
        done: Some(format!("{}: {}", t.deactivated, gone.user.display_name)),
        reassign: Some(gone),
        ..Outcome::default()
    };
    staff_page(&state, &staff, StatusCode::OK, outcome).await
}

pub async fn reset_mfa(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<uuid::Uuid>,
    form: web::Form<super::session::Csrf>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    admin_only(&staff)?;
    let t = texts_of(&staff.0);
    crate::api::mfa::reset_for(&state, staff.0.caller(), path.into_inner().to_string()).await?;
    let outcome = Outcome {
        done: Some(t.two_factor_reset.to_owned()),
        ..Outcome::default()
    };
    staff_page(&state, &staff, StatusCode::OK, outcome).await
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
        Ok(new) => create_by_admin(&state, staff.0.caller(), new).await,
        Err(error) => Err(error),
    };
    match created {
        Ok(user) => {
            let outcome = Outcome {
                done: Some(format!("{}: {}", t.created, user.email)),
                ..Outcome::default()
            };
            staff_page(&state, &staff, StatusCode::CREATED, outcome).await
        }
        Err(error @ (ApiError::Validation(_) | ApiError::EmailTaken)) => {
            let message = format!("{}{error}", t.invalid_form);
            let outcome = Outcome {
                error: Some(&message),
                ..Outcome::default()
            };
            let status = actix_web::ResponseError::status_code(&error);
            staff_page(&state, &staff, status, outcome).await
        }
        Err(error) => Err(error.into()),
    }
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
