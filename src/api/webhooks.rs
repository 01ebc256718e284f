//! Webhook endpoints: admins register clinic-wide ones (every alert),
//! physicians their own (their care team's patients). The secret is shown
//! at creation and rotation only. Deliveries can be listed, with every
//! attempt, and retried by hand.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::paging::{Page, PageQuery};
use super::Body;
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::webhooks::{self as rows, Endpoint};
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::deliveries::{EndpointScope, EVENTS};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;
use crate::webhooks::policy::Policy;
use crate::webhooks::signing;

mod outbound;
pub use outbound::{deliveries, deliveries_page, ping, retry, retry_delivery};

/// How long the secret before a rotation still signs.
const ROTATION_OVERLAP_HOURS: i64 = 24;
const DESCRIPTION_MAX: usize = 500;
const URL_MAX: usize = 2048;

#[derive(Serialize)]
pub struct EndpointView {
    id: String,
    url: String,
    events: Vec<String>,
    description: Option<String>,
    scope: EndpointScope,
    enabled: bool,
    disabled_reason: Option<String>,
    payload: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

fn view(endpoint: Endpoint, with_secret: bool) -> EndpointView {
    EndpointView {
        events: serde_json::from_str(&endpoint.events).unwrap_or_default(),
        secret: with_secret.then_some(endpoint.secret),
        id: endpoint.id,
        url: endpoint.url,
        description: endpoint.description,
        scope: endpoint.scope,
        enabled: endpoint.enabled,
        disabled_reason: endpoint.disabled_reason,
        payload: endpoint.payload,
        created_at: utc(endpoint.created_at),
        updated_at: utc(endpoint.updated_at),
    }
}

fn policy(state: &AppState) -> Policy {
    Policy::of(&state.settings)
}

/// Validates the event list: known types, at least one, no repeats.
fn events(errors: &mut FieldErrors, raw: &[String]) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for event in raw {
        if !EVENTS.contains(&event.as_str()) {
            errors.add(
                "events",
                format!("{event} is not an event; use {}", EVENTS.join(", ")),
            );
        } else if !chosen.contains(event) {
            chosen.push(event.clone());
        }
    }
    if raw.is_empty() {
        errors.add("events", "name at least one event");
    }
    chosen
}

/// One line of text: a description with CR/LF could forge lines wherever
/// it is shown or logged.
fn description(errors: &mut FieldErrors, raw: Option<String>) -> Option<String> {
    let text = raw.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    if let Some(d) = &text {
        if d.chars().count() > DESCRIPTION_MAX {
            errors.add(
                "description",
                format!("must be at most {DESCRIPTION_MAX} characters"),
            );
        }
        if d.chars().any(char::is_control) {
            errors.add("description", "must be one line without control characters");
        }
    }
    text
}

/// A URL no longer than browsers and proxies carry.
fn url_length(errors: &mut FieldErrors, url: &str) {
    if url.len() > URL_MAX {
        errors.add("url", format!("must be at most {URL_MAX} characters"));
    }
}

/// `minimal` (the default) or `clinical`.
fn payload(errors: &mut FieldErrors, raw: Option<&str>) -> Option<String> {
    match raw {
        None => None,
        Some(kind @ (rows::PAYLOAD_MINIMAL | rows::PAYLOAD_CLINICAL)) => Some(kind.to_owned()),
        Some(_) => {
            errors.add("payload", "must be minimal or clinical");
            None
        }
    }
}

#[derive(Deserialize)]
pub struct CreateWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub payload: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(create_endpoint(&state, user, body).await?))
}

/// Registers an endpoint (its URL through the policy); the view carries its
/// secret, shown only in this answer.
pub async fn create_endpoint(
    state: &AppState,
    user: AuthUser,
    body: CreateWebhook,
) -> Result<EndpointView, ApiError> {
    user.require(&[Role::Admin, Role::Physician])?;
    let mut errors = FieldErrors::new();
    let chosen = events(&mut errors, &body.events);
    let description = description(&mut errors, body.description);
    let payload = payload(&mut errors, body.payload.as_deref());
    url_length(&mut errors, &body.url);
    errors.into_result()?;
    let url = policy(state)
        .check(&body.url)
        .await
        .map_err(ApiError::WebhookUrlNotAllowed)?;
    let at = now().naive_utc();
    let endpoint = Endpoint {
        id: uuid::Uuid::new_v4().to_string(),
        owner_id: user.id.clone(),
        scope: if user.role == Role::Admin {
            EndpointScope::Clinic
        } else {
            EndpointScope::CareTeam
        },
        url: url.to_string(),
        events: serde_json::to_string(&chosen).map_err(ApiError::internal)?,
        description,
        enabled: true,
        disabled_reason: None,
        secret: signing::new_secret(),
        previous_secret: None,
        previous_secret_until: None,
        created_at: at,
        updated_at: at,
        payload: payload.unwrap_or_else(|| rows::PAYLOAD_MINIMAL.to_owned()),
    };
    let stored = endpoint.clone();
    state
        .db
        .run(move |conn| rows::insert_endpoint(conn, &stored))
        .await?;
    tracing::info!(endpoint_id = %endpoint.id, "webhook endpoint created");
    Ok(view(endpoint, true))
}

