//! The one error type of the API and its problem+json rendering (RFC 9457).
//!
//! This is the only place that knows status codes. Which variant to use:
//! - a request that cannot be parsed at all: `MalformedJson`, `InvalidQuery`,
//!   `InvalidCursor`, `PayloadTooLarge`, `UnsupportedMediaType`;
//! - a request that parses but has invalid fields: `Validation`, built with
//!   [`FieldErrors`] so that every bad field is named at once;
//! - anything the caller may not see, or that does not exist: `NotFound`
//!   (the two are indistinguishable on purpose); a role that may never call
//!   the route: `Forbidden`; a request made with the browser's session
//!   cookie without its CSRF token or from another origin: `CsrfFailed`;
//! - an alert action refused because of the alert's state: `AlertResolved`,
//!   `AcknowledgeFirst`; because the caller saw another version of it:
//!   `PreconditionFailed` (If-Match) or `AlertChanged` (the level), both
//!   carrying the current alert, as `GET` shows it, for the answer;
//! - a database that is down, locked or out of connections: `Unavailable`,
//!   which clients retry;
//! - a bug or an unexpected failure: `Internal`; its source chain is logged
//!   and the client sees a bare 500.

use std::collections::BTreeMap;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Field name -> messages, in the `errors` member of a 422 problem.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `field` failed.
    pub fn names(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Each failed field with its messages, as a sentence per field.
    pub fn sentences(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
            .collect()
    }

    /// `Ok(())` when no field failed, else the 422 error carrying them all.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self))
        }
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let mut errors = Self::new();
        errors.add(field, message);
        ApiError::Validation(errors)
    }
}

/// Declares [`Code`] and the list of all its values from one table, so that
/// the list cannot miss one.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// Every machine code a problem body can carry.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }
        }
    };
}

codes! {
    MalformedJson => "malformed_json",
    InvalidQuery => "invalid_query",
    InvalidCursor => "invalid_cursor",
    InvalidInvite => "invalid_invite",
    Unauthenticated => "unauthenticated",
    InvalidToken => "invalid_token",
    InvalidCredentials => "invalid_credentials",
    InvalidRefreshToken => "invalid_refresh_token",
    RefreshTokenReused => "refresh_token_reused",
    MfaRequired => "mfa_required",
    InvalidMfaToken => "invalid_mfa_token",
    InvalidMfaCode => "invalid_mfa_code",
    MfaCodeReused => "mfa_code_reused",
    Forbidden => "forbidden",
    MfaEnrolmentRequired => "mfa_enrolment_required",
    MfaAlreadyEnabled => "mfa_already_enabled",
    MfaNotPending => "mfa_not_pending",
    MfaNotEnabled => "mfa_not_enabled",
    CsrfFailed => "csrf_failed",
    NotFound => "not_found",
    MethodNotAllowed => "method_not_allowed",
    EmailTaken => "email_taken",
    PatientAlreadyRegistered => "patient_already_registered",
    PayloadTooLarge => "payload_too_large",
    UnsupportedMediaType => "unsupported_media_type",
    InvalidImage => "invalid_image",
    ImageTooLarge => "image_too_large",
    TooManyPhotos => "too_many_photos",
    Validation => "validation_failed",
    RangeTooLarge => "range_too_large",
    Contraindicated => "contraindicated",
    IdempotencyConflict => "idempotency_conflict",
    AlertResolved => "alert_resolved",
    AcknowledgeFirst => "acknowledge_first",
    LastPhysician => "last_physician",
    AlertChanged => "alert_changed",
    PreconditionFailed => "precondition_failed",
    WebhookUrlNotAllowed => "webhook_url_not_allowed",
    WebhookDisabled => "webhook_disabled",
    PushEndpointNotAllowed => "push_endpoint_not_allowed",
    TooManyAttempts => "too_many_attempts",
    Unavailable => "service_unavailable",
    Internal => "internal_error",
    /// A request the framework refused before it reached a handler.
    BadRequest => "bad_request",
    /// The request's headers are larger than the server accepts.
    HeadersTooLarge => "headers_too_large",
    /// Any other status the framework answered by itself.
    RequestFailed => "request_failed",
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("invalid query parameters: {0}")]
    InvalidQuery(String),
    #[error("the cursor is not one this service issued")]
    InvalidCursor,
    #[error("the invite code is unknown, used, void or expired")]
    InvalidInvite,
    #[error("this request needs a bearer access token")]
    Unauthenticated,
    #[error("the access token is invalid or expired")]
    InvalidToken,
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidRefreshToken,
    #[error("the refresh token was already used; its session has been revoked")]
    RefreshTokenReused,
    /// The password was right; the second factor is asked next, with the
    /// single-use token that names this sign-in.
    #[error("this account signs in with a second factor: send a code from the authenticator app to POST /v1/auth/mfa with the mfa_token")]
    MfaRequired { mfa_token: String, expires_in: i64 },
    #[error("the mfa_token is unknown, used, expired, or void after too many wrong codes; sign in again")]
    InvalidMfaToken,
    #[error("the code is wrong")]
    InvalidMfaCode,
    /// A session made without a second factor, where staff must use one.
    #[error("staff must sign in with a second factor: sign in again")]
    SignInAgainWithMfa,
    #[error("this code was already used; wait for the next one")]
    MfaCodeReused,
    #[error("your role may not do this")]
    Forbidden,
    #[error("staff must turn on two-factor sign-in first: POST /v1/me/mfa/totp, then confirm it")]
    MfaEnrolmentRequired,
    #[error("two-factor sign-in is already on; turn it off first to enrol another authenticator")]
    MfaAlreadyEnabled,
    #[error("no enrolment is pending: start one with POST /v1/me/mfa/totp")]
    MfaNotPending,
    #[error("two-factor sign-in is not on for this account")]
    MfaNotEnabled,
    #[error("a request made with the session cookie needs its CSRF token in X-CSRF-Token and the service's own Origin")]
    CsrfFailed,
    #[error("no such resource")]
    NotFound,
    #[error("this method is not allowed on this resource")]
    MethodNotAllowed,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("this patient already has an account")]
    PatientAlreadyRegistered,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// A photo in a format not accepted, or sent as something else.
    #[error("{0}; photos are accepted as JPEG, PNG or WebP")]
    UnsupportedImage(String),
    #[error("{0}")]
    InvalidImage(String),
    #[error("the image is {width} x {height} pixels; at most 40 megapixels are accepted")]
    ImageTooLarge { width: u32, height: u32 },
    #[error("this check-in already has {0} photos, the most it may have")]
    TooManyPhotos(usize),
    #[error("this Idempotency-Key was already used with another photo")]
    PhotoKeyReused,
    #[error("some fields are invalid")]
    Validation(FieldErrors),
    /// A date range longer than the request may cover (its limit named).
    #[error("{0}")]
    RangeTooLarge(String),
    #[error("the screening shows contraindications; give an override_reason to record the treatment anyway")]
    Contraindicated(Vec<&'static str>),
    #[error("this client_id was already used with a different check-in")]
    IdempotencyConflict,
    #[error("webhooks may not be sent to this URL: {0}")]
    WebhookUrlNotAllowed(String),
    #[error("this webhook endpoint is disabled; enable it first")]
    WebhookDisabled,
    #[error("push messages may not be sent to this endpoint: {0}")]
    PushEndpointNotAllowed(String),
    #[error("this alert is resolved; a new finding opens a new alert")]
    AlertResolved,
    #[error(
        "an urgent or emergency alert is snoozed only once acknowledged; acknowledge it first"
    )]
    AcknowledgeFirst,
    #[error("this is the patient's last physician; add another before removing this one")]
    LastPhysician,
    #[error("the alert's level has changed since you saw it; the current alert is in `alert`")]
    AlertChanged(Box<serde_json::Value>),
    #[error("If-Match does not name the alert's current version; the current alert is in `alert`")]
    PreconditionFailed(Box<serde_json::Value>),
    #[error("too many failed attempts; try again later")]
    TooManyAttempts { retry_after: u64 },
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Seconds a client should wait before retrying a 503.
const UNAVAILABLE_RETRY_AFTER: u64 = 2;

