//! Signing in and out of the dashboard, and the language switch.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

use super::session::{self, Refused, Session, Staff};
use super::texts::{texts, Texts};
use super::{bare, locale_of, page, see_other, PageError};
use crate::api::mfa::{self, SecondFactorCode};
use crate::auth::tokens::Amr;
use crate::error::ApiError;
use crate::state::AppState;

fn form(t: &Texts, csrf: &str, email: &str, error: Option<&str>) -> maud::Markup {
    bare(
        t,
        t.sign_in,
        html! {
            h1 { (t.product) }
            form.card method="post" action="/dashboard/login" {
                input type="hidden" name="csrf" value=(csrf);
                @if let Some(error) = error {
                    p.error role="alert" { (error) }
                }
                label for="email" { (t.email) }
                input #email type="email" name="email" autocomplete="username" required value=(email);
                label for="password" { (t.password) }
                input #password type="password" name="password" autocomplete="current-password" required;
                button type="submit" { (t.sign_in) }
            }
        },
    )
}

/// The second step of a sign-in with two-factor sign-in: the code from
/// the authenticator app, or a recovery code, for the sign-in the hidden
/// `mfa_token` names (no session exists until it is right).
fn code_form(t: &Texts, csrf: &str, mfa_token: &str, error: Option<&str>) -> maud::Markup {
    bare(
        t,
        t.sign_in,
        html! {
            h1 { (t.product) }
            form.card method="post" action="/dashboard/login/mfa" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="mfa_token" value=(mfa_token);
                @if let Some(error) = error {
                    p.error role="alert" { (error) }
                }
                p { (t.code_hint) }
                label for="code" { (t.authentication_code) }
                input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6";
                details {
                    summary { (t.use_recovery_code) }
                    label for="recovery-code" { (t.recovery_code) }
                    input #recovery-code type="text" name="recovery_code" autocomplete="off" autocapitalize="characters";
                }
                button type="submit" { (t.verify) }
            }
        },
    )
}

#[derive(serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mfa_token: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
}

/// Checks the code of a sign-in waiting for it; right: the session,
/// signed in with both factors.
pub async fn second_step(
    state: web::Data<AppState>,
    req: HttpRequest,
    form_data: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    session::check_login_csrf(&state, &req, &form_data.csrf)?;
    let t = texts(locale_of(None, &req));
    let form_data = form_data.into_inner();
    let given = SecondFactorCode {
        code: Some(form_data.code.trim().to_owned()).filter(|c| !c.is_empty()),
        recovery_code: Some(form_data.recovery_code.trim().to_owned()).filter(|c| !c.is_empty()),
    };
    let (status, message) = match mfa::complete_sign_in(&state, &form_data.mfa_token, given).await {
        Ok(user) => {
            return session::signed_in(&state, &req, &user, Amr::PasswordAndOtp, "/dashboard/")
                .await;
        }
        Err(ApiError::InvalidMfaToken) => {
            // Over: back to the start, with the reason.
            let markup = form(t, &form_data.csrf, "", Some(t.sign_in_again));
            return Ok(page(StatusCode::UNAUTHORIZED, markup));
        }
        Err(ApiError::TooManyAttempts { .. }) => {
            (StatusCode::TOO_MANY_REQUESTS, t.too_many_attempts)
        }
        Err(ApiError::MfaCodeReused) => (StatusCode::UNAUTHORIZED, t.code_reused),
        Err(ApiError::InvalidMfaCode | ApiError::Validation(_)) => {
            (StatusCode::UNAUTHORIZED, t.wrong_code)
        }
        Err(error) => return Err(error.into()),
    };
    let markup = code_form(t, &form_data.csrf, &form_data.mfa_token, Some(message));
    Ok(page(status, markup))
}

pub async fn show(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let session = Session::of(&state, &req).await?;
    if session.as_ref().is_some_and(Session::is_staff) {
        return Ok(see_other("/dashboard/"));
    }
    let t = texts(locale_of(None, &req));
    session::with_login_csrf(&state, &req, StatusCode::OK, |csrf| form(t, csrf, "", None))
}

/// A wrong email or password stays on the form with one error that does
/// not say which was wrong; patients and caregivers are refused (the app
/// is theirs).
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    form_data: web::Form<session::SignIn>,
) -> Result<HttpResponse, PageError> {
    let t = texts(locale_of(None, &req));
    let refused = match session::check_sign_in(&state, &req, &form_data).await? {
        Ok(user) if user.role.is_staff() => {
            return match mfa::challenge(&state, &user).await? {
                Some(ApiError::MfaRequired { mfa_token, .. }) => Ok(page(
                    StatusCode::OK,
                    code_form(t, &form_data.csrf, &mfa_token, None),
                )),
                Some(other) => Err(other.into()),
                None => session::signed_in(&state, &req, &user, Amr::Password, "/dashboard/").await,
            };
        }
        Ok(_) | Err(Refused::Credentials) => Refused::Credentials,
        Err(refused) => refused,
    };
    let message = match refused {
        Refused::Credentials => t.wrong_credentials,
        Refused::TooManyAttempts => t.too_many_attempts,
    };
    let markup = form(t, &form_data.csrf, &form_data.email, Some(message));
    Ok(page(refused.status(), markup))
}

pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    Staff(session): Staff,
    form: web::Form<session::Csrf>,
) -> Result<HttpResponse, PageError> {
    session::sign_out(&state, &req, &session, &form, "/dashboard/login").await
}

pub async fn switch_language(
    state: web::Data<AppState>,
    req: HttpRequest,
    Staff(session): Staff,
    form: web::Form<session::Language>,
) -> Result<HttpResponse, PageError> {
    session::switch_language(&state, &req, &session, &form, "/dashboard/").await
}
