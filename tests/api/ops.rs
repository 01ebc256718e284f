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
    let metrics = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(metrics.status, 200);
    let text = metrics.body.as_str().unwrap();
    assert!(
        text.contains("aftercare_http_requests_total{endpoint=\"/healthz\""),
        "{text}"
    );
    assert!(text.contains("aftercare_db_pool_connections"));
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
