//! Logging: tracing to stdout, text or JSON. Every line inside a request
//! carries its request id (from the root span). Handlers log ids only,
//! never bodies, tokens, passwords or health data.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
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
        registry.with(tracing_subscriber::fmt::layer()).try_init()
    };
    // A second call (as in tests) keeps the first subscriber.
    drop(result);
}

/// The root span of every request, and one line when it ends. Errors are
/// logged by their stable code only: their messages may quote a client's
/// input, and that input may be health data.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        tracing_actix_web::root_span!(
            level = tracing::Level::INFO,
            request,
            error.code = tracing::field::Empty
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
