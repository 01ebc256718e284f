//! Hostile input and forged tokens: every answer is a 4xx problem or the
//! input stored verbatim; never a 5xx, never altered.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123";

fn segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn hs256(header: &Value, claims: &Value, key: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let signing_input = format!("{}.{}", segment(header), segment(claims));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

#[actix_web::test]
async fn forged_and_stale_tokens_are_401_never_500() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app.get("/v1/me", &admin).await;
    let id = me.body["id"].as_str().unwrap();
    let now = chrono::Utc::now().timestamp();
    let claims = |changes: Value| {
        let mut base = json!({"sub": id, "role": "admin", "iss": "aftercare", "aud": "aftercare-api",
                              "sid": "a-session", "iat": now, "nbf": now, "exp": now + 600});
        for (k, v) in changes.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    };
    let hs = json!({"alg": "HS256", "typ": "JWT"});
    // Sanity: a token built this way with the right key is accepted...
    assert_eq!(
        app.get("/v1/me", &hs256(&hs, &claims(json!({})), SECRET))
            .await
            .status,
        200
    );
    // ...and every variation below is refused.
    let valid = hs256(&hs, &claims(json!({})), SECRET);
    let parts: Vec<&str> = valid.split('.').collect();
    let forged = [
        (
            "alg none",
            format!(
                "{}.{}.",
                segment(&json!({"alg": "none", "typ": "JWT"})),
                segment(&claims(json!({})))
            ),
        ),
        (
            "alg none, signature kept",
            format!(
                "{}.{}.{}",
                segment(&json!({"alg": "none"})),
                parts[1],
                parts[2]
            ),
        ),
        (
            "RS256 header, HMAC signature",
            hs256(
                &json!({"alg": "RS256", "typ": "JWT"}),
                &claims(json!({})),
                SECRET,
            ),
        ),
        (
            "HS512",
            hs256(&json!({"alg": "HS512"}), &claims(json!({})), SECRET),
        ),
        (
            "wrong key",
            hs256(
                &hs,
                &claims(json!({})),
                b"another-secret-another-secret-9876",
            ),
        ),
        (
            "expired",
            hs256(
                &hs,
                &claims(json!({"iat": now - 7200, "nbf": now - 7200, "exp": now - 3600})),
                SECRET,
            ),
        ),
        (
            "not yet valid",
            hs256(
                &hs,
                &claims(json!({"nbf": now + 3600, "exp": now + 7200})),
                SECRET,
            ),
        ),
        (
            "other issuer",
            hs256(&hs, &claims(json!({"iss": "someone-else"})), SECRET),
        ),
        (
            "other audience",
            hs256(&hs, &claims(json!({"aud": "another-api"})), SECRET),
        ),
        (
            "no expiry",
            hs256(
                &hs,
                &json!({"sub": id, "role": "admin", "iss": "aftercare", "aud": "aftercare-api", "iat": now, "nbf": now}),
                SECRET,
            ),
        ),
        (
            "unknown role",
            hs256(&hs, &claims(json!({"role": "superuser"})), SECRET),
        ),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                parts[0],
                segment(&claims(json!({"sub": "someone-else"}))),
                parts[2]
            ),
        ),
        ("truncated", parts[..2].join(".")),
        ("not base64", "!!!.???.***".to_owned()),
        ("huge", "a".repeat(6000)),
    ];
    for (what, token) in forged {
        let reply = app.get("/v1/me", &token).await;
        assert_eq!(reply.status, 401, "{what}: {:?}", reply.body);
        assert_eq!(reply.code(), "invalid_token", "{what}");
    }
    // A patient token without its patient is refused too.
    let patient = hs256(&hs, &claims(json!({"role": "patient"})), SECRET);
    assert_eq!(app.get("/v1/me", &patient).await.status, 401);
    for header in ["Basic abc", "Bearer", "bearer  ", "Token x"] {
        let reply = app
            .send(
                app.client
                    .get(format!("{}/v1/me", app.address))
                    .header("authorization", header),
            )
            .await;
        assert_eq!(reply.status, 401, "{header}");
    }
}

#[actix_web::test]
async fn text_from_every_unicode_class_and_metacharacters_is_stored_verbatim() {
    let clinic = Clinic::new(30).await;
    let samples = [
        "Robert'); DROP TABLE checkins;--",
        "<script>alert(1)</script>&amp;\"quoted\"",
        "腫れが少し。頭痛なし",
        "مرحبا بالعالم \u{202E}reversed",
        "zero\u{200B}width\u{FEFF}joiners \u{1F9EA}\u{1F489} e\u{0301}",
        "tab\tnewline\ncarriage\r return \\ backslash % _ wildcard",
        "\u{10FFFF}\u{E000} private use and the last code point",
    ];
    for (n, note) in samples.iter().enumerate() {
        let reply = clinic
            .check_in(json!({"client_id": format!("hostile-{n}"), "symptoms": {}, "note": note}))
            .await;
        assert_eq!(reply.status, 201, "{note}: {:?}", reply.body);
        assert_eq!(reply.body["checkin"]["note"], *note);
    }
    let listed = clinic
        .app
        .get(
            &format!("/v1/treatments/{}/checkins?limit=200", clinic.treatment_id),
            &clinic.physician,
        )
        .await;
    let notes: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["note"].as_str().unwrap())
        .collect();
    for note in samples {
        assert!(notes.contains(&note), "{note} altered");
    }
    let name = "Ōta <b>Hanako</b> '; --";
    let created = clinic
        .app
        .post(
            "/v1/patients",
            Some(&clinic.physician),
            json!({"display_name": name, "timezone": "Asia/Tokyo", "locale": "ja"}),
        )
        .await;
    assert_eq!(created.status, 201);
    let read = clinic
        .app
        .get(
            &format!("/v1/patients/{}", created.body["id"].as_str().unwrap()),
            &clinic.physician,
        )
        .await;
    assert_eq!(read.body["display_name"], name);
    assert_eq!(
        clinic.app.count("SELECT COUNT(*) AS n FROM checkins"),
        i64::try_from(samples.len()).unwrap()
    );
}