impl ApiError {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    /// The stable machine code clients switch on.
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    fn kind(&self) -> Code {
        match self {
            Self::MalformedJson(_) => Code::MalformedJson,
            Self::InvalidQuery(_) => Code::InvalidQuery,
            Self::InvalidCursor => Code::InvalidCursor,
            Self::InvalidInvite => Code::InvalidInvite,
            Self::Unauthenticated => Code::Unauthenticated,
            Self::InvalidToken => Code::InvalidToken,
            Self::InvalidCredentials => Code::InvalidCredentials,
            Self::InvalidRefreshToken => Code::InvalidRefreshToken,
            Self::RefreshTokenReused => Code::RefreshTokenReused,
            Self::MfaRequired { .. } | Self::SignInAgainWithMfa => Code::MfaRequired,
            Self::InvalidMfaToken => Code::InvalidMfaToken,
            Self::InvalidMfaCode => Code::InvalidMfaCode,
            Self::MfaCodeReused => Code::MfaCodeReused,
            Self::Forbidden => Code::Forbidden,
            Self::MfaEnrolmentRequired => Code::MfaEnrolmentRequired,
            Self::MfaAlreadyEnabled => Code::MfaAlreadyEnabled,
            Self::MfaNotPending => Code::MfaNotPending,
            Self::MfaNotEnabled => Code::MfaNotEnabled,
            Self::CsrfFailed => Code::CsrfFailed,
            Self::NotFound => Code::NotFound,
            Self::MethodNotAllowed => Code::MethodNotAllowed,
            Self::EmailTaken => Code::EmailTaken,
            Self::PatientAlreadyRegistered => Code::PatientAlreadyRegistered,
            Self::PayloadTooLarge(_) => Code::PayloadTooLarge,
            Self::UnsupportedMediaType | Self::UnsupportedImage(_) => Code::UnsupportedMediaType,
            Self::InvalidImage(_) => Code::InvalidImage,
            Self::ImageTooLarge { .. } => Code::ImageTooLarge,
            Self::TooManyPhotos(_) => Code::TooManyPhotos,
            Self::PhotoKeyReused => Code::IdempotencyConflict,
            Self::Validation(_) => Code::Validation,
            Self::RangeTooLarge(_) => Code::RangeTooLarge,
            Self::Contraindicated(_) => Code::Contraindicated,
            Self::IdempotencyConflict => Code::IdempotencyConflict,
            Self::AlertResolved => Code::AlertResolved,
            Self::AcknowledgeFirst => Code::AcknowledgeFirst,
            Self::LastPhysician => Code::LastPhysician,
            Self::AlertChanged(_) => Code::AlertChanged,
            Self::PreconditionFailed(_) => Code::PreconditionFailed,
            Self::WebhookUrlNotAllowed(_) => Code::WebhookUrlNotAllowed,
            Self::WebhookDisabled => Code::WebhookDisabled,
            Self::PushEndpointNotAllowed(_) => Code::PushEndpointNotAllowed,
            Self::TooManyAttempts { .. } => Code::TooManyAttempts,
            Self::Unavailable => Code::Unavailable,
            Self::Internal(_) => Code::Internal,
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyAttempts { retry_after } => Some(*retry_after),
            Self::Unavailable => Some(UNAVAILABLE_RETRY_AFTER),
            _ => None,
        }
    }
}