#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_page(&state, user, query).await?))
}

/// A page of the endpoints the caller manages (admins all, physicians
/// their own), without their secrets.
pub async fn list_page(
    state: &AppState,
    user: AuthUser,
    query: PageQuery,
) -> Result<Page<EndpointView>, ApiError> {
    user.require(&[Role::Admin, Role::Physician])?;
    let (limit, after) = (query.limit()?, query.after()?);
    let rows = state
        .db
        .run(move |conn| {
            let owner = (user.role != Role::Admin).then_some(user.id.as_str());
            rows::list_endpoints(conn, owner, after, limit + 1)
        })
        .await?;
    Ok(query.page(
        rows,
        limit,
        |e| (e.created_at, e.id.clone()),
        |e| view(e, false),
    ))
}

/// The endpoint if the caller manages it: admins all, physicians their own.
fn endpoint_for(conn: &mut DbConnection, user: &AuthUser, id: &str) -> Result<Endpoint, ApiError> {
    user.require(&[Role::Admin, Role::Physician])?;
    let endpoint = rows::find_endpoint(conn, id)?.ok_or(ApiError::NotFound)?;
    if user.role != Role::Admin && endpoint.owner_id != user.id {
        return Err(ApiError::NotFound);
    }
    Ok(endpoint)
}

#[tracing::instrument(skip_all, fields(webhook_id = %path))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().to_string();
    let endpoint = state
        .db
        .run(move |conn| endpoint_for(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok().json(view(endpoint, false)))
}

#[derive(Deserialize)]
pub struct UpdateWebhook {
    url: Option<String>,
    events: Option<Vec<String>>,
    description: Option<String>,
    enabled: Option<bool>,
    payload: Option<String>,
}

#[tracing::instrument(skip_all, fields(webhook_id = %path))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    Body(body): Body<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().to_string();
    let mut errors = FieldErrors::new();
    let chosen = body.events.as_deref().map(|raw| events(&mut errors, raw));
    let description = body.description.map(|d| description(&mut errors, Some(d)));
    let payload = payload(&mut errors, body.payload.as_deref());
    if let Some(url) = &body.url {
        url_length(&mut errors, url);
    }
    errors.into_result()?;
    let url = match &body.url {
        Some(raw) => Some(
            policy(&state)
                .check(raw)
                .await
                .map_err(ApiError::WebhookUrlNotAllowed)?,
        ),
        None => None,
    };
    let updated = state
        .db
        .transaction(move |conn| {
            let mut endpoint = endpoint_for(conn, &user, &id)?;
            if let Some(url) = url {
                endpoint.url = url.to_string();
            }
            if let Some(chosen) = chosen {
                endpoint.events = serde_json::to_string(&chosen).map_err(ApiError::internal)?;
            }
            if let Some(description) = description {
                endpoint.description = description;
            }
            if let Some(payload) = payload {
                endpoint.payload = payload;
            }
            if let Some(enabled) = body.enabled {
                endpoint.enabled = enabled;
                endpoint.disabled_reason = (!enabled).then(|| "disabled by a user".to_owned());
            }
            endpoint.updated_at = now().naive_utc();
            rows::update_endpoint(conn, &endpoint)?;
            Ok(endpoint)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view(updated, false)))
}

#[tracing::instrument(skip_all, fields(webhook_id = %path))]
pub async fn delete(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().to_string();
    state
        .db
        .transaction(move |conn| {
            let endpoint = endpoint_for(conn, &user, &id)?;
            rows::delete_endpoint(conn, &endpoint.id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(skip_all, fields(webhook_id = %path))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().to_string();
    let secret = state
        .db
        .transaction(move |conn| {
            let mut endpoint = endpoint_for(conn, &user, &id)?;
            let at = now();
            endpoint.previous_secret = Some(endpoint.secret.clone());
            endpoint.previous_secret_until =
                Some((at + Duration::hours(ROTATION_OVERLAP_HOURS)).naive_utc());
            endpoint.secret = signing::new_secret();
            endpoint.updated_at = at.naive_utc();
            rows::update_endpoint(conn, &endpoint)?;
            Ok(endpoint.secret)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "secret": secret })))
}
