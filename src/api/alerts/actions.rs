//! The alert workflow's requests: acknowledge, snooze and resolve, each
//! validated into a `Request` (which the dashboard's forms reuse) and
//! applied on the alert the physician saw.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;

use super::{act, acted, seen_level, Asked, Precondition};
use crate::alerting::workflow::Request;
use crate::api::{Body, OptionalBody};
use crate::auth::AuthUser;
use crate::clock::now;
use crate::domain::alerts::{snooze_end_problem, Outcome};
use crate::domain::triage::Level;
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

/// The body of an acknowledgement: none, or the level the physician saw.
#[derive(Deserialize, Default)]
pub struct AcknowledgeBody {
    pub level: Option<String>,
}

impl AcknowledgeBody {
    /// The request, and the level seen if named; invalid fields are 422.
    pub fn request(&self) -> Result<(Request, Option<Level>), ApiError> {
        let mut errors = FieldErrors::new();
        let level = seen_level(self.level.as_deref(), &mut errors);
        errors.into_result()?;
        Ok((Request::Acknowledge, level))
    }
}

#[tracing::instrument(skip_all, fields(alert_id = %path))]
pub async fn acknowledge(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    req: HttpRequest,
    OptionalBody(body): OptionalBody<AcknowledgeBody>,
) -> Result<HttpResponse, ApiError> {
    apply(&state, user, path, &req, body.request()?).await
}

#[derive(Deserialize)]
pub struct SnoozeBody {
    #[serde(deserialize_with = "crate::api::instants::required")]
    pub until: DateTime<Utc>,
    pub reason: String,
    pub level: Option<String>,
}

/// Applies a validated request to the alert of the path, on the version
/// `If-Match` names, if it names one.
async fn apply(
    state: &AppState,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    req: &HttpRequest,
    (request, level): (Request, Option<Level>),
) -> Result<HttpResponse, ApiError> {
    let asked = Asked {
        id: path.into_inner().to_string(),
        request,
        level,
        precondition: Precondition::of(req),
    };
    acted(&act(state, user, asked).await?)
}

const REASON_MAX: usize = 500;
const NOTE_MAX: usize = 2000;

#[tracing::instrument(skip_all, fields(alert_id = %path))]
pub async fn snooze(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    req: HttpRequest,
    Body(body): Body<SnoozeBody>,
) -> Result<HttpResponse, ApiError> {
    apply(&state, user, path, &req, body.request()?).await
}

impl SnoozeBody {
    /// The request, and the level seen if named; invalid fields are 422.
    pub fn request(self) -> Result<(Request, Option<Level>), ApiError> {
        let body = self;
        let mut errors = FieldErrors::new();
        let level = seen_level(body.level.as_deref(), &mut errors);
        if let Some(problem) = snooze_end_problem(now(), body.until) {
            errors.add("until", problem);
        }
        let reason = body.reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > REASON_MAX {
            errors.add("reason", format!("must be 1 to {REASON_MAX} characters"));
        }
        errors.into_result()?;
        let request = Request::Snooze {
            until: body.until.trunc_subsecs(6),
            reason,
        };
        Ok((request, level))
    }
}

#[derive(Deserialize)]
pub struct ResolveBody {
    pub outcome: String,
    pub note: String,
    pub level: Option<String>,
}

#[tracing::instrument(skip_all, fields(alert_id = %path))]
pub async fn resolve(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    req: HttpRequest,
    Body(body): Body<ResolveBody>,
) -> Result<HttpResponse, ApiError> {
    apply(&state, user, path, &req, body.request()?).await
}

impl ResolveBody {
    /// The request, and the level seen if named; invalid fields are 422.
    pub fn request(self) -> Result<(Request, Option<Level>), ApiError> {
        let body = self;
        let mut errors = FieldErrors::new();
        let level = seen_level(body.level.as_deref(), &mut errors);
        let outcome = Outcome::parse(&body.outcome);
        if outcome.is_none() {
            let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
            errors.add("outcome", format!("must be one of {}", names.join(", ")));
        }
        let note = body.note.trim().to_owned();
        if note.is_empty() || note.chars().count() > NOTE_MAX {
            errors.add("note", format!("must be 1 to {NOTE_MAX} characters"));
        }
        errors.into_result()?;
        let Some(outcome) = outcome else {
            return Err(FieldErrors::single("outcome", "is unknown"));
        };
        Ok((Request::Resolve { outcome, note }, level))
    }
}
