use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn admin_logs_in_and_reads_their_account() {
    let app = spawn_app().await;
    let reply = app.login("  Admin@Clinic.example ", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 900);
    assert_eq!(reply.body["user"]["role"], "admin");
    let token = reply.body["access_token"].as_str().unwrap();
    let me = app.get("/v1/me", token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    assert_eq!(me.body["patient_id"], serde_json::Value::Null);
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = spawn_app().await;
    let wrong = app.login(ADMIN_EMAIL, "not the password").await;
    let unknown = app.login("nobody@clinic.example", "not the password").await;
    assert_eq!((wrong.status, unknown.status), (401, 401));
    assert_eq!(wrong.code(), "invalid_credentials");
    assert_eq!(wrong.body, unknown.body);
}

#[actix_web::test]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(app.login(ADMIN_EMAIL, "guessing wrong").await.status, 401);
    }
    let blocked = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(blocked.status, 429);
    assert_eq!(blocked.code(), "too_many_attempts");
    let retry_after: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    // Another account from the same address is not blocked by this one.
    assert_eq!(
        app.login("other@clinic.example", "guessing wrong")
            .await
            .status,
        401
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM login_throttle WHERE blocked_until IS NOT NULL"),
        1
    );
}

#[actix_web::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.body;
    let old = first["refresh_token"].as_str().unwrap();
    let second = app
        .post("/v1/auth/refresh", None, json!({"refresh_token": old}))
        .await;
    assert_eq!(second.status, 200);
    let new = second.body["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(
        app.get("/v1/me", second.body["access_token"].as_str().unwrap())
            .await
            .status,
        200
    );

    let reused = app
        .post("/v1/auth/refresh", None, json!({"refresh_token": old}))
        .await;
    assert_eq!(
        (reused.status, reused.code()),
        (401, "refresh_token_reused")
    );
    let after = app
        .post("/v1/auth/refresh", None, json!({"refresh_token": new}))
        .await;
    assert_eq!((after.status, after.code()), (401, "invalid_refresh_token"));
    let garbage = app
        .post("/v1/auth/refresh", None, json!({"refresh_token": "nope"}))
        .await;
    assert_eq!(
        (garbage.status, garbage.code()),
        (401, "invalid_refresh_token")
    );
    // Only hashes are stored.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM refresh_tokens WHERE token_hash = '{old}'"
        )),
        0
    );
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.body;
    let refresh = pair["refresh_token"].as_str().unwrap();
    let out = app
        .post("/v1/auth/logout", None, json!({"refresh_token": refresh}))
        .await;
    assert_eq!(out.status, 204);
    let again = app
        .post("/v1/auth/refresh", None, json!({"refresh_token": refresh}))
        .await;
    assert_eq!(again.status, 401);
    assert_eq!(
        app.post("/v1/auth/logout", None, json!({"refresh_token": "unknown"}))
            .await
            .status,
        204
    );
}

