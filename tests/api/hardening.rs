//! The attacks of the security review, each reproduced over HTTP: what
//! they did before the fix is what these tests refuse.

use serde_json::{json, Value};

use crate::helpers::*;

/// The tests' proxy: the loopback peer, whose `X-Forwarded-For` names the
/// client.
const BEHIND_PROXY: &[(&str, &str)] = &[("AFTERCARE_TRUSTED_PROXIES", "127.0.0.1")];

async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> Reply {
    app.send(
        app.client
            .post(format!("{}/v1/auth/login", app.address))
            .header("x-forwarded-for", address)
            .json(&json!({"email": email, "password": password})),
    )
    .await
}

async fn register_from(app: &TestApp, address: &str, body: Value) -> Reply {
    app.send(
        app.client
            .post(format!("{}/v1/auth/register", app.address))
            .header("x-forwarded-for", address)
            .json(&body),
    )
    .await
}

#[actix_web::test]
async fn a_stranger_cannot_lock_the_victim_out() {
    let app = spawn_app_with(BEHIND_PROXY).await;
    let attacker = "203.0.113.66";
    for email in [
        ADMIN_EMAIL.to_uppercase(),
        format!("{ADMIN_EMAIL} "),
        ADMIN_EMAIL.to_owned(),
        format!(" {}", ADMIN_EMAIL.to_uppercase()),
        ADMIN_EMAIL.to_owned(),
    ] {
        let reply = login_from(&app, attacker, &email, "guessing wrong").await;
        assert_eq!(reply.status, 401);
    }
    // The guesser is slowed down, the right password included ...
    let blocked = login_from(&app, attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(blocked.status, 429);
    assert_eq!(blocked.code(), "too_many_attempts");
    let retry_after: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    // ... the victim, from their own address, is not.
    let victim = login_from(&app, "198.51.100.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(victim.status, 200, "{:?}", victim.body);
}

#[actix_web::test]
async fn a_forwarded_header_is_believed_only_from_a_trusted_proxy() {
    // No trusted proxies: every request comes from the loopback peer,
    // whatever it claims, so changing the header does not reset a count.
    let app = spawn_app().await;
    for n in 0..5 {
        let reply = login_from(&app, &format!("192.0.2.{n}"), ADMIN_EMAIL, "guessing wrong").await;
        assert_eq!(reply.status, 401);
    }
    let blocked = login_from(&app, "192.0.2.200", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(blocked.status, 429);
}

#[actix_web::test]
async fn one_address_guessing_many_accounts_blocks_only_itself() {
    let app = spawn_app_with(BEHIND_PROXY).await;
    let guesser = "203.0.113.9";
    for n in 0..30 {
        let reply = login_from(&app, guesser, &format!("user{n}@clinic.example"), "guess").await;
        assert_eq!(reply.status, 401, "attempt {n}");
    }
    let blocked = login_from(&app, guesser, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(blocked.status, 429);
    // The rest of the clinic, at other addresses, signs in.
    let colleague = login_from(&app, "198.51.100.20", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(colleague.status, 200);
}

#[actix_web::test]
async fn many_addresses_guessing_one_account_are_refused_and_a_new_address_is_not() {
    let app = spawn_app_with(BEHIND_PROXY).await;
    for n in 0..50 {
        let address = format!("203.0.113.{n}");
        let reply = login_from(&app, &address, ADMIN_EMAIL, "guessing wrong").await;
        assert_eq!(reply.status, 401, "attempt {n}");
    }
    // Every address that failed for the account is refused now, even
    // with the right password (one failure each, far from its own limit).
    let failed_before = login_from(&app, "203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(failed_before.status, 429);
    // A new failure from a fresh address neither lifts nor extends that.
    let fresh_failure = login_from(&app, "198.51.100.1", ADMIN_EMAIL, "guessing wrong").await;
    assert_eq!(fresh_failure.status, 401);
    let still = login_from(&app, "203.0.113.8", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(still.status, 429);
    // The owner, from an address that has not been failing, signs in.
    let owner = login_from(&app, "198.51.100.2", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(owner.status, 200, "{:?}", owner.body);
}

#[actix_web::test]
async fn failure_counters_are_forgotten_once_they_count_for_nothing() {
    let app = spawn_app_with(BEHIND_PROXY).await;
    for _ in 0..5 {
        let reply = login_from(&app, "203.0.113.5", ADMIN_EMAIL, "guessing wrong").await;
        assert_eq!(reply.status, 401);
    }
    let counters = "SELECT COUNT(*) AS n FROM login_throttle";
    // The address's, the pair's and the account's.
    assert_eq!(app.count(counters), 3);
    let db = app.db();
    let now = chrono::Utc::now();
    // While they count (the block is in force), the job keeps them ...
    let kept = aftercare::jobs::forget_stale_throttles(&db, now)
        .await
        .unwrap();
    assert_eq!(kept, 0);
    let blocked = login_from(&app, "203.0.113.5", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(blocked.status, 429);
    // ... and once the longest window (an hour) has passed, it deletes them.
    let later = now + chrono::Duration::minutes(61);
    let forgotten = aftercare::jobs::forget_stale_throttles(&db, later)
        .await
        .unwrap();
    assert_eq!(forgotten, 3);
    assert_eq!(app.count(counters), 0);
}

#[actix_web::test]
async fn a_refused_registration_is_answered_after_a_second() {
    let app = spawn_app_with(BEHIND_PROXY).await;
    let started = std::time::Instant::now();
    let reply = register_from(
        &app,
        "203.0.113.78",
        json!({"invite_code": "MADE-UP-1", "email": "slow@example.jp", "password": PASSWORD}),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "answered after {:?}",
        started.elapsed()
    );
}

#[actix_web::test]
async fn registration_checks_the_invite_first_and_is_throttled() {
    let app = spawn_app_with(BEHIND_PROXY).await;
    let (_, physician) = app.physician("Dr Sato").await;
    let patient = app
        .post(
            "/v1/patients",
            Some(&physician),
            json!({"display_name": "Tanaka Yui", "timezone": "Asia/Tokyo", "locale": "ja"}),
        )
        .await;
    let code = patient.body["invite"]["code"].as_str().unwrap().to_owned();
    let flooder = "203.0.113.40";
    // Sent at once: each refusal waits a second for its answer, and
    // failures at the same moment all count (on PostgreSQL, counts read
    // and written without a lock lost some, and the 31st was let through).
    let tries = (0..30).map(|n| {
        register_from(
            &app,
            flooder,
            json!({"invite_code": format!("WRONG-{n:04}"), "email": format!("x{n}@example.jp"), "password": PASSWORD}),
        )
    });
    for (n, reply) in futures_util::future::join_all(tries)
        .await
        .iter()
        .enumerate()
    {
        assert_eq!(reply.status, 400, "attempt {n}: {:?}", reply.body);
        assert_eq!(reply.code(), "invalid_invite");
    }
    let blocked = register_from(
        &app,
        flooder,
        json!({"invite_code": code, "email": "yui@example.jp", "password": PASSWORD}),
    )
    .await;
    assert_eq!(blocked.status, 429);
    assert!(blocked.header("retry-after").is_some());
    // Nothing was spent by the refused attempts: the patient registers.
    let patient_reply = register_from(
        &app,
        "198.51.100.30",
        json!({"invite_code": code, "email": "yui@example.jp", "password": PASSWORD}),
    )
    .await;
    assert_eq!(patient_reply.status, 201, "{:?}", patient_reply.body);
}

#[actix_web::test]
async fn trivial_passwords_and_oversized_credentials_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for weak in ["aaaaaaaaaa", "password123", "1234567890", "qwertyuiop"] {
        let reply = app
            .post(
                "/v1/users",
                Some(&admin),
                json!({"email": "dr.weak@clinic.example", "password": weak, "role": "physician", "display_name": "Dr Weak"}),
            )
            .await;
        assert_eq!(reply.status, 422, "{weak}");
        assert!(reply.body["errors"]["password"].is_array(), "{weak}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM users WHERE email = 'dr.weak@clinic.example'"),
        0
    );
    let long_password = app.login(ADMIN_EMAIL, &"p".repeat(60_000)).await;
    assert_eq!(long_password.status, 422, "{:?}", long_password.body);
    assert!(long_password.body["errors"]["password"].is_array());
    let long_email = app
        .login(
            &format!("{}@clinic.example", "a".repeat(300)),
            ADMIN_PASSWORD,
        )
        .await;
    assert_eq!(long_email.status, 422);
    assert!(long_email.body["errors"]["email"].is_array());
    // Neither counted as a failed sign-in.
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM login_throttle"), 0);
}

#[actix_web::test]
async fn the_last_physician_stays_and_an_admin_may_act_on_any_alert() {
    let clinic = Clinic::new(30).await;
    let urgent = clinic
        .report(25, json!({"symptoms": {"headache": 4}}))
        .await;
    let alert = urgent.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let app = &clinic.app;
    let (b_id, b) = app.physician("Dr B").await;
    let team =
        |physician: &str| format!("/v1/patients/{}/care-team/{physician}", clinic.patient_id);
    let added = app
        .call(
            reqwest::Method::PUT,
            &team(&b_id),
            Some(&clinic.physician),
            None,
        )
        .await;
    assert_eq!(added.status, 204);
    // B removes A: one physician is left ...
    let removed = app
        .call(
            reqwest::Method::DELETE,
            &team(&clinic.physician_id),
            Some(&b),
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    // ... and cannot remove himself.
    let last = app
        .call(reqwest::Method::DELETE, &team(&b_id), Some(&b), None)
        .await;
    assert_eq!(last.status, 409, "{:?}", last.body);
    assert_eq!(last.code(), "last_physician");
    let admin = app.admin_token().await;
    let by_admin = app
        .call(reqwest::Method::DELETE, &team(&b_id), Some(&admin), None)
        .await;
    assert_eq!(by_admin.code(), "last_physician");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM care_team_members WHERE patient_id = '{}'",
            clinic.patient_id
        )),
        1
    );
    // An admin acts on the alert: acknowledges it and resolves it.
    let acknowledged = app
        .post(
            &format!("/v1/alerts/{alert}/acknowledge"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(acknowledged.status, 200, "{:?}", acknowledged.body);
    let me = app.get("/v1/me", &admin).await;
    assert_eq!(acknowledged.body["acknowledged_by"], me.body["id"]);
    let resolved = app
        .post(
            &format!("/v1/alerts/{alert}/resolve"),
            Some(&admin),
            json!({"outcome": "referred", "note": "sent to the on-call physician"}),
        )
        .await;
    assert_eq!(resolved.status, 200, "{:?}", resolved.body);
    assert_eq!(resolved.body["status"], "resolved");
}

#[actix_web::test]
async fn webhook_urls_that_embed_an_internal_ipv4_address_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for url in [
        "https://[::127.0.0.1]/hook",
        "https://[64:ff9b::7f00:1]/hook",
        "https://[64:ff9b::a9fe:a9fe]/hook",
        "https://[2002:7f00:1::]/hook",
        "https://[::ffff:0:7f00:1]/hook",
        "https://[2001:0:a00:1::]/hook",
        "https://[64:ff9b:1::1]/hook",
    ] {
        let reply = app
            .post(
                "/v1/webhooks",
                Some(&admin),
                json!({"url": url, "events": ["alert.created"]}),
            )
            .await;
        assert_eq!(reply.status, 422, "{url}: {:?}", reply.body);
        assert_eq!(reply.code(), "webhook_url_not_allowed", "{url}");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM webhook_endpoints"), 0);
}

#[actix_web::test]
async fn instants_and_dates_outside_the_range_are_4xx_on_both_backends() {
    let clinic = Clinic::with(spawn_app().await, 30, "America/Los_Angeles", "en").await;
    let app = &clinic.app;
    let three_years_ago = chrono::Utc::now() - chrono::Duration::days(3 * 366);
    for administered_at in [
        "-262143-01-01T00:00:00Z".to_owned(),
        "0001-01-01T00:00:00Z".to_owned(),
        "2016-12-31T23:59:60Z".to_owned(),
        three_years_ago.to_rfc3339(),
    ] {
        let reply = app
            .post(
                &format!("/v1/patients/{}/treatments", clinic.patient_id),
                Some(&clinic.physician),
                json!({"kind": "injection", "sites": ["face"], "product": "Exo-X", "administered_at": administered_at,
                       "screening": {"cancer_treatment": false, "pregnant": false, "breastfeeding": false, "planning_pregnancy": false}}),
            )
            .await;
        assert_eq!(reply.status, 422, "{administered_at}: {:?}", reply.body);
        assert!(
            reply.body["errors"]["administered_at"].is_array(),
            "{administered_at}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM treatments"), 1);
    // The one treatment still reads (the Los Angeles view that panicked).
    let shown = app
        .get(
            &format!("/v1/treatments/{}", clinic.treatment_id),
            &clinic.patient,
        )
        .await;
    assert_eq!(shown.status, 200);
    let leap = clinic
        .check_in(
            json!({"client_id": "leap", "observed_at": "2016-12-31T23:59:60Z", "symptoms": {}}),
        )
        .await;
    assert_eq!(leap.status, 422, "{:?}", leap.body);
    for query in [
        "from=-262143-01-01",
        "to=10000-01-01",
        "from=0001-01-01",
        "from=1899-12-31",
    ] {
        let reply = app
            .get(&format!("/v1/stats/symptoms?{query}"), &clinic.physician)
            .await;
        assert_eq!(reply.status, 400, "{query}: {:?}", reply.body);
        assert_eq!(reply.code(), "invalid_query");
    }
    let fine = app
        .get(
            "/v1/stats/symptoms?from=1900-01-01&to=9999-12-31",
            &clinic.physician,
        )
        .await;
    assert_eq!(fine.status, 200, "{:?}", fine.body);
}

#[actix_web::test]
async fn a_cursor_from_another_list_or_filter_is_refused() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    for n in 0..3 {
        Clinic::give(app, &clinic.physician, &clinic.patient_id, 20 + n).await;
    }
    let path = format!("/v1/patients/{}/treatments", clinic.patient_id);
    let first = app.get(&format!("{path}?limit=1"), &clinic.physician).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(
            &format!("{path}?limit=1&cursor={cursor}"),
            &clinic.physician,
        )
        .await;
    assert_eq!(next.status, 200);
    assert_ne!(next.body["items"][0]["id"], first.body["items"][0]["id"]);
    for other in [
        format!("/v1/patients?cursor={cursor}"),
        format!("/v1/alerts?cursor={cursor}"),
        format!("{path}?cursor={cursor}&kind=injection"),
    ] {
        let reply = app.get(&other, &clinic.physician).await;
        assert_eq!(reply.status, 400, "{other}");
        assert_eq!(reply.code(), "invalid_cursor", "{other}");
    }
    // The position alone, or with another MAC, is not a cursor.
    let (position, _) = cursor.split_once('.').unwrap();
    for forged in [
        position.to_owned(),
        format!("{position}.AAAAAAAAAAAAAAAAAAAAAA"),
    ] {
        let reply = app
            .get(&format!("{path}?cursor={forged}"), &clinic.physician)
            .await;
        assert_eq!(reply.code(), "invalid_cursor");
    }
}

/// Arbitrary strings (NULs, huge numbers, other scripts, JSON) in every
/// cursor and date parameter: never a 5xx.
#[actix_web::test]
async fn no_cursor_or_date_string_gives_a_server_error() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let webhook = app
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": "https://hooks.example.com/x", "events": ["alert.created"]}),
        )
        .await;
    let webhook_id = webhook.body["id"].as_str().unwrap_or_default().to_owned();
    let lists = [
        ("/v1/patients".to_owned(), clinic.physician.clone()),
        ("/v1/alerts".to_owned(), clinic.physician.clone()),
        ("/v1/worklist".to_owned(), clinic.physician.clone()),
        ("/v1/audit".to_owned(), admin.clone()),
        ("/v1/webhooks".to_owned(), admin.clone()),
        (
            format!("/v1/webhooks/{webhook_id}/deliveries"),
            admin.clone(),
        ),
        (
            format!("/v1/patients/{}/treatments", clinic.patient_id),
            clinic.physician.clone(),
        ),
        (
            format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            clinic.patient.clone(),
        ),
    ];
    let strings = proptest::prop_oneof![
        proptest::string::string_regex("\\PC{0,40}").unwrap(),
        proptest::string::string_regex("[A-Za-z0-9_\\-.\\x00]{0,80}").unwrap(),
        proptest::string::string_regex("-?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}").unwrap(),
    ];
    let mut runner = TestRunner::deterministic();
    for _ in 0..40 {
        let value = strings.new_tree(&mut runner).unwrap().current();
        let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        for (path, token) in &lists {
            let reply = app.get(&format!("{path}?cursor={encoded}"), token).await;
            assert!(
                reply.status < 500,
                "{path} cursor {value:?}: {}",
                reply.status
            );
        }
        for param in ["from", "to"] {
            let reply = app
                .get(
                    &format!("/v1/stats/symptoms?{param}={encoded}"),
                    &clinic.physician,
                )
                .await;
            assert!(
                reply.status < 500,
                "stats {param} {value:?}: {}",
                reply.status
            );
        }
    }
}

#[actix_web::test]
async fn an_ended_session_ends_its_access_tokens_at_once() {
    let app = spawn_app().await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.body;
    let (access, refresh) = (
        pair["access_token"].as_str().unwrap().to_owned(),
        pair["refresh_token"].as_str().unwrap().to_owned(),
    );
    let other = app.admin_token().await;
    assert_eq!(app.get("/v1/me", &access).await.status, 200);
    app.post("/v1/auth/logout", None, json!({"refresh_token": refresh}))
        .await;
    let after = app.get("/v1/me", &access).await;
    assert_eq!((after.status, after.code()), (401, "invalid_token"));
    // Another session of the same user goes on.
    assert_eq!(app.get("/v1/me", &other).await.status, 200);
    // A stolen refresh token presented twice revokes its family: the
    // access token the thief got with it stops working too.
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.body;
    let first = pair["refresh_token"].as_str().unwrap().to_owned();
    let rotated = app
        .post("/v1/auth/refresh", None, json!({"refresh_token": first}))
        .await;
    let thief = rotated.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/v1/me", &thief).await.status, 200);
    let reused = app
        .post("/v1/auth/refresh", None, json!({"refresh_token": first}))
        .await;
    assert_eq!(reused.code(), "refresh_token_reused");
    assert_eq!(app.get("/v1/me", &thief).await.status, 401);
}

#[actix_web::test]
async fn a_replayed_check_in_is_an_audited_read() {
    let clinic = Clinic::new(30).await;
    let body = json!({"client_id": "phone-1", "symptoms": {"redness": 1}, "note": "a little red"});
    let first = clinic.check_in(body.clone()).await;
    assert_eq!(first.status, 201);
    let id = first.body["checkin"]["id"].as_str().unwrap().to_owned();
    let reads = |app: &TestApp| {
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'read' AND resource_type = 'checkin' AND resource_id = '{id}'"
        ))
    };
    assert_eq!(reads(&clinic.app), 0);
    let again = clinic.check_in(body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["checkin"]["note"], "a little red");
    assert_eq!(reads(&clinic.app), 1);
}

#[actix_web::test]
async fn a_registration_flood_from_many_addresses_meets_the_replicas_budget() {
    let app = spawn_app_with(BEHIND_PROXY).await;
    let tries = (0..80).map(|n| {
        let app = &app;
        async move {
            register_from(
                app,
                &format!("203.0.{}.{}", n / 200, n % 200),
                json!({"invite_code": format!("MADE-UP-{n}"), "email": format!("f{n}@example.jp"), "password": PASSWORD}),
            )
            .await
        }
    });
    let mut statuses = Vec::new();
    for reply in futures_util::future::join_all(tries).await {
        if reply.status == 429 {
            assert!(reply.header("retry-after").is_some());
        }
        statuses.push(reply.status);
    }
    // Each address failed once, far from its own limit: the budget of
    // registrations per second is what answers the rest.
    assert!(
        statuses.iter().all(|s| *s == 400 || *s == 429),
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 400).count() >= 50);
}

#[actix_web::test]
async fn another_replica_ends_the_session_within_a_second() {
    let app = spawn_app().await;
    let replica = app.replica(&[]).await;
    let pair = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.body;
    let access = pair["access_token"].as_str().unwrap().to_owned();
    // The replica has seen the session valid (and believes it a second).
    assert_eq!(replica.get("/v1/me", &access).await.status, 200);
    app.post(
        "/v1/auth/logout",
        None,
        json!({"refresh_token": pair["refresh_token"]}),
    )
    .await;
    assert_eq!(app.get("/v1/me", &access).await.status, 401);
    let logged_out = std::time::Instant::now();
    while replica.get("/v1/me", &access).await.status == 200 {
        assert!(
            logged_out.elapsed() < std::time::Duration::from_millis(1500),
            "the replica still accepts the ended session"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
