//! Alert webhooks end to end, with a real receiver on loopback: signed
//! deliveries verified by the Standard Webhooks reference library, retries,
//! 410, dead deliveries retried by hand, the URL policy on save and on
//! send, secret rotation, two dispatchers on one database, and a replica
//! killed mid-delivery.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::receiver::{Answer, Receiver};

/// Loopback receivers allowed, fast retries, short timeouts.
const OPEN: &[(&str, &str)] = &[
    ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
    ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
    ("AFTERCARE_WEBHOOK_RETRY_SCHEDULE", "1,1,1"),
    ("AFTERCARE_WEBHOOK_TIMEOUT_SECONDS", "1"),
    ("AFTERCARE_WEBHOOK_POLL_MS", "100"),
];

const WAIT: Duration = Duration::from_secs(10);

/// OPEN, on a replica that only serves the API (no dispatcher).
fn api_only() -> Vec<(&'static str, &'static str)> {
    let mut settings: Vec<(&str, &str)> = OPEN.to_vec();
    settings.push(("AFTERCARE_WEBHOOK_DISPATCH", "false"));
    settings
}

async fn open_clinic(extra: &[(&str, &str)]) -> Clinic {
    let mut settings: Vec<(&str, &str)> = OPEN.to_vec();
    settings.extend_from_slice(extra);
    Clinic::with(spawn_app_with(&settings).await, 30, "Asia/Tokyo", "ja").await
}

