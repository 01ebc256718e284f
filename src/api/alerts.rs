//! Alerts for the physicians: the list in worklist order, one alert with its
//! evidence and history, and the workflow (acknowledge, snooze, resolve).
//! Patients may read their own alerts; only a care-team physician acts on
//! them, and only on the alert they saw: an action may name the level seen
//! (`level`) or the version read (`If-Match` with the `ETag` of `GET`).

use actix_web::http::header::{self, EntityTag, Header};
use actix_web::{web, HttpRequest, HttpResponse};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use self::views::{full_view, with_evidence, AlertView};
use super::paging::{audited_page, PageQuery};

use crate::alerting::workflow::{self, Request, Stale};
use crate::auth::audit::{self, Action};
use crate::auth::{access, AuthUser};
use crate::clock::now;
use crate::db::alert_queries::{self, Filter};
use crate::db::alerts::{self, Alert};
use crate::db::patients::Scope;
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::alerts::{Seen, Status};
use crate::domain::triage::{Level, Rule};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

mod actions;
mod views;

pub use actions::{acknowledge, resolve, snooze, AcknowledgeBody, ResolveBody, SnoozeBody};

#[derive(Deserialize, Debug)]
pub struct AlertQuery {
    // `status` may repeat, which `web::Query` refuses: see `statuses`.
    level: Option<String>,
    rule: Option<String>,
    patient_id: Option<uuid::Uuid>,
    // `limit` and `cursor` are the PageQuery's.
}

/// The statuses of `?status=`, repeated (`status=open&status=snoozed`, as
/// generated clients send an array) or separated by commas; `active` is
/// every status but resolved. `None`: every status.
fn statuses(query_string: &str) -> Result<Option<Vec<Status>>, ApiError> {
    let mut statuses: Vec<Status> = Vec::new();
    let given = url::form_urlencoded::parse(query_string.as_bytes())
        .filter(|(key, _)| key == "status")
        .map(|(_, value)| value.into_owned())
        .collect::<Vec<_>>();
    for name in given
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
    {
        let named = match name {
            "" => continue,
            // Everything not resolved: what still needs a physician.
            "active" => Status::ACTIVE.to_vec(),
            name => vec![Status::parse(name).ok_or_else(|| {
                ApiError::InvalidQuery(
                    "status must be active, open, acknowledged, snoozed or resolved".to_owned(),
                )
            })?],
        };
        for status in named {
            if !statuses.contains(&status) {
                statuses.push(status);
            }
        }
    }
    Ok((!statuses.is_empty()).then_some(statuses))
}

impl AlertQuery {
    fn filter(&self, query_string: &str) -> Result<Filter, ApiError> {
        let invalid = |what: &str| ApiError::InvalidQuery(what.to_owned());
        let statuses = statuses(query_string)?;
        let level = match self.level.as_deref() {
            None | Some("") => None,
            Some(raw) => match Level::parse(raw) {
                Some(level) if level >= Level::Warning => Some(level),
                _ => return Err(invalid("level must be warning, urgent or emergency")),
            },
        };
        let rule = match self.rule.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(
                Rule::parse(raw)
                    .ok_or_else(|| invalid("rule is not a rule of the triage engine"))?,
            ),
        };
        Ok(Filter {
            statuses,
            level,
            rule,
            patient_id: self.patient_id.map(|id| id.to_string()),
        })
    }
}

/// Whose alerts the caller may see.
fn scope_of(user: &AuthUser) -> Scope<'_> {
    match user.role {
        Role::Admin => Scope::All,
        Role::Physician | Role::Nurse => Scope::CareTeamOf(&user.id),
        Role::Patient => Scope::Only(user.patient_id.as_deref().unwrap_or_default()),
        // Caregivers report; alerts are not theirs to read (`list`
        // refuses them first).
        Role::Caregiver => Scope::Only(""),
    }
}

#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    request: HttpRequest,
    query: web::Query<AlertQuery>,
    paging: PageQuery,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Patient, Role::Physician, Role::Nurse, Role::Admin])?;
    let filter = query.filter(request.query_string())?;
    let (limit, after) = (paging.limit()?, paging.after_ranked()?);
    let at = now();
    let reopened = workflow::reopen_ended_snoozes_before_read(&state.db, at).await?;
    let page = state
        .db
        .run(move |conn| {
            let rows = alert_queries::list(conn, scope_of(&user), &filter, after, limit + 1)?;
            let page = audited_page(&user, at, rows, limit, |a| {
                paging.cursor_ranked(a.level_rank, a.created_at, &a.id)
            });
            page.try_map(|page| page.try_map_all(|rows| with_evidence(conn, rows)))
        })
        .await?;
    let page = state.reads.audit(page).await?;
    if reopened > 0 {
        state.deliveries.notify();
    }
    Ok(HttpResponse::Ok().json(page))
}

/// Loads the alert if the caller may see its patient; `lock`ed until the
/// transaction ends for a caller about to change it.
fn alert_for(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
    lock: bool,
) -> Result<Alert, ApiError> {
    let alert = if lock {
        alerts::find_for_update(conn, id)?
    } else {
        alerts::find(conn, id)?
    }
    .ok_or(ApiError::NotFound)?;
    access::patient_for(conn, user, &alert.patient_id)?;
    Ok(alert)
}

