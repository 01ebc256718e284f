//! Logging: tracing to stdout, text or JSON. Every line inside a request
//! carries its request id (from the root span). Handlers log ids only,
//! never bodies, tokens, passwords or health data.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_env("AFTERCARE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(false))
            .try_init()
    } else {
        registry.with(tracing_subscriber::fmt::layer()).try_init()
    };
    // A second call (as in tests) keeps the first subscriber.
    drop(result);
}