#[derive(Serialize)]
pub struct Problem<'a> {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'a str,
    pub status: u16,
    pub detail: String,
    pub code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<&'a FieldErrors>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contraindications: Option<&'a [&'static str]>,
    /// The current alert, when the caller acted on another version of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<&'a serde_json::Value>,
    /// The token of a sign-in waiting for its second factor, and its
    /// seconds to live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_token_expires_in: Option<i64>,
}

/// A problem body for a status code that did not come from an `ApiError`.
pub fn problem_response(status: StatusCode, code: Code, detail: String) -> HttpResponse {
    let code = code.as_str();
    let problem = Problem {
        kind: format!("urn:aftercare:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        code,
        errors: None,
        contraindications: None,
        alert: None,
        mfa_token: None,
        mfa_token_expires_in: None,
    };
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .json(problem)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_) | Self::InvalidQuery(_) | Self::InvalidCursor => {
                StatusCode::BAD_REQUEST
            }
            Self::InvalidInvite => StatusCode::BAD_REQUEST,
            Self::Unauthenticated
            | Self::InvalidToken
            | Self::InvalidCredentials
            | Self::InvalidRefreshToken
            | Self::RefreshTokenReused
            | Self::MfaRequired { .. }
            | Self::SignInAgainWithMfa
            | Self::InvalidMfaToken
            | Self::InvalidMfaCode
            | Self::MfaCodeReused => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::CsrfFailed | Self::MfaEnrolmentRequired => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailTaken
            | Self::PatientAlreadyRegistered
            | Self::IdempotencyConflict
            | Self::PhotoKeyReused
            | Self::TooManyPhotos(_)
            | Self::AlertResolved
            | Self::AcknowledgeFirst
            | Self::LastPhysician
            | Self::AlertChanged(_)
            | Self::WebhookDisabled
            | Self::MfaAlreadyEnabled
            | Self::MfaNotPending
            | Self::MfaNotEnabled => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType | Self::UnsupportedImage(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            Self::Validation(_)
            | Self::RangeTooLarge(_)
            | Self::InvalidImage(_)
            | Self::ImageTooLarge { .. }
            | Self::Contraindicated(_)
            | Self::WebhookUrlNotAllowed(_)
            | Self::PushEndpointNotAllowed(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        if let Some(seconds) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if matches!(self, Self::Unauthenticated | Self::InvalidToken) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(self.problem())
    }
}

impl ApiError {
    /// The problem document, for answers that embed it (as sync does).
    pub fn problem(&self) -> Problem<'_> {
        let status = self.status_code();
        let detail = match self {
            Self::Internal(source) => {
                tracing::error!(error = ?source, "internal error");
                "an unexpected error occurred; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        Problem {
            kind: format!("urn:aftercare:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            code: self.code(),
            errors: match self {
                Self::Validation(errors) => Some(errors),
                _ => None,
            },
            contraindications: match self {
                Self::Contraindicated(found) => Some(found.as_slice()),
                _ => None,
            },
            alert: match self {
                Self::AlertChanged(alert) | Self::PreconditionFailed(alert) => Some(alert),
                _ => None,
            },
            mfa_token: match self {
                Self::MfaRequired { mfa_token, .. } => Some(mfa_token),
                _ => None,
            },
            mfa_token_expires_in: match self {
                Self::MfaRequired { expires_in, .. } => Some(*expires_in),
                _ => None,
            },
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &error {
            Error::NotFound => Self::NotFound,
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => Self::Unavailable,
            // SQLite answers a writer elsewhere holding the lock past
            // busy_timeout this way; it is transient, not a bug.
            Error::DatabaseError(_, info)
                if info.message().contains("database is locked")
                    || info.message().contains("database is busy") =>
            {
                Self::Unavailable
            }
            _ => Self::Internal(error.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %error, "database pool checkout failed");
        Self::Unavailable
    }
}
