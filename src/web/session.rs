//! The dashboard's side of the browser sign-in (auth::web_session): the
//! sign-in form's own CSRF token, the CSRF check as pages answer it, and
//! the staff extractor.

use actix_web::{web, FromRequest, HttpRequest};
use chrono::Duration;

use super::PageError;
use crate::auth::secrets;
use crate::auth::web_session::{cookie, csrf_holds};
pub use crate::auth::web_session::{is_secure, own_origin, removal, start, Session};
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

/// A page's caller: a staff member signed in to the dashboard. Without a
/// session: the sign-in page; a patient's session: the staff-only page.
pub struct Staff(pub Session);

impl FromRequest for Staff {
    type Error = PageError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| {
                    PageError::Api(ApiError::internal(anyhow::anyhow!("state missing")))
                })?;
            match Session::of(&state, &req).await? {
                None => Err(PageError::SignIn),
                Some(session) if !session.is_staff() => Err(PageError::StaffOnly),
                Some(session) => Ok(Staff(session)),
            }
        })
    }
}
