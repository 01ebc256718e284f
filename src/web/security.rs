//! `/dashboard/security`: a staff member's own two-factor sign-in (turn it
//! on with a QR code for the authenticator app, confirm it with a code and
//! keep the recovery codes shown once; turn it off), their sessions (end
//! any), and their password. Each through the API's own functions.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::session::{check_csrf, Staff};
use super::texts::Texts;
use super::worklist::local_time;
use super::{layout, page, qr_svg, see_other, texts_of, PageError, SECURITY_PAGE};
use crate::api::mfa::{self, Enrolment};
use crate::api::sessions::{self, SessionView};
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// What the page shows once, after a form.
enum Shown {
    Nothing,
    /// A pending enrolment: its QR code and secret.
    Enrolment(Enrolment),
    RecoveryCodes(Vec<String>),
    Notice(String),
    Error(String),
}

async fn render(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    let t = texts_of(&staff.0);
    let user_id = staff.0.user.id.clone();
    let enabled = state
        .db
        .run(move |conn| db::mfa::is_enabled(conn, &user_id))
        .await?;
    let listed = sessions::load(state, staff.0.caller()).await?;
    let csrf = &staff.0.csrf;
    let content = html! {
        h1 { (t.security) }
        @match &shown {
            Shown::Notice(message) => p.notice role="status" { (message) },
            Shown::Error(message) => p.error role="alert" { (message) },
            _ => {}
        }
        section aria-labelledby="mfa-heading" {
            h2 #mfa-heading { (t.two_factor) }
            @if let Shown::RecoveryCodes(codes) = &shown {
                div.card role="status" {
                    p { (t.recovery_codes_once) }
                    ul.codes aria-label=(t.recovery_codes) { @for code in codes { li.code { (code) } } }
                }
            }
            @if enabled {
                p { (t.two_factor_on) }
                (code_form(t, csrf, "/dashboard/security/mfa/disable", t.turn_off_two_factor, "off-code"))
            } @else if let Shown::Enrolment(enrolment) = &shown {
                p { (t.scan_qr) }
                figure.qr {
                    (PreEscaped(qr_svg(&enrolment.otpauth_url)?))
                    figcaption { (t.or_type_secret) ": " strong.code { (enrolment.secret) } }
                }
                (code_form(t, csrf, "/dashboard/security/mfa/confirm", t.confirm, "on-code"))
            } @else {
                p { (t.two_factor_off) }
                form method="post" action="/dashboard/security/mfa" {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" { (t.turn_on_two_factor) }
                }
            }
        }
        section aria-labelledby="sessions-heading" {
            h2 #sessions-heading { (t.sessions) }
            (sessions_table(t, staff, &listed))
        }
        section aria-labelledby="password-heading" {
            h2 #password-heading { (t.change_password) }
            form.card method="post" action="/dashboard/security/password" {
                input type="hidden" name="csrf" value=(csrf);
                label for="current-password" { (t.current_password) }
                input #current-password type="password" name="current_password" autocomplete="current-password" required;
                label for="new-password" { (t.new_password) }
                input #new-password type="password" name="new_password" autocomplete="new-password" minlength="10" required;
                button type="submit" { (t.change_password) }
            }
        }
    };
    Ok(page(
        status,
        layout(t, &staff.0, t.security, SECURITY_PAGE, content),
    ))
}

fn code_form(t: &Texts, csrf: &str, action: &str, button: &str, id: &str) -> Markup {
    html! {
        form.card method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            label for=(id) { (t.authentication_code) }
            input id=(id) type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required;
            button type="submit" { (button) }
        }
    }
}

