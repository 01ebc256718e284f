//! Signing up from the invite, signing in and out of the patient app, and
//! its language switch. Staff are refused: no session is made for them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::checkin::field_messages;
use super::texts::{app_texts, AppTexts};
use super::{bare, AppError, Patient};
use crate::api::auth::{register_patient, RegisterRequest};
use crate::auth::tokens::Amr;
use crate::auth::web_session;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::session::{self, check_login_csrf, with_login_csrf, Refused, Session};
use crate::web::{locale_of, page, see_other};

fn login_form(t: &AppTexts, csrf: &str, email: &str, error: Option<&str>) -> Markup {
    bare(
        t,
        t.sign_in,
        html! {
            h1 { (t.product) }
            form.card method="post" action="/app/login" {
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
            p { a href="/app/register" { (t.have_invite) } }
        },
    )
}

pub async fn show_login(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if let Some(session) = Session::of(&state, &req).await? {
        if !session.is_staff() {
            return Ok(see_other("/app/"));
        }
    }
    let t = app_texts(locale_of(None, &req));
    Ok(with_login_csrf(&state, &req, StatusCode::OK, |csrf| {
        login_form(t, csrf, "", None)
    })?)
}

/// A wrong email or password stays on the form with one error that does
/// not say which was wrong; staff get the patients-only page, no session.
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<session::SignIn>,
) -> Result<HttpResponse, AppError> {
    let t = app_texts(locale_of(None, &req));
    let refused = match session::check_sign_in(&state, &req, &form).await? {
        Ok(user) if !user.role.is_staff() => {
            // Patients and caregivers have no second factor (staff do,
            // and are refused here before any session).
            return Ok(session::signed_in(&state, &req, &user, Amr::Password, "/app/").await?);
        }
        Ok(_) => return Err(AppError::PatientsOnly),
        Err(refused) => refused,
    };
    let message = match refused {
        Refused::Credentials => t.wrong_credentials,
        Refused::TooManyAttempts => t.too_many_attempts,
    };
    let markup = login_form(t, &form.csrf, &form.email, Some(message));
    Ok(page(refused.status(), markup))
}

fn register_form(
    t: &AppTexts,
    csrf: &str,
    invite: &str,
    email: &str,
    error: Option<&str>,
) -> Markup {
    bare(
        t,
        t.create_account,
        html! {
            h1 { (t.product) }
            form.card method="post" action="/app/register" {
                input type="hidden" name="csrf" value=(csrf);
                @if let Some(error) = error {
                    p.error role="alert" { (error) }
                }
                label for="invite" { (t.invite_code) }
                input #invite type="text" name="invite_code" autocomplete="one-time-code" autocapitalize="characters" required value=(invite);
                label for="email" { (t.email) }
                input #email type="email" name="email" autocomplete="username" required value=(email);
                label for="password" { (t.password) }
                input #password type="password" name="password" autocomplete="new-password" minlength="10" required aria-describedby="password-hint";
                p.hint #password-hint { (t.password_hint) }
                button type="submit" { (t.create_account) }
            }
            p { a href="/app/login" { (t.have_account) } }
        },
    )
}

#[derive(Deserialize)]
pub struct InviteQuery {
    #[serde(default)]
    invite: String,
}

/// `/app/register?invite=CODE`, where the dashboard's QR code leads.
pub async fn show_register(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<InviteQuery>,
) -> Result<HttpResponse, AppError> {
    let t = app_texts(locale_of(None, &req));
    let invite: String = query.invite.chars().take(64).collect();
    Ok(with_login_csrf(&state, &req, StatusCode::OK, |csrf| {
        register_form(t, csrf, &invite, "", None)
    })?)
}

#[derive(Deserialize)]
pub struct Register {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    invite_code: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Creates the patient's account through the API's own registration and
/// signs them in, in the transaction that creates it.
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<Register>,
) -> Result<HttpResponse, AppError> {
    check_login_csrf(&state, &req, &form.csrf)?;
    let t = app_texts(locale_of(None, &req));
    let Register {
        csrf,
        invite_code,
        email,
        password,
    } = form.into_inner();
    let how = web_session::SignIn::of(&state, &req, Amr::Password);
    let asked = RegisterRequest {
        invite_code: invite_code.clone(),
        email: email.clone(),
        password,
        display_name: None,
    };
    let registered = register_patient(&state, &req, asked, move |conn, user, at| {
        web_session::insert(conn, &user, &how, at)
    })
    .await;
    let refused = |message: String, status: StatusCode| {
        page(
            status,
            register_form(t, &csrf, &invite_code, &email, Some(&message)),
        )
    };
    match registered {
        Ok(cookie) => {
            let mut response = see_other("/app/");
            response.add_cookie(&cookie).map_err(ApiError::internal)?;
            Ok(response)
        }
        Err(error @ ApiError::InvalidInvite) => {
            Ok(refused(t.invalid_invite.to_owned(), status_of(&error)))
        }
        Err(error @ (ApiError::EmailTaken | ApiError::PatientAlreadyRegistered)) => {
            Ok(refused(t.email_taken.to_owned(), status_of(&error)))
        }
        Err(error @ ApiError::TooManyAttempts { .. }) => {
            Ok(refused(t.too_many_attempts.to_owned(), status_of(&error)))
        }
        Err(error @ ApiError::Validation(_)) => {
            let detail = field_messages(&error, |field| match field {
                "invite_code" => t.invite_code,
                "email" => t.email,
                _ => t.password,
            });
            Ok(refused(
                format!("{}{detail}", t.check_form),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(error) => Err(error.into()),
    }
}

fn status_of(error: &ApiError) -> StatusCode {
    actix_web::ResponseError::status_code(error)
}

pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    Patient(session, _): Patient,
    form: web::Form<session::Csrf>,
) -> Result<HttpResponse, AppError> {
    Ok(session::sign_out(&state, &req, &session, &form, "/app/login").await?)
}

pub async fn switch_language(
    state: web::Data<AppState>,
    req: HttpRequest,
    Patient(session, _): Patient,
    form: web::Form<session::Language>,
) -> Result<HttpResponse, AppError> {
    Ok(session::switch_language(&state, &req, &session, &form, "/app/").await?)
}
