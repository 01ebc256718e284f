//! Operations: liveness, readiness, metrics and the API description.

use actix_web::http::header::{self, Header};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use prometheus::{Encoder, TextEncoder};
use serde_json::json;

use crate::db;
use crate::db::{alert_queries, audit_chain};
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::Metrics;

pub const OPENAPI: &str = include_str!("../../openapi.yaml");

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// 200 when the database answers, else 503 so load balancers route away.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if db::ping(&state.db).await {
        HttpResponse::Ok().json(json!({"status": "ready"}))
    } else {
        ApiError::Unavailable.error_response()
    }
}

/// Who may scrape: the bearer of `AFTERCARE_METRICS_TOKEN` (compared in
/// constant time); without a token set, nobody (404) unless
/// `AFTERCARE_METRICS_PUBLIC=true`. The counts name rules and levels, which
/// are not for the public.
fn may_scrape(settings: &crate::config::Settings, req: &HttpRequest) -> Result<(), ApiError> {
    use secrecy::ExposeSecret;
    use subtle::ConstantTimeEq;
    let Some(token) = &settings.metrics_token else {
        return if settings.metrics_public {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        };
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::InvalidToken)
    }
}

pub async fn metrics(
    metrics: web::Data<Metrics>,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> HttpResponse {
    if let Err(error) = may_scrape(&state.settings, &req) {
        return error.error_response();
    }
    let pool = state.db.pool().state();
    metrics.pool_connections.set(i64::from(pool.connections));
    metrics.pool_idle.set(i64::from(pool.idle_connections));
    // A database that does not answer leaves the last alert counts as
    // they were; the scrape itself still succeeds.
    if let Ok(counts) = state.db.run(alert_queries::counts).await {
        metrics.alerts.reset();
        for (status, level, count) in counts {
            metrics
                .alerts
                .with_label_values(&[status.as_str(), level.as_str()])
                .set(count);
        }
    }
    if let Ok(Some(head)) = state.db.run(audit_chain::head).await {
        metrics.audit_chain_head.reset();
        metrics
            .audit_chain_head
            .with_label_values(&[head.hash.as_str()])
            .set(head.seq);
    }
    let mut buffer = Vec::new();
    let encoder = TextEncoder::new();
    if let Err(error) = encoder.encode(&metrics.registry.gather(), &mut buffer) {
        return ApiError::internal(error).error_response();
    }
    HttpResponse::Ok()
        .content_type(encoder.format_type())
        .body(buffer)
}

/// This document, as `text/yaml` when the client ranks it above
/// `application/yaml` (some generated clients read only `text/*` as text).
pub async fn openapi(request: HttpRequest) -> HttpResponse {
    let ranked = header::Accept::parse(&request)
        .map(|accept| accept.ranked())
        .unwrap_or_default();
    let text_first = ranked
        .iter()
        .find(|mime| mime.subtype() == "yaml")
        .is_some_and(|mime| mime.type_() == actix_web::mime::TEXT);
    HttpResponse::Ok()
        .content_type(if text_first {
            "text/yaml"
        } else {
            "application/yaml"
        })
        .body(OPENAPI)
}
