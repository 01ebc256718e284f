//! Signing in and out of the dashboard, and the language switch.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

use super::session::{self, Refused, Session, Staff};
use super::texts::{texts, Texts};
use super::{bare, locale_of, page, see_other, PageError};
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
            return session::signed_in(&state, &req, &user, "/dashboard/").await;
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
