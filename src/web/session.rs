//! The dashboard's sign-in: a server-side session behind one HttpOnly,
//! SameSite=Strict cookie, and the CSRF rules for every state-changing
//! request made with it (a token from the session, and an `Origin` equal
//! to the service's own).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Duration;
use subtle::ConstantTimeEq;

use super::PageError;
use crate::auth::secrets;
use crate::auth::AuthUser;
use crate::clock::now;
use crate::db::users::User;
use crate::db::web_sessions::{self, NewWebSession};
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// How long a dashboard sign-in lasts.
pub const SESSION_HOURS: i64 = 12;
/// The login form's CSRF token lives in a cookie of its own until the
/// session exists (double submit).
const LOGIN_CSRF: &str = "aftercare_login_csrf";

/// Whether the browser reached the service over TLS, as far as cookies go.
pub fn is_secure(state: &AppState, req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
        || state
            .settings
            .public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
}

/// `__Host-` names need Secure; over plain HTTP (a clinic's LAN, tests)
/// the cookie goes without the prefix.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-aftercare_session"
    } else {
        "aftercare_session"
    }
}

fn login_csrf_name(secure: bool) -> String {
    if secure {
        format!("__Host-{LOGIN_CSRF}")
    } else {
        LOGIN_CSRF.to_owned()
    }
}

/// A cookie with the flags every cookie of the dashboard carries.
fn cookie(name: String, value: String, secure: bool, max_age: Duration) -> Cookie<'static> {
    let mut cookie = Cookie::new(name, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_path("/");
    cookie.set_secure(secure);
    cookie.set_max_age(actix_web::cookie::time::Duration::seconds(
        max_age.num_seconds(),
    ));
    cookie
}

/// The service's own origin: AFTERCARE_PUBLIC_URL's, or the one the browser
/// used to reach it.
pub fn own_origin(state: &AppState, req: &HttpRequest) -> String {
    if let Some(url) = state.settings.public_url.as_deref() {
        return url.trim_end_matches('/').to_owned();
    }
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// A state-changing request made with the cookie comes from the service's
/// own pages: same origin, and the token it was given.
pub fn check_csrf(
    state: &AppState,
    req: &HttpRequest,
    expected: &str,
    given: &str,
) -> Result<(), PageError> {
    let header_of = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let origin = header_of(header::ORIGIN.as_str());
    // Under `Referrer-Policy: no-referrer` a browser's own form posts say
    // `Origin: null`; its Fetch Metadata then tells a same-origin request,
    // which no page of another site can claim.
    let same_origin = origin == Some(own_origin(state, req).as_str())
        || (origin == Some("null") && header_of("sec-fetch-site") == Some("same-origin"));
    let token_matches =
        !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()));
    if same_origin && token_matches {
        Ok(())
    } else {
        Err(PageError::Csrf)
    }
}

/// The login form's CSRF token: the one in its cookie, or a new one (and
/// the cookie to set).
pub fn login_csrf(state: &AppState, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
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

/// The login form's check: the token it carries is its cookie's.
pub fn check_login_csrf(state: &AppState, req: &HttpRequest, given: &str) -> Result<(), PageError> {
    let secure = is_secure(state, req);
    let expected = req
        .cookie(&login_csrf_name(secure))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    check_csrf(state, req, &expected, given)
}

/// Starts a session for the user; returns the cookie that carries it. A new
/// random id at every sign-in: a session id planted before it is useless.
pub async fn start(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
) -> Result<Cookie<'static>, ApiError> {
    let token = secrets::random_token();
    let (id_hash, csrf) = (secrets::sha256_hex(&token), secrets::random_token());
    let user_id = user.id.clone();
    let at = now();
    state
        .db
        .transaction(move |conn| {
            web_sessions::insert(
                conn,
                &NewWebSession {
                    id_hash: &id_hash,
                    user_id: &user_id,
                    csrf_token: &csrf,
                    created_at: at.naive_utc(),
                    expires_at: (at + Duration::hours(SESSION_HOURS)).naive_utc(),
                },
            )
        })
        .await?;
    let secure = is_secure(state, req);
    Ok(cookie(
        cookie_name(secure).to_owned(),
        token,
        secure,
        Duration::hours(SESSION_HOURS),
    ))
}

/// The cookie that removes the session cookie from the browser.
pub fn removal(state: &AppState, req: &HttpRequest) -> Cookie<'static> {
    let secure = is_secure(state, req);
    cookie(
        cookie_name(secure).to_owned(),
        String::new(),
        secure,
        Duration::zero(),
    )
}

/// The session the request's cookie names, if it is live.
pub struct Session {
    pub user: User,
    pub csrf: String,
    /// The hash the session is stored under.
    pub id_hash: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl Session {
    pub async fn of(state: &AppState, req: &HttpRequest) -> Result<Option<Session>, ApiError> {
        let secure = is_secure(state, req);
        let Some(token) = req.cookie(cookie_name(secure)) else {
            return Ok(None);
        };
        let id_hash = secrets::sha256_hex(token.value());
        let lookup = id_hash.clone();
        let at = now().naive_utc();
        let found = state
            .db
            .run(move |conn| web_sessions::find_live(conn, &lookup, at))
            .await?;
        Ok(found.map(|session| Session {
            user: session.user,
            csrf: session.csrf_token,
            id_hash,
            expires_at: crate::clock::utc(session.expires_at),
        }))
    }

    /// The caller as the API's handlers know it.
    pub fn caller(&self) -> AuthUser {
        AuthUser {
            id: self.user.id.clone(),
            role: self.user.role,
            patient_id: self.user.patient_id.clone(),
            request_id: None,
        }
    }

    /// The language the user reads the dashboard in.
    pub fn locale(&self) -> crate::domain::accounts::Locale {
        self.user
            .locale
            .parse()
            .unwrap_or(crate::domain::accounts::Locale::Ja)
    }

    /// The zone the user reads times in.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.user.timezone.parse().unwrap_or(chrono_tz::Asia::Tokyo)
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.user.role, Role::Physician | Role::Admin)
    }

    /// Ends the session at once.
    pub async fn end(&self, state: &AppState) -> Result<(), ApiError> {
        let id_hash = self.id_hash.clone();
        let at = now().naive_utc();
        state
            .db
            .transaction(move |conn| web_sessions::delete(conn, &id_hash, at))
            .await
    }

    /// Whether the session still exists (not signed out, not expired).
    pub async fn is_live(state: &AppState, id_hash: &str) -> Result<bool, ApiError> {
        let lookup = id_hash.to_owned();
        let at = now().naive_utc();
        let found = state
            .db
            .run(move |conn| web_sessions::find_live(conn, &lookup, at))
            .await?;
        Ok(found.is_some())
    }
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
