use reqwest::Method;

use crate::helpers::*;

#[actix_web::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    let health = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (health.status, health.body["status"].as_str()),
        (200, Some("ok"))
    );
    let ready = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, 200);
    for header in [
        "x-request-id",
        "x-content-type-options",
        "x-frame-options",
        "content-security-policy",
    ] {
        assert!(health.header(header).is_some(), "{header}");
    }
    // No token set: nobody scrapes.
    let metrics = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(metrics.status, 404);
    assert_eq!(metrics.body["code"], "not_found");
}

const METRICS_TOKEN: &str = "scrape-token-0123456789";

#[actix_web::test]
async fn metrics_need_the_token_unless_declared_public() {
    let app = spawn_app_with(&[("AFTERCARE_METRICS_TOKEN", METRICS_TOKEN)]).await;
    for token in [None, Some("scrape-token-0123456788"), Some("")] {
        let refused = app.call(Method::GET, "/metrics", token, None).await;
        assert_eq!(refused.status, 401, "{token:?}");
        assert_eq!(refused.body["code"], "invalid_token");
        assert!(!refused.body.to_string().contains("aftercare_"));
    }
    let metrics = app
        .call(Method::GET, "/metrics", Some(METRICS_TOKEN), None)
        .await;
    assert_eq!(metrics.status, 200);
    let text = metrics.body.as_str().unwrap();
    assert!(
        text.contains("aftercare_http_requests_total{endpoint=\"/metrics\""),
        "{text}"
    );
    assert!(text.contains("aftercare_db_pool_connections"));
    let public = spawn_app_with(&[("AFTERCARE_METRICS_PUBLIC", "true")]).await;
    let open = public.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(open.status, 200);
}

#[actix_web::test]
async fn the_service_describes_itself() {
    let app = spawn_app().await;
    let reply = app.call(Method::GET, "/openapi.yaml", None, None).await;
    assert_eq!(reply.status, 200);
    let served = reply.body.as_str().unwrap();
    assert_eq!(
        served,
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap()
    );
}

#[actix_web::test]
async fn metrics_count_triage_alerts_and_webhook_attempts() {
    let clinic = Clinic::with(
        spawn_app_with(&[
            ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
            ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("AFTERCARE_WEBHOOK_POLL_MS", "100"),
            ("AFTERCARE_METRICS_TOKEN", METRICS_TOKEN),
        ])
        .await,
        30,
        "Asia/Tokyo",
        "ja",
    )
    .await;
    let receiver = crate::receiver::Receiver::start("127.0.0.1", vec![]);
    let admin = clinic.app.admin_token().await;
    clinic
        .app
        .post(
            "/v1/webhooks",
            Some(&admin),
            serde_json::json!({"url": receiver.url, "events": ["alert.created"]}),
        )
        .await;
    clinic
        .report(25, serde_json::json!({"symptoms": {"headache": 4}}))
        .await;
    clinic
        .report(26, serde_json::json!({"symptoms": {"redness": 1}}))
        .await;
    receiver
        .wait_for(1, std::time::Duration::from_secs(10))
        .await;
    // The attempt is counted as it is recorded, just after the receiver answered.
    let mut text = String::new();
    for _ in 0..50 {
        let metrics = clinic
            .app
            .call(Method::GET, "/metrics", Some(METRICS_TOKEN), None)
            .await;
        text = metrics.body.as_str().unwrap().to_owned();
        if text.contains("aftercare_webhook_attempts_total{outcome=\"delivered\"} 1") {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for expected in [
        "aftercare_checkins_total{level=\"urgent\"} 1",
        "aftercare_checkins_total{level=\"none\"} 1",
        "aftercare_findings_total{level=\"urgent\",rule=\"severe_symptom\"} 1",
        "aftercare_alerts{level=\"urgent\",status=\"open\"} 1",
        "aftercare_webhook_attempts_total{outcome=\"delivered\"} 1",
        "aftercare_http_requests_duration_seconds_bucket{endpoint=\"/v1/treatments/{treatment_id}/checkins\"",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
}

#[actix_web::test]
async fn cors_is_off_by_default_and_follows_the_allowed_origins() {
    let preflight = |app: &TestApp, origin: &str| {
        app.client
            .request(Method::OPTIONS, format!("{}/v1/me", app.address))
            .header("origin", origin.to_owned())
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
    };
    let closed = spawn_app().await;
    let reply = closed
        .send(preflight(&closed, "https://app.example.com"))
        .await;
    assert!(reply.header("access-control-allow-origin").is_none());
    let simple = closed
        .send(
            closed
                .client
                .get(format!("{}/healthz", closed.address))
                .header("origin", "https://app.example.com"),
        )
        .await;
    assert!(simple.header("access-control-allow-origin").is_none());

    let open = spawn_app_with(&[(
        "AFTERCARE_CORS_ALLOWED_ORIGINS",
        "https://app.example.com, https://dash.example.com",
    )])
    .await;
    let allowed = open
        .send(preflight(&open, "https://dash.example.com"))
        .await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://dash.example.com")
    );
    assert!(allowed
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase()
        .contains("authorization"));
    let other = open
        .send(preflight(&open, "https://evil.example.com"))
        .await;
    assert!(other.header("access-control-allow-origin").is_none());
    assert!(other.status >= 400);
    // Security headers on every answer, errors included.
    let missing = open
        .send(open.client.get(format!("{}/nowhere", open.address)))
        .await;
    for header in [
        "x-content-type-options",
        "x-frame-options",
        "content-security-policy",
        "referrer-policy",
        "cache-control",
    ] {
        assert!(
            missing.header(header).is_some(),
            "{header} missing on a 404"
        );
    }
}
