//! An endpoint's deliveries as its owner sees them: the list with each
//! delivery's attempts, a ping, and a retry of a delivery now.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::paging::{split_page, Page, PageQuery};
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::webhooks::{self as rows, Attempt, Delivery};
use crate::domain::deliveries::DeliveryStatus;
use crate::error::ApiError;
use crate::state::AppState;
use crate::webhooks::{new_delivery, Event};

use super::endpoint_for;

#[derive(Serialize)]
struct AttemptView {
    attempted_at: DateTime<Utc>,
    status_code: Option<i32>,
    latency_ms: i32,
    error: Option<String>,
}

#[derive(Serialize)]
pub struct DeliveryView {
    id: String,
    event_id: String,
    event_type: String,
    status: DeliveryStatus,
    attempts: i32,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    next_attempt_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
    attempt_history: Vec<AttemptView>,
}

fn delivery_view(d: Delivery, attempts: Vec<Attempt>) -> DeliveryView {
    let waiting = d.status.waiting();
    DeliveryView {
        next_attempt_at: waiting.then(|| utc(d.next_attempt_at)),
        id: d.id,
        event_id: d.event_id,
        event_type: d.event_type,
        status: d.status,
        attempts: d.attempts,
        last_status_code: d.last_status_code,
        last_error: d.last_error,
        created_at: utc(d.created_at),
        delivered_at: d.delivered_at.map(utc),
        attempt_history: attempts
            .into_iter()
            .map(|a| AttemptView {
                attempted_at: utc(a.attempted_at),
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error,
            })
            .collect(),
    }
}

#[tracing::instrument(skip_all, fields(webhook_id = %path))]
pub async fn ping(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner().to_string();
    let delivery = state
        .db
        .transaction(move |conn| {
            let endpoint = endpoint_for(conn, &user, &id)?;
            if !endpoint.enabled {
                return Err(ApiError::WebhookDisabled);
            }
            let at = now();
            let event_id = uuid::Uuid::new_v4().to_string();
            let payload =
                json!({"type": "ping", "timestamp": at, "data": {"webhook_id": endpoint.id}})
                    .to_string();
            let event = Event {
                id: &event_id,
                event_type: "ping",
                patient_id: "",
                payload: &payload,
                clinical_payload: &payload,
            };
            let delivery = new_delivery(&endpoint, &event, at);
            rows::insert_delivery(conn, &delivery)?;
            Ok(delivery)
        })
        .await?;
    state.deliveries.notify();
    Ok(HttpResponse::Accepted().json(delivery_view(delivery, Vec::new())))
}

#[tracing::instrument(skip_all, fields(webhook_id = %path))]
pub async fn deliveries(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    let page = deliveries_page(&state, user, path.into_inner().to_string(), query).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A page of the endpoint's deliveries, newest first, with their attempts.
pub async fn deliveries_page(
    state: &AppState,
    user: AuthUser,
    id: String,
    query: PageQuery,
) -> Result<Page<DeliveryView>, ApiError> {
    let (limit, before) = (query.limit()?, query.after()?);
    state
        .db
        .run(move |conn| {
            let endpoint = endpoint_for(conn, &user, &id)?;
            let rows = rows::list_deliveries(conn, &endpoint.id, before, limit + 1)?;
            let (rows, next_cursor) =
                split_page(rows, limit, |d| query.cursor(d.created_at, &d.id));
            let ids: Vec<String> = rows.iter().map(|d| d.id.clone()).collect();
            let mut attempts: HashMap<String, Vec<Attempt>> = HashMap::new();
            for attempt in rows::attempts_of(conn, &ids)? {
                attempts
                    .entry(attempt.delivery_id.clone())
                    .or_default()
                    .push(attempt);
            }
            Ok(Page {
                items: rows
                    .into_iter()
                    .map(|d| {
                        let history = attempts.remove(&d.id).unwrap_or_default();
                        delivery_view(d, history)
                    })
                    .collect(),
                next_cursor,
            })
        })
        .await
}

#[derive(Deserialize)]
pub struct DeliveryPath {
    webhook_id: uuid::Uuid,
    delivery_id: String,
}

#[tracing::instrument(skip_all, fields(webhook_id = %path.webhook_id))]
pub async fn retry(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<DeliveryPath>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = (path.webhook_id.to_string(), path.delivery_id.clone());
    let delivery = retry_delivery(&state, user, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(delivery))
}

/// Schedules a delivery's next attempt now (a dead one too).
pub async fn retry_delivery(
    state: &AppState,
    user: AuthUser,
    id: String,
    delivery_id: String,
) -> Result<DeliveryView, ApiError> {
    let delivery = state
        .db
        .transaction(move |conn| {
            let endpoint = endpoint_for(conn, &user, &id)?;
            let delivery = rows::find_delivery(conn, &delivery_id)?
                .filter(|d| d.endpoint_id == endpoint.id)
                .ok_or(ApiError::NotFound)?;
            if !endpoint.enabled {
                return Err(ApiError::WebhookDisabled);
            }
            rows::retry_now(conn, &delivery.id, now().naive_utc())?;
            rows::find_delivery(conn, &delivery.id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    state.deliveries.notify();
    Ok(delivery_view(delivery, Vec::new()))
}
