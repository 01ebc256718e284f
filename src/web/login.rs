//! Signing in and out of the dashboard, and the language switch.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use super::session::{self, Session, Staff};
use super::texts::{texts, Texts};
use super::{bare, locale_of, page, see_other, PageError};
use crate::api::auth::verify_sign_in;
use crate::domain::accounts::Role;
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

pub async fn show(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let session = Session::of(&state, &req).await?;
    if session.as_ref().is_some_and(Session::is_staff) {
        return Ok(see_other("/dashboard/"));
    }
    let t = texts(locale_of(None, &req));
    let (csrf, set) = session::login_csrf(&state, &req);
    let mut response = page(StatusCode::OK, form(t, &csrf, "", None));
    if let Some(cookie) = set {
        response.add_cookie(&cookie).map_err(ApiError::internal)?;
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// A wrong email or password stays on the form with one error that does
/// not say which was wrong; patients are refused (the app is theirs).
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    form_data: web::Form<SignIn>,
) -> Result<HttpResponse, PageError> {
    session::check_login_csrf(&state, &req, &form_data.csrf)?;
    let t = texts(locale_of(None, &req));
    let SignIn {
        csrf,
        email,
        password,
    } = form_data.into_inner();
    let refused =
        |message: &str, status: StatusCode| page(status, form(t, &csrf, &email, Some(message)));
    let user = match verify_sign_in(&state, &req, &email, password).await {
        Ok(user) if user.role != Role::Patient => user,
        Ok(_) | Err(ApiError::InvalidCredentials) | Err(ApiError::Validation(_)) => {
            return Ok(refused(t.wrong_credentials, StatusCode::UNAUTHORIZED));
        }
        Err(ApiError::TooManyAttempts { .. }) => {
            return Ok(refused(t.too_many_attempts, StatusCode::TOO_MANY_REQUESTS));
        }
        Err(error) => return Err(error.into()),
    };
    let cookie = session::start(&state, &req, &user).await?;
    let mut response = see_other("/dashboard/");
    response.add_cookie(&cookie).map_err(ApiError::internal)?;
    Ok(response)
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
