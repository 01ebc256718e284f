//! The dashboard's side of the browser sign-in (auth::web_session): the
//! sign-in form's own CSRF token, the CSRF check as pages answer it, and
//! the staff extractor.

use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::Duration;
use serde::Deserialize;

use super::PageError;
use crate::api::auth::verify_sign_in;
use crate::auth::secrets;
use crate::auth::tokens::Amr;
use crate::auth::web_session::{cookie, csrf_holds};
pub use crate::auth::web_session::{is_secure, own_origin, removal, start, Session};
use crate::db::users::User;
use crate::error::ApiError;
use crate::state::AppState;

/// The sign-in forms' CSRF token lives in a cookie of its own until the
/// session exists (double submit).
const LOGIN_CSRF: &str = "aftercare_login_csrf";

fn login_csrf_name(secure: bool) -> String {
    if secure {
        format!("__Host-{LOGIN_CSRF}")
    } else {
        LOGIN_CSRF.to_owned()
    }
}

/// A page's form made with the cookie: refused (403 page) unless it comes
/// from the service's own pages with the session's token.
pub fn check_csrf(
    state: &AppState,
    req: &HttpRequest,
    expected: &str,
    given: &str,
) -> Result<(), PageError> {
    if csrf_holds(state, req, expected, given) {
        Ok(())
    } else {
        Err(PageError::Csrf)
    }
}

/// The sign-in form's CSRF token: the one in its cookie, or a new one (and
/// the cookie to set).
pub fn login_csrf(
    state: &AppState,
    req: &HttpRequest,
) -> (String, Option<actix_web::cookie::Cookie<'static>>) {
    let secure = is_secure(state, req);
    if let Some(existing) = req.cookie(&login_csrf_name(secure)) {
        if existing.value().len() >= 32 {
            return (existing.value().to_owned(), None);
        }
    }
    let token = secrets::random_token();
    let set = cookie(
        login_csrf_name(secure),
        token.clone(),
        secure,
        Duration::hours(1),
    );
    (token, Some(set))
}

/// The sign-in form's check: the token it carries is its cookie's.
pub fn check_login_csrf(state: &AppState, req: &HttpRequest, given: &str) -> Result<(), PageError> {
    let secure = is_secure(state, req);
    let expected = req
        .cookie(&login_csrf_name(secure))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    check_csrf(state, req, &expected, given)
}

/// A sign-in form's page, with the form's CSRF cookie when the browser
/// has none yet.
pub fn with_login_csrf(
    state: &AppState,
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    markup: impl FnOnce(&str) -> maud::Markup,
) -> Result<HttpResponse, PageError> {
    let (csrf, set) = login_csrf(state, req);
    let mut response = crate::web::page(status, markup(&csrf));
    if let Some(cookie) = set {
        response.add_cookie(&cookie).map_err(ApiError::internal)?;
    }
    Ok(response)
}

/// The fields of a sign-in form (the dashboard's and the app's).
#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// Why a sign-in form is shown again: one reason for a wrong email or
/// password, so that the page does not say which was wrong.
pub enum Refused {
    Credentials,
    TooManyAttempts,
}

impl Refused {
    pub fn status(&self) -> actix_web::http::StatusCode {
        match self {
            Refused::Credentials => actix_web::http::StatusCode::UNAUTHORIZED,
            Refused::TooManyAttempts => actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

/// Checks a sign-in form: its CSRF cookie, then the password, throttled
/// as the API's sign-in is. The user, or why the form is shown again.
pub async fn check_sign_in(
    state: &AppState,
    req: &HttpRequest,
    form: &SignIn,
) -> Result<Result<User, Refused>, PageError> {
    check_login_csrf(state, req, &form.csrf)?;
    match verify_sign_in(state, req, &form.email, form.password.clone()).await {
        Ok(user) => Ok(Ok(user)),
        Err(ApiError::InvalidCredentials | ApiError::Validation(_)) => {
            Ok(Err(Refused::Credentials))
        }
        Err(ApiError::TooManyAttempts { .. }) => Ok(Err(Refused::TooManyAttempts)),
        Err(error) => Err(error.into()),
    }
}

/// Signs the user in: a new session, and to `then` with its cookie.
pub async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    amr: Amr,
    then: &str,
) -> Result<HttpResponse, PageError> {
    let cookie = start(state, req, user, amr).await?;
    let mut response = crate::web::see_other(then);
    response.add_cookie(&cookie).map_err(ApiError::internal)?;
    Ok(response)
}

/// A form that carries only its CSRF token (sign-out).
#[derive(Deserialize)]
pub struct Csrf {
    #[serde(default)]
    pub csrf: String,
}

/// Ends the session (checked form), removes its cookie, and goes to the
/// sign-in page `then`.
pub async fn sign_out(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    form: &Csrf,
    then: &str,
) -> Result<HttpResponse, PageError> {
    check_csrf(state, req, &session.csrf, &form.csrf)?;
    session.end(state).await?;
    let mut response = crate::web::see_other(then);
    response
        .add_cookie(&removal(state, req))
        .map_err(ApiError::internal)?;
    Ok(response)
}

/// The language switch's form.
#[derive(Deserialize)]
pub struct Language {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    back: String,
}

/// Switches the user's language (their account's locale, as PATCH /v1/me
/// would), then back to the page the switch was on if it is under `home`,
/// else to `home`.
pub async fn switch_language(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    form: &Language,
    home: &str,
) -> Result<HttpResponse, PageError> {
    check_csrf(state, req, &session.csrf, &form.csrf)?;
    let locale: crate::domain::accounts::Locale = form
        .locale
        .parse()
        .map_err(|_| ApiError::InvalidQuery("locale must be ja or en".to_owned()))?;
    crate::api::me::set_locale(state, session.caller(), locale).await?;
    let back = &form.back;
    let ours = back.starts_with(home) && !back.contains("//") && !back.contains('\\');
    Ok(crate::web::see_other(if ours { back } else { home }))
}

/// Where `AFTERCARE_REQUIRE_STAFF_MFA` is set, staff signed in without a
/// second factor see only the security page (and may sign out or switch
/// language).
fn must_enrol(req: &HttpRequest, session: &Session) -> bool {
    let required = req
        .app_data::<actix_web::web::Data<AppState>>()
        .is_some_and(|state| state.settings.require_staff_mfa);
    let path = req.path();
    let allowed = path.starts_with(crate::web::SECURITY_PAGE)
        || path == "/dashboard/logout"
        || path == "/dashboard/language";
    required && !session.amr.has_second_factor() && !allowed
}

/// A page's caller: a staff member signed in to the dashboard. Without a
/// session: the sign-in page; a patient's session: the staff-only page.
pub struct Staff(pub Session);

impl FromRequest for Staff {
    type Error = PageError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match Session::of_request(&req).await? {
                None => Err(PageError::SignIn),
                Some(session) if !session.is_staff() => Err(PageError::StaffOnly),
                Some(session) if must_enrol(&req, &session) => Err(PageError::EnrolFirst),
                Some(session) => Ok(Staff(session)),
            }
        })
    }
}
