//! Logging: tracing to stdout, text or JSON. Every line inside a request
//! carries its request id (from the root span). Handlers log ids only,
//! never bodies, tokens, passwords or health data.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    use std::io::IsTerminal;
    let filter =
        EnvFilter::try_from_env("AFTERCARE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init()
    } else {
        // Colours only for a person at a terminal, not for a log file.
        registry
            .with(tracing_subscriber::fmt::layer().with_ansi(std::io::stdout().is_terminal()))
            .try_init()
    };
    // A second call (as in tests) keeps the first subscriber.
    drop(result);
}

/// The root span of every request, and one line when it ends. Errors are
/// logged by their stable code only: their messages may quote a client's
/// input, and that input may be health data.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    /// The route, the path without its query, and the client address as
    /// the throttling sees it (a client-written `X-Forwarded-For` is not
    /// believed unless a trusted proxy sent it).
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let client_ip = request
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .and_then(|state| state.client_address(request.request()))
            .map(|address| address.to_string())
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %request.path(),
            http.client_ip = %client_ip,
            http.status_code = tracing::field::Empty,
            otel.name = %format!("{} {route}", request.method()),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            error.code = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        let code = error.map(|error| {
            error
                .as_error::<crate::error::ApiError>()
                .map_or("http_error", crate::error::ApiError::code)
        });
        span.record("http.status_code", status.as_u16());
        span.record(
            "otel.status_code",
            if status.is_server_error() {
                "ERROR"
            } else {
                "OK"
            },
        );
        if let Some(code) = code {
            span.record("error.code", code);
        }
        span.in_scope(|| {
            if status.is_server_error() {
                tracing::error!(status = status.as_u16(), code, "request failed");
            } else {
                tracing::info!(status = status.as_u16(), code, "request finished");
            }
        });
    }
}

/// The Prometheus registry and the service's own metrics, beside the HTTP
/// request counts and latencies per route that actix-web-prom records.
pub struct Metrics {
    pub registry: prometheus::Registry,
    pub pool_connections: prometheus::IntGauge,
    pub pool_idle: prometheus::IntGauge,
    /// Check-ins recorded, by triage level.
    pub checkins: prometheus::IntCounterVec,
    /// Findings, by rule and level.
    pub findings: prometheus::IntCounterVec,
    /// Webhook attempts, by what became of the delivery.
    pub webhook_attempts: prometheus::IntCounterVec,
    pub reminder_attempts: prometheus::IntCounterVec,
    /// Alerts by status and level, read from the database at each scrape.
    pub alerts: prometheus::IntGaugeVec,
    /// The audit chain's newest seal: its seq, labelled with its hash, so
    /// that every scrape keeps a copy of the head outside the service.
    pub audit_chain_head: prometheus::IntGaugeVec,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        use prometheus::{IntCounterVec, IntGauge, IntGaugeVec, Opts};
        let registry = prometheus::Registry::new();
        let pool_connections = IntGauge::new(
            "aftercare_db_pool_connections",
            "Open database connections in the pool",
        )?;
        let pool_idle = IntGauge::new(
            "aftercare_db_pool_idle_connections",
            "Idle database connections in the pool",
        )?;
        let checkins = IntCounterVec::new(
            Opts::new(
                "aftercare_checkins_total",
                "Check-ins recorded, by triage level",
            ),
            &["level"],
        )?;
        let findings = IntCounterVec::new(
            Opts::new(
                "aftercare_findings_total",
                "Triage findings, by rule and level",
            ),
            &["rule", "level"],
        )?;
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "aftercare_webhook_attempts_total",
                "Webhook delivery attempts, by outcome (delivered, failed, dead)",
            ),
            &["outcome"],
        )?;
        let reminder_attempts = IntCounterVec::new(
            Opts::new(
                "aftercare_reminder_attempts_total",
                "Reminder attempts, by channel and outcome (sent, failed, skipped, expired, dead)",
            ),
            &["channel", "outcome"],
        )?;
        let alerts = IntGaugeVec::new(
            Opts::new("aftercare_alerts", "Alerts by status and level"),
            &["status", "level"],
        )?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(checkins.clone()))?;
        registry.register(Box::new(findings.clone()))?;
        registry.register(Box::new(webhook_attempts.clone()))?;
        registry.register(Box::new(reminder_attempts.clone()))?;
        let audit_chain_head = IntGaugeVec::new(
            Opts::new(
                "aftercare_audit_chain_head",
                "The seq of the audit chain's newest seal, labelled with its hash",
            ),
            &["hash"],
        )?;
        registry.register(Box::new(alerts.clone()))?;
        registry.register(Box::new(audit_chain_head.clone()))?;
        Ok(Self {
            registry,
            pool_connections,
            pool_idle,
            checkins,
            findings,
            webhook_attempts,
            reminder_attempts,
            alerts,
            audit_chain_head,
        })
    }

    /// Counts a recorded check-in from its answer.
    pub fn count_checkin(&self, level: &str, findings: &[(&str, &str)]) {
        self.checkins.with_label_values(&[level]).inc();
        for (rule, level) in findings {
            self.findings.with_label_values(&[*rule, *level]).inc();
        }
    }
}