/// Registers an endpoint as `token`; returns (id, secret).
async fn register(app: &TestApp, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let reply = app
        .post(
            "/v1/webhooks",
            Some(token),
            json!({"url": url, "events": events, "description": "pager"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    (
        reply.body["id"].as_str().unwrap().to_owned(),
        reply.body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn deliveries(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/v1/webhooks/{id}/deliveries"), token)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["items"].as_array().unwrap().clone()
}

/// Waits until the endpoint's newest delivery has this status.
async fn settled(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let items = deliveries(app, token, id).await;
        if items.first().is_some_and(|d| d["status"] == status)
            || std::time::Instant::now() > deadline
        {
            return items.first().cloned().unwrap_or(Value::Null);
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn only_an_endpoint_that_asked_for_clinical_bodies_gets_the_rule() {
    let clinic = open_clinic(&[]).await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let receiver = Receiver::start("127.0.0.1", vec![]);
    let created = app
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": receiver.url, "events": ["alert.created", "alert.acknowledged"], "payload": "clinical"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["payload"], "clinical");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let alert = clinic.urgent_alert(25).await;
    let seen = receiver.wait_for(1, WAIT).await;
    assert_eq!(seen[0].json()["data"]["rule"], "severe_symptom");
    // Back to minimal by PATCH: the next event has no rule.
    let patched = app
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/webhooks/{id}"),
            Some(&admin),
            Some(json!({"payload": "minimal"})),
        )
        .await;
    assert_eq!(patched.body["payload"], "minimal");
    app.post(
        &format!("/v1/alerts/{alert}/acknowledge"),
        Some(&clinic.physician),
        json!({}),
    )
    .await;
    let seen = receiver.wait_for(2, WAIT).await;
    assert!(seen[1].json()["data"].get("rule").is_none());
    // Anything else is refused, and so are multi-line descriptions and
    // endless URLs; nothing changes.
    for body in [
        json!({"payload": "full"}),
        json!({"description": "pager\r\nX-Injected: yes"}),
        json!({"url": format!("https://hooks.example/{}", "a".repeat(3000))}),
    ] {
        let refused = app
            .call(
                reqwest::Method::PATCH,
                &format!("/v1/webhooks/{id}"),
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        assert_eq!(refused.status, 422, "{body}: {:?}", refused.body);
    }
    let read = app.get(&format!("/v1/webhooks/{id}"), &admin).await;
    assert_eq!(read.body["payload"], "minimal");
    assert!(read.body["description"].is_null());
}

#[actix_web::test]
async fn alerts_reach_the_receivers_that_may_see_them_signed_and_thin() {
    let clinic = open_clinic(&[]).await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let clinic_wide = Receiver::start("127.0.0.1", vec![]);
    let (id, secret) = register(
        app,
        &admin,
        &clinic_wide.url,
        &["alert.created", "alert.acknowledged"],
    )
    .await;
    assert!(secret.starts_with("whsec_"));
    let read = app.get(&format!("/v1/webhooks/{id}"), &admin).await;
    assert!(read.body.get("secret").is_none());
    assert_eq!(read.body["scope"], "clinic");
    assert_eq!(read.body["payload"], "minimal");
    let listed = app.get("/v1/webhooks", &admin).await;
    assert!(!listed.body.to_string().contains(&secret));

    let own = Receiver::start("127.0.0.1", vec![]);
    let (own_id, own_secret) = register(app, &clinic.physician, &own.url, &["alert.created"]).await;
    let (_, stranger) = app.physician("Dr Other").await;
    let theirs = Receiver::start("127.0.0.1", vec![]);
    let (their_id, _) = register(app, &stranger, &theirs.url, &["alert.created"]).await;

    let alert = clinic.urgent_alert(25).await;
    let seen = clinic_wide.wait_for(1, WAIT).await;
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert!(request.verifies_with(&secret), "signature does not verify");
    assert!(!request.verifies_with(&own_secret));
    assert_eq!(request.header("content-type"), "application/json");
    let body = request.json();
    assert_eq!(body["type"], "alert.created");
    assert_eq!(body["data"]["alert_id"], alert.as_str());
    assert_eq!(body["data"]["level"], "urgent");
    // Minimal by default: nothing says what the finding was.
    let keys: Vec<&String> = body["data"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec!["alert_id", "level", "patient_id", "status", "treatment_id"]
    );
    let text = String::from_utf8_lossy(&request.body);
    for health in ["headache", "Tanaka", "symptoms", "reasons"] {
        assert!(!text.contains(health), "{health} in a webhook body");
    }
    let mine = own.wait_for(1, WAIT).await;
    assert!(mine[0].verifies_with(&own_secret));
    assert!(mine[0].json()["data"].get("rule").is_none());

    app.post(
        &format!("/v1/alerts/{alert}/acknowledge"),
        Some(&clinic.physician),
        json!({}),
    )
    .await;
    let seen = clinic_wide.wait_for(2, WAIT).await;
    assert_eq!(seen[1].json()["type"], "alert.acknowledged");
    assert_ne!(seen[0].header("webhook-id"), seen[1].header("webhook-id"));
    // Deliveries are created with the event, in its transaction: what an
    // endpoint has none of, it will never be sent.
    assert_eq!(
        deliveries(app, &clinic.physician, &own_id).await.len(),
        1,
        "not subscribed to acknowledgements"
    );
    assert!(
        deliveries(app, &stranger, &their_id).await.is_empty(),
        "another physician's endpoint got the alert"
    );
    assert_eq!(own.seen().len(), 1);
    assert!(theirs.seen().is_empty());

    let items = deliveries(app, &admin, &id).await;
    assert_eq!(items.len(), 2);
    for item in &items {
        assert_eq!(item["status"], "delivered");
        assert_eq!(item["attempts"], 1);
        assert_eq!(item["attempt_history"][0]["status_code"], 200);
        assert!(item["next_attempt_at"].is_null());
    }
}

#[actix_web::test]
async fn failures_are_retried_on_the_schedule_with_the_same_id() {
    let clinic = open_clinic(&[("AFTERCARE_WEBHOOK_RETRY_SCHEDULE", "1,1,1,1")]).await;
    let admin = clinic.app.admin_token().await;
    let receiver = Receiver::start(
        "127.0.0.1",
        vec![
            Answer::status(500),
            Answer {
                retry_after: Some(1),
                ..Answer::status(503)
            },
            Answer {
                delay: Duration::from_secs(3),
                ..Answer::status(200)
            },
        ],
    );
    let (id, secret) = register(&clinic.app, &admin, &receiver.url, &["alert.created"]).await;
    clinic.urgent_alert(25).await;
    let delivery = settled(&clinic.app, &admin, &id, "delivered").await;
    assert_eq!(delivery["status"], "delivered", "{delivery:#}");
    assert_eq!(delivery["attempts"], 4);
    let codes: Vec<Value> = delivery["attempt_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(codes, vec![json!(500), json!(503), Value::Null, json!(200)]);
    assert!(delivery["attempt_history"][2]["error"]
        .as_str()
        .unwrap()
        .contains("in time"));
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    assert!(seen
        .iter()
        .all(|r| r.header("webhook-id") == seen[0].header("webhook-id")));
    assert!(seen.iter().all(|r| r.verifies_with(&secret)));
    // Each retry waited about a second (10% jitter), not less.
    for pair in seen.windows(2).take(2) {
        let gap = (pair[1].at - pair[0].at).num_milliseconds();
        assert!(gap >= 850, "retried after {gap} ms");
    }
}

#[actix_web::test]
async fn gone_disables_the_endpoint_and_a_dead_delivery_can_be_retried_by_hand() {
    let clinic = open_clinic(&[("AFTERCARE_WEBHOOK_RETRY_SCHEDULE", "1")]).await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let gone = Receiver::start("127.0.0.1", vec![Answer::status(410)]);
    let (gone_id, _) = register(
        app,
        &admin,
        &gone.url,
        &["alert.created", "alert.acknowledged"],
    )
    .await;
    let failing = Receiver::start("127.0.0.1", vec![Answer::status(500), Answer::status(502)]);
    let (failing_id, _) = register(app, &admin, &failing.url, &["alert.created"]).await;
    let alert = clinic.urgent_alert(25).await;

    let dead = settled(app, &admin, &gone_id, "dead").await;
    assert_eq!(dead["attempts"], 1);
    assert_eq!(dead["last_status_code"], 410);
    let endpoint = app.get(&format!("/v1/webhooks/{gone_id}"), &admin).await;
    assert_eq!(endpoint.body["enabled"], false);
    assert!(endpoint.body["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("410"));
    // Nothing more goes to a disabled endpoint.
    app.post(
        &format!("/v1/alerts/{alert}/acknowledge"),
        Some(&clinic.physician),
        json!({}),
    )
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gone.seen().len(), 1);
    let ping = app
        .post(
            &format!("/v1/webhooks/{gone_id}/ping"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(ping.status, 409);
    assert_eq!(ping.code(), "webhook_disabled");

    // Two failures spend a one-retry schedule: dead, then retried by hand.
    let spent = settled(app, &admin, &failing_id, "dead").await;
    assert_eq!(spent["attempts"], 2);
    assert!(spent["next_attempt_at"].is_null());
    let delivery = spent["id"].as_str().unwrap();
    let retry = app
        .post(
            &format!("/v1/webhooks/{failing_id}/deliveries/{delivery}/retry"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(retry.status, 202, "{:?}", retry.body);
    let delivered = settled(app, &admin, &failing_id, "delivered").await;
    assert_eq!(delivered["attempts"], 3);
    assert_eq!(failing.seen().len(), 3);

    // Enabled again, the endpoint takes new events.
    let enabled = app
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/webhooks/{gone_id}"),
            Some(&admin),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(enabled.body["enabled"], true);
    assert!(enabled.body["disabled_reason"].is_null());
    let ping = app
        .post(
            &format!("/v1/webhooks/{gone_id}/ping"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(ping.status, 202);
    let seen = gone.wait_for(2, WAIT).await;
    assert_eq!(seen[1].json()["type"], "ping");
}

#[actix_web::test]
async fn receivers_must_be_public_https_on_save_and_on_send() {
    let strict = spawn_app().await;
    let admin = strict.admin_token().await;
    for url in [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://[::1]/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest",
        "https://localhost:8443/x",
        "ftp://hooks.example.com/x",
        "https://hooks.invalid/x",
    ] {
        let reply = strict
            .post(
                "/v1/webhooks",
                Some(&admin),
                json!({"url": url, "events": ["ping"]}),
            )
            .await;
        assert_eq!(reply.status, 422, "{url}: {:?}", reply.body);
        assert_eq!(reply.code(), "webhook_url_not_allowed", "{url}");
    }
    let bad = strict
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": "https://hooks.example.com/x", "events": ["alert.deleted"]}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body["errors"]["events"].is_array());
    let http_only = spawn_app_with(&[("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true")]).await;
    let admin = http_only.admin_token().await;
    let reply = http_only
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": "http://localhost:9/x", "events": ["ping"]}),
        )
        .await;
    assert_eq!(reply.code(), "webhook_url_not_allowed");

    // Saved while loopback was allowed, then sent by a replica that does not
    // allow it: checked again at send time, by name and by address.
    let clinic = Clinic::with(spawn_app_with(&api_only()).await, 30, "Asia/Tokyo", "ja").await;
    let admin = clinic.app.admin_token().await;
    let by_name = Receiver::start("localhost", vec![]);
    let by_address = Receiver::start("127.0.0.1", vec![]);
    let (name_id, _) = register(&clinic.app, &admin, &by_name.url, &["alert.created"]).await;
    let (address_id, _) = register(&clinic.app, &admin, &by_address.url, &["alert.created"]).await;
    let _sender = clinic
        .app
        .replica(&[
            ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
            ("AFTERCARE_WEBHOOK_RETRY_SCHEDULE", "60"),
            ("AFTERCARE_WEBHOOK_POLL_MS", "100"),
        ])
        .await;
    clinic.urgent_alert(25).await;
    for id in [&name_id, &address_id] {
        let failed = settled(&clinic.app, &admin, id, "failed").await;
        assert_eq!(failed["status"], "failed", "{failed:#}");
        assert!(failed["attempt_history"][0]["status_code"].is_null());
        assert!(failed["last_error"].is_string());
    }
    assert!(by_name.seen().is_empty() && by_address.seen().is_empty());
}

#[actix_web::test]
async fn after_a_rotation_both_secrets_sign_for_a_day() {
    let clinic = open_clinic(&[]).await;
    let app = &clinic.app;
    let (_, doctor_endpoint) = (0, &clinic.physician);
    let receiver = Receiver::start("127.0.0.1", vec![]);
    let (id, old) = register(app, doctor_endpoint, &receiver.url, &["ping"]).await;
    let rotated = app
        .post(
            &format!("/v1/webhooks/{id}/rotate-secret"),
            Some(doctor_endpoint),
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let ping = app
        .post(
            &format!("/v1/webhooks/{id}/ping"),
            Some(doctor_endpoint),
            json!({}),
        )
        .await;
    assert_eq!(ping.status, 202);
    let seen = receiver.wait_for(1, WAIT).await;
    assert_eq!(seen[0].header("webhook-signature").split(' ').count(), 2);
    assert!(seen[0].verifies_with(&new));
    assert!(seen[0].verifies_with(&old));
    assert!(!seen[0].verifies_with(&aftercare::webhooks::signing::new_secret()));
    // A day later only the new secret signs.
    app.execute(&format!("UPDATE webhook_endpoints SET previous_secret_until = '2000-01-01 00:00:00' WHERE id = '{id}'"));
    app.post(
        &format!("/v1/webhooks/{id}/ping"),
        Some(doctor_endpoint),
        json!({}),
    )
    .await;
    let seen = receiver.wait_for(2, WAIT).await;
    assert_eq!(seen[1].header("webhook-signature").split(' ').count(), 1);
    assert!(seen[1].verifies_with(&new) && !seen[1].verifies_with(&old));
}

#[actix_web::test]
async fn endpoints_belong_to_their_owner() {
    let clinic = open_clinic(&[]).await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let receiver = Receiver::start("127.0.0.1", vec![]);
    let (clinic_id, _) = register(app, &admin, &receiver.url, &["ping"]).await;
    let (own_id, _) = register(app, &clinic.physician, &receiver.url, &["ping"]).await;
    let patient = app
        .post(
            "/v1/webhooks",
            Some(&clinic.patient),
            json!({"url": receiver.url, "events": ["ping"]}),
        )
        .await;
    assert_eq!(patient.status, 403);
    assert_eq!(app.get("/v1/webhooks", &clinic.patient).await.status, 403);
    assert_eq!(
        app.get(&format!("/v1/webhooks/{clinic_id}"), &clinic.physician)
            .await
            .status,
        404
    );
    let (_, stranger) = app.physician("Dr Other").await;
    for (method, path) in [
        (reqwest::Method::GET, format!("/v1/webhooks/{own_id}")),
        (reqwest::Method::DELETE, format!("/v1/webhooks/{own_id}")),
        (
            reqwest::Method::POST,
            format!("/v1/webhooks/{own_id}/rotate-secret"),
        ),
        (reqwest::Method::POST, format!("/v1/webhooks/{own_id}/ping")),
        (
            reqwest::Method::GET,
            format!("/v1/webhooks/{own_id}/deliveries"),
        ),
    ] {
        let body = (method == reqwest::Method::POST).then(|| json!({}));
        assert_eq!(
            app.call(method.clone(), &path, Some(&stranger), body)
                .await
                .status,
            404,
            "{method} {path}"
        );
    }
    // A change of URL meets the same policy as a new endpoint, and a refused
    // change keeps the endpoint as it was.
    let refused = app
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/webhooks/{own_id}"),
            Some(&clinic.physician),
            Some(json!({"url": "ftp://hooks.example.com/x", "events": ["alert.created"]})),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.code(), "webhook_url_not_allowed");
    let kept = app
        .get(&format!("/v1/webhooks/{own_id}"), &clinic.physician)
        .await;
    assert_eq!(kept.body["url"], receiver.url.as_str());
    assert_eq!(kept.body["events"], json!(["ping"]));
    let mine = app.get("/v1/webhooks", &clinic.physician).await;
    let ids: Vec<&str> = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![own_id.as_str()]);
    assert_eq!(
        app.get("/v1/webhooks", &admin).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let deleted = app
        .call(
            reqwest::Method::DELETE,
            &format!("/v1/webhooks/{own_id}"),
            Some(&clinic.physician),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        app.get(&format!("/v1/webhooks/{own_id}"), &clinic.physician)
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn two_dispatchers_on_one_database_deliver_each_event_once() {
    let clinic = open_clinic(&[]).await;
    let _second = clinic.app.replica(OPEN).await;
    let admin = clinic.app.admin_token().await;
    let slow: Vec<Answer> = (0..40)
        .map(|_| Answer {
            delay: Duration::from_millis(100),
            ..Answer::status(200)
        })
        .collect();
    let receiver = Receiver::start("127.0.0.1", slow);
    let (id, _) = register(
        &clinic.app,
        &admin,
        &receiver.url,
        &["alert.created", "ping"],
    )
    .await;
    let events = 12;
    for _ in 0..events {
        let reply = clinic
            .app
            .post(&format!("/v1/webhooks/{id}/ping"), Some(&admin), json!({}))
            .await;
        assert_eq!(reply.status, 202);
    }
    let seen = receiver.wait_for(events, WAIT).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let seen_after = receiver.seen();
    assert_eq!(seen.len(), events);
    assert_eq!(seen_after.len(), events, "a delivery was sent twice");
    let mut ids: Vec<&str> = seen_after.iter().map(|r| r.header("webhook-id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), events);
    assert_eq!(
        clinic
            .app
            .count("SELECT COUNT(*) AS n FROM webhook_attempts"),
        i64::try_from(events).unwrap()
    );
}

const BIN: &str = env!("CARGO_BIN_EXE_aftercare");

/// The service binary as a dispatcher on the test's database.
fn dispatcher_process(database: &str) -> std::process::Child {
    std::process::Command::new(BIN)
        .env("DATABASE_URL", database)
        .env("AFTERCARE_BIND", "127.0.0.1:0")
        .env("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true")
        .env("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("AFTERCARE_WEBHOOK_RETRY_SCHEDULE", "1,1,1")
        .env("AFTERCARE_WEBHOOK_LEASE_SECONDS", "2")
        .env("AFTERCARE_WEBHOOK_POLL_MS", "100")
        .env("AFTERCARE_WEBHOOK_TIMEOUT_SECONDS", "60")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[actix_web::test]
async fn a_replica_killed_mid_delivery_loses_nothing_and_leaves_nothing_leased() {
    let clinic = Clinic::with(spawn_app_with(&api_only()).await, 30, "Asia/Tokyo", "ja").await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(
        "127.0.0.1",
        vec![
            Answer::status(500),
            Answer {
                delay: Duration::from_secs(30),
                ..Answer::status(200)
            },
        ],
    );
    let (id, secret) = register(app, &admin, &receiver.url, &["alert.created"]).await;
    clinic.urgent_alert(25).await;

    let mut first = dispatcher_process(&app.database_url());
    // The second attempt is on the wire when the replica dies (SIGKILL).
    let seen = receiver.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(
        seen.len(),
        2,
        "the first replica did not get to its second attempt"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE lease_owner IS NOT NULL"),
        1
    );

    // Another replica takes the delivery over once the lease expires.
    let mut second = dispatcher_process(&app.database_url());
    let delivered = settled(app, &admin, &id, "delivered").await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(delivered["status"], "delivered", "{delivered:#}");
    let seen = receiver.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen
        .iter()
        .all(|r| r.header("webhook-id") == seen[0].header("webhook-id")));
    assert!(seen.iter().all(|r| r.verifies_with(&secret)));
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE lease_owner IS NOT NULL"),
        0
    );
}

#[actix_web::test]
async fn a_graceful_stop_finishes_the_delivery_in_flight() {
    let clinic = Clinic::with(spawn_app_with(&api_only()).await, 30, "Asia/Tokyo", "ja").await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let receiver = Receiver::start(
        "127.0.0.1",
        vec![Answer {
            delay: Duration::from_millis(800),
            ..Answer::status(200)
        }],
    );
    let (id, _) = register(app, &admin, &receiver.url, &["alert.created"]).await;
    clinic.urgent_alert(25).await;

    let mut env: std::collections::HashMap<String, String> = OPEN
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    env.insert("DATABASE_URL".into(), app.database_url());
    env.insert("AFTERCARE_BIND".into(), "127.0.0.1:0".into());
    let settings = aftercare::config::Settings::from_source(&env).unwrap();
    let replica = aftercare::Application::build(settings).await.unwrap();
    let handle = replica.handle();
    let running = actix_web::rt::spawn(replica.run_until_stopped());
    assert_eq!(receiver.wait_for(1, WAIT).await.len(), 1);
    // Stopped while the receiver is still answering.
    handle.stop(true).await;
    running.await.unwrap().unwrap();
    let items = deliveries(app, &admin, &id).await;
    assert_eq!(items[0]["status"], "delivered");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE lease_owner IS NOT NULL"),
        0
    );
}