/// The strong entity tag of an alert's view: a digest of all of it, so it
/// changes with any change a reader could see (status, level, evidence and
/// its flags, history, overdue).
fn version_of(view: &AlertView) -> Result<EntityTag, ApiError> {
    let bytes = serde_json::to_vec(view).map_err(ApiError::internal)?;
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Ok(EntityTag::new_strong(hex))
}

/// What `If-Match` asks for.
enum Precondition {
    /// No If-Match: act on the alert as it is.
    None,
    /// `If-Match: *`: the alert exists, which it does by now.
    Any,
    /// One of these versions.
    Versions(Vec<EntityTag>),
}

impl Precondition {
    /// A malformed If-Match names no version, so it matches none: nothing
    /// changes on a condition the service cannot read.
    fn of(req: &HttpRequest) -> Self {
        if !req.headers().contains_key(header::IF_MATCH) {
            return Self::None;
        }
        match header::IfMatch::parse(req) {
            Ok(header::IfMatch::Any) => Self::Any,
            Ok(header::IfMatch::Items(tags)) => Self::Versions(tags),
            Err(_) => Self::Versions(Vec::new()),
        }
    }
}

/// The level a request names, if it names one: warning, urgent or
/// emergency.
pub(crate) fn seen_level(raw: Option<&str>, errors: &mut FieldErrors) -> Option<Level> {
    let raw = raw?;
    match Level::parse(raw) {
        Some(level) if level >= Level::Warning => Some(level),
        _ => {
            errors.add("level", "must be warning, urgent or emergency");
            None
        }
    }
}

#[tracing::instrument(skip_all, fields(alert_id = %path))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = view(&state, user, path.into_inner().to_string()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(version_of(&view)?))
        .json(view))
}

/// The alert with its evidence and history, if the caller may see it;
/// the read is audited.
pub async fn view(state: &AppState, user: AuthUser, id: String) -> Result<AlertView, ApiError> {
    let at = now();
    let reopened = workflow::reopen_ended_snoozes_before_read(&state.db, at).await?;
    let view = state
        .db
        .run(move |conn| {
            let alert = alert_for(conn, &user, &id, false)?;
            let touched = [(alert.patient_id.as_str(), "alert", alert.id.as_str())];
            let read = audit::read(&user, &touched, at, ());
            read.try_map(|()| full_view(conn, alert))
        })
        .await?;
    let view = state.reads.audit(view).await?;
    if reopened > 0 {
        state.deliveries.notify();
    }
    Ok(view)
}

/// A physician's request and what they saw of the alert.
struct Asked {
    id: String,
    request: Request,
    level: Option<Level>,
    precondition: Precondition,
}

/// Loads, authorises and applies a physician's request, in one transaction.
/// A request on a stale view of the alert changes nothing but is answered
/// with the current alert, a read that is audited as one.
async fn act(state: &AppState, user: AuthUser, asked: Asked) -> Result<AlertView, ApiError> {
    let at = now();
    let answer = state
        .db
        .transaction(move |conn| {
            // An ended snooze is open again before anyone acts on it.
            workflow::reopen_ended_snoozes(conn, at)?;
            // Locked: what is checked below is what is changed.
            let alert = alert_for(conn, &user, &asked.id, true)?;
            // Seeing an alert is not treating the patient: the care team
            // acts on it, and an admin, so that no alert is left with
            // nobody who may act on it.
            user.require(&[Role::Physician, Role::Nurse, Role::Admin])?;
            let mut current = None;
            let current_version = match &asked.precondition {
                Precondition::None | Precondition::Any => true,
                Precondition::Versions(tags) => {
                    let view = full_view(conn, alert.clone())?;
                    let version = version_of(&view)?;
                    current = Some(view);
                    tags.iter().any(|tag| tag.strong_eq(&version))
                }
            };
            let seen = Seen {
                level: asked.level,
                current_version,
            };
            let outcome = workflow::act(conn, alert.clone(), &user.id, &asked.request, seen, at)?;
            let touched = [(alert.patient_id.as_str(), "alert", alert.id.as_str())];
            match outcome {
                Ok(updated) => {
                    audit::record(conn, &user, Action::Update, &touched, at)?;
                    Ok(Ok(full_view(conn, updated)?))
                }
                Err(stale) => {
                    audit::record(conn, &user, Action::Read, &touched, at)?;
                    let view = match current {
                        Some(view) => view,
                        None => full_view(conn, alert.clone())?,
                    };
                    let view = serde_json::to_value(view).map_err(ApiError::internal)?;
                    Ok(Err(match stale {
                        Stale::Version => ApiError::PreconditionFailed(Box::new(view)),
                        Stale::Level => ApiError::AlertChanged(Box::new(view)),
                    }))
                }
            }
        })
        .await?;
    state.deliveries.notify();
    answer
}

/// A physician's request on the alert they saw at `level` (the dashboard's
/// forms): an alert whose level changed meanwhile is refused with the
/// current alert (409 `alert_changed`), not acted on.
pub async fn perform(
    state: &AppState,
    user: AuthUser,
    id: String,
    request: Request,
    level: Option<Level>,
) -> Result<AlertView, ApiError> {
    let asked = Asked {
        id,
        request,
        level,
        precondition: Precondition::None,
    };
    act(state, user, asked).await
}

/// The answer to an action: the alert as it is now, with its version.
fn acted(view: &AlertView) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(version_of(view)?))
        .json(view))
}