fn sessions_table(t: &Texts, staff: &Staff, listed: &[SessionView]) -> Markup {
    let zone = staff.0.zone();
    let at = |instant: chrono::DateTime<chrono::Utc>| {
        local_time(&serde_json::Value::from(instant.to_rfc3339()), zone)
    };
    html! {
        div.scroll tabindex="0" {
            table {
                caption { (t.sessions) }
                thead { tr {
                    th scope="col" { (t.session_kind) } th scope="col" { (t.signed_in_at) }
                    th scope="col" { (t.last_used) } th scope="col" { (t.browser) } th scope="col" { (t.actions) }
                } }
                tbody {
                    @for session in listed {
                        tr {
                            th scope="row" {
                                (if session.kind == "api" { t.session_api } else { t.session_browser })
                                @if session.current { " (" (t.this_session) ")" }
                            }
                            td { (at(session.created_at)) }
                            td { (at(session.last_used_at)) }
                            td { (session.user_agent.as_deref().unwrap_or("—")) }
                            td {
                                @if !session.current {
                                    form.inline method="post" action={ "/dashboard/security/sessions/" (session.id) "/end" } {
                                        input type="hidden" name="csrf" value=(staff.0.csrf);
                                        button type="submit" { (t.end_session) }
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

pub async fn show(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, PageError> {
    render(&state, &staff, StatusCode::OK, Shown::Nothing).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// What a two-factor form shows: `shown` of what it did, or why a code
/// was refused in the page's words (other errors go on).
fn outcome<T>(
    t: &Texts,
    done: Result<T, ApiError>,
    shown: impl FnOnce(T) -> Shown,
) -> Result<(StatusCode, Shown), PageError> {
    let error = match done {
        Ok(value) => return Ok((StatusCode::OK, shown(value))),
        Err(error) => error,
    };
    let status = actix_web::ResponseError::status_code(&error);
    let message = match error {
        ApiError::InvalidMfaCode | ApiError::Validation(_) => t.wrong_code,
        ApiError::MfaCodeReused => t.code_reused,
        ApiError::TooManyAttempts { .. } => t.too_many_attempts,
        ApiError::MfaNotPending | ApiError::MfaAlreadyEnabled | ApiError::MfaNotEnabled => {
            t.try_again
        }
        other => return Err(other.into()),
    };
    Ok((status, Shown::Error(message.to_owned())))
}

pub async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    let started = mfa::start_enrolment(&state, staff.0.caller()).await;
    let (status, shown) = outcome(texts_of(&staff.0), started, Shown::Enrolment)?;
    render(&state, &staff, status, shown).await
}

pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    let confirmed = mfa::confirm_enrolment(&state, staff.0.caller(), form.into_inner().code).await;
    let (status, shown) = outcome(texts_of(&staff.0), confirmed, |codes| {
        Shown::RecoveryCodes(codes.recovery_codes)
    })?;
    render(&state, &staff, status, shown).await
}

pub async fn disable(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    let t = texts_of(&staff.0);
    let off = mfa::turn_off(&state, staff.0.caller(), form.into_inner().code).await;
    let (status, shown) = outcome(t, off, |()| Shown::Notice(t.two_factor_off.to_owned()))?;
    render(&state, &staff, status, shown).await
}

#[derive(Deserialize)]
pub struct Csrf {
    #[serde(default)]
    csrf: String,
}

pub async fn end_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    path: web::Path<String>,
    form: web::Form<Csrf>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    sessions::end_one(&state, staff.0.caller(), path.into_inner()).await?;
    Ok(see_other(SECURITY_PAGE))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    staff: Staff,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&state, &req, &staff.0.csrf, &form.csrf)?;
    let t = texts_of(&staff.0);
    let form = form.into_inner();
    let changed = sessions::set_password(
        &state,
        staff.0.caller(),
        form.current_password,
        form.new_password,
    )
    .await;
    let (status, shown) = match changed {
        Ok(()) => (StatusCode::OK, Shown::Notice(t.password_changed.to_owned())),
        Err(ApiError::Validation(errors)) => {
            let message = if errors.names("current_password") {
                t.wrong_current_password.to_owned()
            } else {
                format!("{}{}", t.invalid_form, errors.sentences().join(" "))
            };
            (StatusCode::UNPROCESSABLE_ENTITY, Shown::Error(message))
        }
        Err(error) => return Err(error.into()),
    };
    render(&state, &staff, status, shown).await
}
