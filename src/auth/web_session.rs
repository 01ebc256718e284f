//! The browser's sign-in, shared by the dashboard and the patient app: a
//! server-side session behind one HttpOnly, SameSite=Strict cookie, and
//! the CSRF rule for every state-changing request made with it (the
//! session's token, and an `Origin` equal to the service's own).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::HttpRequest;
use chrono::{DateTime, Duration, Utc};
use subtle::ConstantTimeEq;

use super::tokens::Amr;
use super::{secrets, AuthUser};
use crate::clock::now;
use crate::db::users::User;
use crate::db::web_sessions::{self, NewWebSession};
use crate::db::DbConnection;
use crate::domain::accounts::{Locale, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// How long a staff member's sign-in lasts.
pub const STAFF_SESSION_HOURS: i64 = 12;
/// How long a patient stays signed in on their phone: long enough that a
/// check-in kept offline over a weekend is still sent.
pub const PATIENT_SESSION_DAYS: i64 = 30;

/// The header a script sends the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

pub fn session_length(role: Role) -> Duration {
    match role {
        Role::Patient | Role::Caregiver => Duration::days(PATIENT_SESSION_DAYS),
        Role::Physician | Role::Nurse | Role::Admin => Duration::hours(STAFF_SESSION_HOURS),
    }
}

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

/// A cookie with the flags every cookie of the service carries.
pub fn cookie(name: String, value: String, secure: bool, max_age: Duration) -> Cookie<'static> {
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
pub fn csrf_holds(state: &AppState, req: &HttpRequest, expected: &str, given: &str) -> bool {
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
    same_origin && token_matches
}

/// How a browser signed in: over TLS or not (the cookie's name), with a
/// second factor or not, and the browser's User-Agent for the sessions
/// list.
#[derive(Clone)]
pub struct SignIn {
    pub secure: bool,
    pub amr: Amr,
    pub user_agent: Option<String>,
}

impl SignIn {
    pub fn of(state: &AppState, req: &HttpRequest, amr: Amr) -> Self {
        Self {
            secure: is_secure(state, req),
            amr,
            user_agent: user_agent(req),
        }
    }
}

/// The request's User-Agent, cut to 200 characters.
pub fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|agent| agent.chars().take(200).collect())
}

/// Stores a new session for the user in the caller's transaction; returns
/// the cookie that carries it. A new random id at every sign-in: a session
/// id planted before it is useless.
pub fn insert(
    conn: &mut DbConnection,
    user: &User,
    how: &SignIn,
    at: DateTime<Utc>,
) -> Result<Cookie<'static>, ApiError> {
    let token = secrets::random_token();
    let length = session_length(user.role);
    web_sessions::insert(
        conn,
        &NewWebSession {
            id_hash: &secrets::sha256_hex(&token),
            user_id: &user.id,
            csrf_token: &secrets::random_token(),
            created_at: at.naive_utc(),
            expires_at: (at + length).naive_utc(),
            amr: how.amr.as_str(),
            user_agent: how.user_agent.as_deref(),
            last_used_at: Some(at.naive_utc()),
        },
    )?;
    let secure = how.secure;
    Ok(cookie(
        cookie_name(secure).to_owned(),
        token,
        secure,
        length,
    ))
}

/// Starts a session for the user in a transaction of its own.
pub async fn start(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    amr: Amr,
) -> Result<Cookie<'static>, ApiError> {
    let (user, how, at) = (user.clone(), SignIn::of(state, req, amr), now());
    state
        .db
        .transaction(move |conn| insert(conn, &user, &how, at))
        .await
}

/// How often a session's `last_used_at` is written: at most once in this
/// long, so that reading pages does not mean writing on each.
const TOUCH_EVERY: Duration = Duration::minutes(5);

/// The session the request's cookie names, if it is live.
pub struct Session {
    pub user: User,
    pub csrf: String,
    /// The hash the session is stored under.
    pub id_hash: String,
    pub expires_at: DateTime<Utc>,
    /// How it was signed in.
    pub amr: Amr,
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
        let Some(session) = found else {
            return Ok(None);
        };
        if session
            .last_used_at
            .is_none_or(|last| last + TOUCH_EVERY < at)
        {
            let touched = id_hash.clone();
            state
                .db
                .background_transaction(move |conn| web_sessions::touch(conn, &touched, at))
                .await?;
        }
        Ok(Some(Session {
            user: session.user,
            csrf: session.csrf_token,
            id_hash,
            expires_at: crate::clock::utc(session.expires_at),
            amr: Amr::parse(&session.amr),
        }))
    }

    /// The session of the request's cookie, for extractors (which get the
    /// request only).
    pub async fn of_request(req: &HttpRequest) -> Result<Option<Session>, ApiError> {
        let state = req
            .app_data::<actix_web::web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
        Session::of(&state, req).await
    }

    /// The caller as the API's handlers know it.
    pub fn caller(&self) -> AuthUser {
        AuthUser {
            id: self.user.id.clone(),
            role: self.user.role,
            patient_id: self.user.patient_id.clone(),
            request_id: None,
            mfa: self.amr.has_second_factor(),
            session: super::extractor::Current::Browser(self.id_hash.clone()),
        }
    }

    /// The language the user reads the pages in.
    pub fn locale(&self) -> Locale {
        self.user.locale.parse().unwrap_or(Locale::Ja)
    }

    /// The zone the user reads times in.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.user.timezone.parse().unwrap_or(chrono_tz::Asia::Tokyo)
    }

    pub fn is_staff(&self) -> bool {
        self.user.role.is_staff()
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