#[actix_web::test]
async fn a_patient_registers_with_the_invite_once() {
    let app = spawn_app().await;
    let (_, physician) = app.physician("Dr Sato").await;
    let (patient_id, code) = app.patient(&physician, "Tanaka Yui").await;
    let pair = app.register(&code.to_lowercase(), "yui@example.jp").await;
    assert_eq!(pair["user"]["role"], "patient");
    assert_eq!(pair["user"]["patient_id"], patient_id.as_str());
    assert_eq!(pair["user"]["timezone"], "Asia/Tokyo");
    let me = app
        .get("/v1/me", pair["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.body["display_name"], "Tanaka Yui");

    let again = app
        .post(
            "/v1/auth/register",
            None,
            json!({"invite_code": code, "email": "other@example.jp", "password": PASSWORD}),
        )
        .await;
    assert_eq!((again.status, again.code()), (400, "invalid_invite"));
    let unknown = app.post("/v1/auth/register", None, json!({"invite_code": "AAAA-BBBB-CCCC-DDDD", "email": "x@example.jp", "password": PASSWORD})).await;
    assert_eq!((unknown.status, unknown.code()), (400, "invalid_invite"));
    assert_eq!(app.login("yui@example.jp", PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn registration_validates_and_keeps_the_invite_on_failure() {
    let app = spawn_app().await;
    let (_, physician) = app.physician("Dr Sato").await;
    let (_, code) = app.patient(&physician, "Tanaka Yui").await;
    let short = app
        .post(
            "/v1/auth/register",
            None,
            json!({"invite_code": code, "email": "not-an-email", "password": "short"}),
        )
        .await;
    assert_eq!((short.status, short.code()), (422, "validation_failed"));
    assert!(short.body["errors"]["password"].is_array());
    assert!(short.body["errors"]["email"].is_array());
    let taken = app
        .post(
            "/v1/auth/register",
            None,
            json!({"invite_code": code, "email": ADMIN_EMAIL, "password": PASSWORD}),
        )
        .await;
    assert_eq!((taken.status, taken.code()), (409, "email_taken"));
    // Neither failure spent the invite.
    app.register(&code, "yui@example.jp").await;
}

#[actix_web::test]
async fn an_expired_invite_is_refused() {
    let app = spawn_app().await;
    let (_, physician) = app.physician("Dr Sato").await;
    let (_, code) = app.patient(&physician, "Tanaka Yui").await;
    app.execute("UPDATE invites SET expires_at = '2020-01-01 00:00:00'");
    let reply = app
        .post(
            "/v1/auth/register",
            None,
            json!({"invite_code": code, "email": "yui@example.jp", "password": PASSWORD}),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_invite"));
}

#[actix_web::test]
async fn bad_tokens_are_401_problems() {
    let app = spawn_app().await;
    let missing = app.call(Method::GET, "/v1/me", None, None).await;
    assert_eq!((missing.status, missing.code()), (401, "unauthenticated"));
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));
    for token in ["garbage", "a.b.c"] {
        let reply = app.get("/v1/me", token).await;
        assert_eq!((reply.status, reply.code()), (401, "invalid_token"));
    }
    let now = chrono::Utc::now();
    let foreign =
        aftercare::auth::tokens::TokenKeys::new(b"another-secret-another-secret-0123", 900);
    let token = foreign
        .issue(
            "x",
            aftercare::domain::accounts::Role::Admin,
            None,
            ("s", aftercare::auth::tokens::Amr::Password),
            now,
        )
        .unwrap();
    assert_eq!(app.get("/v1/me", &token).await.status, 401);
    let ours =
        aftercare::auth::tokens::TokenKeys::new(b"test-secret-test-secret-test-secret-0123", 900);
    let expired = ours
        .issue(
            "x",
            aftercare::domain::accounts::Role::Admin,
            None,
            ("s", aftercare::auth::tokens::Amr::Password),
            now - chrono::Duration::hours(2),
        )
        .unwrap();
    assert_eq!(app.get("/v1/me", &expired).await.code(), "invalid_token");
}

#[actix_web::test]
async fn users_change_their_preferences() {
    let app = spawn_app().await;
    let (_, physician) = app.physician("Dr Sato").await;
    let (patient_id, code) = app.patient(&physician, "Tanaka Yui").await;
    let token = app.register(&code, "yui@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .call(
            Method::PATCH,
            "/v1/me",
            Some(&token),
            Some(json!({"timezone": "Europe/Berlin", "locale": "en", "display_name": " Yui "})),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        (
            reply.body["timezone"].as_str(),
            reply.body["locale"].as_str(),
            reply.body["display_name"].as_str()
        ),
        (Some("Europe/Berlin"), Some("en"), Some("Yui"))
    );
    let patient = app.get(&format!("/v1/patients/{patient_id}"), &token).await;
    assert_eq!(patient.body["timezone"], "Europe/Berlin");
    let bad = app
        .call(
            Method::PATCH,
            "/v1/me",
            Some(&token),
            Some(json!({"timezone": "Mars/Base", "locale": "fr"})),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body["errors"]["timezone"].is_array() && bad.body["errors"]["locale"].is_array());
    assert_eq!(
        app.get("/v1/me", &token).await.body["timezone"],
        "Europe/Berlin"
    );
}
