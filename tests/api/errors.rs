//! Every error, actix's own included, is a problem+json with a code.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

fn assert_problem(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.code(), code);
    assert_eq!(reply.body["status"], status);
    for member in ["type", "title", "detail"] {
        assert!(reply.body[member].is_string(), "{member}");
    }
}

#[actix_web::test]
async fn malformed_bodies_are_4xx_problems() {
    let app = spawn_app().await;
    let url = format!("{}/v1/auth/login", app.address);
    let raw = |body: &'static str, content_type: &'static str| {
        app.client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
    };
    assert_problem(
        &app.send(raw("{\"email\": ", "application/json")).await,
        400,
        "malformed_json",
    );
    assert_problem(
        &app.send(raw(
            "{\"email\": \"a@b.c\", \"password\": 5}",
            "application/json",
        ))
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &app.send(raw("[1, 2]", "application/json")).await,
        422,
        "validation_failed",
    );
    assert_problem(
        &app.send(raw("email=a", "application/x-www-form-urlencoded"))
            .await,
        415,
        "unsupported_media_type",
    );
    assert_problem(
        &app.send(app.client.post(&url).body("{}")).await,
        415,
        "unsupported_media_type",
    );
    let json = |body: String| {
        app.client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
    };
    let nested = format!(
        r#"{{"email": "a@b.c", "password": "x", "extra": {}}}"#,
        "[".repeat(10_000)
    );
    assert_problem(&app.send(json(nested)).await, 400, "malformed_json");
    assert_problem(
        &app.send(json("[".repeat(10_000))).await,
        422,
        "validation_failed",
    );
}

#[actix_web::test]
async fn bodies_over_64_kib_are_413() {
    let app = spawn_app().await;
    let big = json!({"email": "a@b.c", "password": "x".repeat(70 * 1024)});
    let reply = app
        .call(Method::POST, "/v1/auth/login", None, Some(big))
        .await;
    assert_problem(&reply, 413, "payload_too_large");
    // Without a declared length, the limit holds while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(b"{\"email\":\"".to_vec()),
        Ok(vec![b'a'; 70 * 1024]),
        Ok(b"\"}".to_vec()),
    ];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let reply = app
        .send(
            app.client
                .post(format!("{}/v1/auth/login", app.address))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
    assert_problem(&reply, 413, "payload_too_large");
}

#[actix_web::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    let reply = app
        .send(app.client.get(format!("{}/v1/nothing-here", app.address)))
        .await;
    assert_problem(&reply, 404, "not_found");
    let reply = app
        .send(app.client.delete(format!("{}/v1/auth/login", app.address)))
        .await;
    assert_problem(&reply, 405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("POST"));
    let reply = app
        .send(app.client.put(format!("{}/v1/me", app.address)))
        .await;
    assert_eq!(reply.header("allow"), Some("GET, PATCH"));
}

#[actix_web::test]
async fn field_errors_name_every_bad_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let reply = app
        .post(
            "/v1/patients",
            Some(&admin),
            json!({"display_name": 42, "timezone": "Asia/Tokyo", "locale": "ja"}),
        )
        .await;
    assert_problem(&reply, 422, "validation_failed");
    assert!(reply.body["errors"]["display_name"][0]
        .as_str()
        .unwrap()
        .contains("invalid type"));
    let reply = app
        .post(
            "/v1/patients",
            Some(&admin),
            json!({"display_name": "A\u{0}B", "timezone": "Asia/Tokyo", "locale": "ja"}),
        )
        .await;
    assert_problem(&reply, 422, "validation_failed");
}

#[actix_web::test]
async fn an_exhausted_pool_answers_503_with_retry_after() {
    let app = spawn_app_with(&[
        ("AFTERCARE_DB_POOL_SIZE", "1"),
        ("AFTERCARE_DB_CHECKOUT_TIMEOUT_MS", "300"),
    ])
    .await;
    let token = app.admin_token().await;
    // Hold a write lock elsewhere so that one request keeps the only
    // pooled connection busy.
    let mut locker = app.connection();
    use diesel::connection::SimpleConnection;
    match &app.database {
        aftercare::config::DatabaseUrl::Sqlite(_) => locker
            .batch_execute("BEGIN IMMEDIATE; UPDATE users SET display_name = display_name;")
            .unwrap(),
        aftercare::config::DatabaseUrl::Postgres(_) => locker
            .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE;")
            .unwrap(),
    }
    let slow = {
        let client = app.client.clone();
        let url = format!("{}/v1/me", app.address);
        let token = token.clone();
        actix_web::rt::spawn(async move {
            client
                .patch(url)
                .bearer_auth(token)
                .json(&json!({"display_name": "Admin"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let reply = match &app.database {
        // SQLite's writer has a connection of its own: readers are not
        // held up by it, and the next writer waits for its turn.
        aftercare::config::DatabaseUrl::Sqlite(_) => {
            assert_eq!(app.get("/v1/me", &token).await.status, 200);
            let started = std::time::Instant::now();
            let reply = app
                .call(
                    Method::PATCH,
                    "/v1/me",
                    Some(&token),
                    Some(json!({"display_name": "Admin too"})),
                )
                .await;
            assert!(started.elapsed() >= std::time::Duration::from_millis(250));
            reply
        }
        aftercare::config::DatabaseUrl::Postgres(_) => app.get("/v1/me", &token).await,
    };
    assert_problem(&reply, 503, "service_unavailable");
    assert!(reply.header("retry-after").is_some());
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    locker.batch_execute("COMMIT;").unwrap();
    assert_eq!(slow.await.unwrap().unwrap(), 200);
    assert_eq!(app.get("/v1/me", &token).await.status, 200);
}

#[actix_web::test]
async fn a_locked_sqlite_database_answers_503_and_loses_nothing() {
    if postgres_url().is_some() {
        // PostgreSQL has no database-wide write lock; writers wait on rows.
        return;
    }
    use diesel::RunQueryDsl;
    let clinic = Clinic::new(30).await;
    // A long writer elsewhere holds SQLite's write lock past busy_timeout.
    let mut blocker = clinic.app.connection();
    diesel::sql_query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .unwrap();
    diesel::sql_query("UPDATE patients SET display_name = display_name")
        .execute(&mut blocker)
        .unwrap();
    let body = serde_json::json!({"client_id": "while-locked", "symptoms": {"redness": 1}});
    let locked = clinic.check_in(body.clone()).await;
    assert_problem(&locked, 503, "service_unavailable");
    assert!(locked.header("retry-after").is_some());
    let ready = clinic.app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        ready.status, 200,
        "reads go on while a writer holds the lock"
    );
    diesel::sql_query("ROLLBACK").execute(&mut blocker).unwrap();
    // The client retries with the same client_id: stored once.
    let retried = clinic.check_in(body).await;
    assert_eq!(retried.status, 201);
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 1);
}