#[actix_web::test]
async fn malicious_shapes_are_4xx() {
    let clinic = Clinic::new(30).await;
    let path = format!("/v1/treatments/{}/checkins", clinic.treatment_id);
    let raw = |body: String| {
        clinic
            .app
            .client
            .post(format!("{}{path}", clinic.app.address))
            .bearer_auth(&clinic.patient)
            .header("content-type", "application/json")
            .body(body)
    };
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let mut many = serde_json::Map::new();
    for n in 0..3000 {
        many.insert(format!("s{n}"), json!(1));
    }
    let cases: Vec<(&str, String)> = vec![
        ("deeply nested", deep),
        (
            "deeply nested object",
            format!(
                "{{\"client_id\": \"x\", \"symptoms\": {}{}}}",
                "{\"a\":".repeat(5000),
                "1}".repeat(5000)
            ),
        ),
        (
            "many unknown symptoms",
            json!({"client_id": "many", "symptoms": many}).to_string(),
        ),
        (
            "huge array",
            json!({"client_id": "arr", "symptoms": {}, "note": vec![0; 10_000]}).to_string(),
        ),
        (
            "NUL in a string",
            json!({"client_id": "nul", "symptoms": {}, "note": "a\u{0}b"}).to_string(),
        ),
        (
            "NUL in a key",
            "{\"client_id\": \"k\", \"symptoms\": {\"red\\u0000ness\": 1}}".to_owned(),
        ),
        (
            "lone surrogate",
            "{\"client_id\": \"s\", \"symptoms\": {}, \"note\": \"\\ud800\"}".to_owned(),
        ),
        (
            "invalid UTF-8",
            String::from_utf8_lossy(&[0x7b, 0xff, 0xfe, 0x7d]).into_owned(),
        ),
        (
            "number overflow",
            "{\"client_id\": \"n\", \"symptoms\": {\"redness\": 1e400}}".to_owned(),
        ),
        (
            "severity as string",
            json!({"client_id": "t", "symptoms": {"redness": "4"}}).to_string(),
        ),
        (
            "negative severity",
            json!({"client_id": "neg", "symptoms": {"redness": -1}}).to_string(),
        ),
        (
            "client id too long",
            json!({"client_id": "x".repeat(10_000), "symptoms": {}}).to_string(),
        ),
        (
            "note too long",
            json!({"client_id": "long", "symptoms": {}, "note": "x".repeat(2001)}).to_string(),
        ),
        ("not an object", "[1, 2, 3]".to_owned()),
        ("empty", String::new()),
        (
            "trailing garbage",
            "{\"client_id\": \"g\", \"symptoms\": {}} trailing".to_owned(),
        ),
    ];
    for (what, body) in cases {
        let reply = clinic.app.send(raw(body)).await;
        assert!(
            (400..500).contains(&reply.status),
            "{what}: {} {:?}",
            reply.status,
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
    }
    // Invalid UTF-8 bytes as such.
    let bytes = clinic
        .app
        .send(
            clinic
                .app
                .client
                .post(format!("{}{path}", clinic.app.address))
                .bearer_auth(&clinic.patient)
                .header("content-type", "application/json")
                .body(vec![b'{', 0xff, 0xfe, b'}']),
        )
        .await;
    assert_eq!(bytes.status, 400);
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 0);
    // Query strings and paths too.
    for query in [
        "limit=-1",
        "limit=99999999999999999999",
        "cursor=%00",
        "limit=1&limit=2",
        "cursor=' OR 1=1 --",
    ] {
        let reply = clinic
            .app
            .call(
                Method::GET,
                &format!("{path}?{query}"),
                Some(&clinic.physician),
                None,
            )
            .await;
        assert!(
            (400..500).contains(&reply.status),
            "{query}: {}",
            reply.status
        );
    }
    for bad in [
        "/v1/treatments/'%20OR%201=1/checkins",
        "/v1/treatments/..%2F..%2Fetc/checkins",
        "/v1/patients/%00",
    ] {
        let reply = clinic
            .app
            .send(
                clinic
                    .app
                    .client
                    .get(format!("{}{bad}", clinic.app.address))
                    .bearer_auth(&clinic.physician),
            )
            .await;
        assert_eq!(reply.status, 404, "{bad}");
    }
}
