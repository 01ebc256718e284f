//! The `AuthUser` extractor: a handler that takes one is authenticated,
//! by a valid access token of a session that has not been ended.

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::web_session;
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// The caller, as their access token names them.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: String,
    pub role: Role,
    /// Set for patients: their own patient record.
    pub patient_id: Option<String>,
    /// The request's id, for the audit trail.
    pub request_id: Option<String>,
    /// Whether the sign-in passed a second factor.
    pub mfa: bool,
    /// The session the request came in.
    pub session: Current,
}

/// The session a request came in: an API session (refresh-token family)
/// or a browser session (by its stored hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Current {
    Api(String),
    Browser(String),
}

impl AuthUser {
    /// Refuses roles that may never call a route (403).
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// The token's claims, checked without the database.
/// A caller whose token was checked, with what a long-lived answer (the
/// event stream) needs to end when the sign-in ends.
pub struct Signed {
    pub user: AuthUser,
    /// The session (refresh-token family) of the token.
    pub session: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

fn verify(req: &HttpRequest) -> Result<(web::Data<AppState>, Signed), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated)?;
    let value = value.to_str().map_err(|_| ApiError::InvalidToken)?;
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Err(ApiError::InvalidToken),
    };
    let claims = state.tokens.verify(token).ok_or(ApiError::InvalidToken)?;
    if claims.role == Role::Patient && claims.pid.is_none() {
        return Err(ApiError::InvalidToken);
    }
    let user = AuthUser {
        id: claims.sub,
        role: claims.role,
        patient_id: claims.pid,
        request_id: req
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string),
        mfa: claims.amr.iter().any(|method| method == "otp"),
        session: Current::Api(claims.sid.clone()),
    };
    let expires_at =
        chrono::DateTime::from_timestamp(claims.exp, 0).ok_or(ApiError::InvalidToken)?;
    Ok((
        state,
        Signed {
            user,
            session: claims.sid,
            expires_at,
        },
    ))
}

/// What staff without a second factor may still do where
/// `AFTERCARE_REQUIRE_STAFF_MFA` is set: enrol (and see who they are).
const ENROLMENT_PATHS: &[&str] = &["/v1/me", "/v1/me/mfa/totp", "/v1/me/mfa/totp/confirm"];

/// 403 `mfa_enrolment_required` for staff signed in without a second
/// factor where the clinic requires one, but on the enrolment paths.
pub fn require_second_factor(
    state: &AppState,
    user: &AuthUser,
    path: &str,
) -> Result<(), ApiError> {
    if state.settings.require_staff_mfa
        && user.role.is_staff()
        && !user.mfa
        && !ENROLMENT_PATHS.contains(&path)
    {
        return Err(ApiError::MfaEnrolmentRequired);
    }
    Ok(())
}

/// Whether the session was revoked (a sign-out, a reused refresh token):
/// read at most once a second per session on each replica.
pub async fn session_revoked(state: &AppState, session: &str) -> Result<bool, ApiError> {
    if state.sessions.is_fresh(session) {
        return Ok(false);
    }
    let lookup = session.to_owned();
    let revoked = state
        .db
        .run(move |conn| crate::db::tokens::session_revoked(conn, &lookup))
        .await?;
    if !revoked {
        state.sessions.remember(session);
    }
    Ok(revoked)
}

impl FromRequest for Signed {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let verified = verify(req);
        let path = req.path().to_owned();
        Box::pin(async move {
            let (state, signed) = verified?;
            if session_revoked(&state, &signed.session).await? {
                return Err(ApiError::InvalidToken);
            }
            require_second_factor(&state, &signed.user, &path)?;
            Ok(signed)
        })
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let signed = Signed::from_request(req, payload);
        Box::pin(async move { Ok(signed.await?.user) })
    }
}

/// The caller of the few `/v1` routes the patient app posts to with its
/// session cookie (check-ins, sync): a bearer token as anywhere else, or
/// a patient's (or caregiver's) browser session whose request carries the session's CSRF
/// token in `X-CSRF-Token` and the service's own `Origin`.
pub struct AppCaller(pub AuthUser);

impl FromRequest for AppCaller {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        if req.headers().contains_key(header::AUTHORIZATION) {
            let user = AuthUser::from_request(req, payload);
            return Box::pin(async move { Ok(AppCaller(user.await?)) });
        }
        let req = req.clone();
        Box::pin(async move {
            let (state, session) = browser_session(&req).await?;
            let given = req
                .headers()
                .get(web_session::CSRF_HEADER)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            if !web_session::csrf_holds(&state, &req, &session.csrf, given) {
                return Err(ApiError::CsrfFailed);
            }
            if !matches!(session.user.role, Role::Patient | Role::Caregiver) {
                return Err(ApiError::Forbidden);
            }
            Ok(AppCaller(caller_of(&session, &req)))
        })
    }
}

/// The caller of the `GET` routes a browser page loads directly (photos in
/// an `img`): a bearer token as anywhere else, or a dashboard or patient
/// app session cookie. Reads only, so no CSRF token; the cookie is
/// SameSite=Strict, so another site's page cannot send it.
pub struct ReadCaller(pub AuthUser);

impl FromRequest for ReadCaller {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        if req.headers().contains_key(header::AUTHORIZATION) {
            let user = AuthUser::from_request(req, payload);
            return Box::pin(async move { Ok(ReadCaller(user.await?)) });
        }
        let req = req.clone();
        Box::pin(async move {
            let (state, session) = browser_session(&req).await?;
            let caller = caller_of(&session, &req);
            require_second_factor(&state, &caller, req.path())?;
            Ok(ReadCaller(caller))
        })
    }
}

/// The request's signed-in browser session (401 without one).
async fn browser_session(
    req: &HttpRequest,
) -> Result<(web::Data<AppState>, web_session::Session), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let session = web_session::Session::of(&state, req)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok((state, session))
}

/// The session's user as a caller of the API, with the request's id.
fn caller_of(session: &web_session::Session, req: &HttpRequest) -> AuthUser {
    let mut user = session.caller();
    user.request_id = request_id(req);
    user
}

fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(ToString::to_string)
}
