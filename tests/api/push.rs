//! Web Push subscriptions: the VAPID key, and the checks an endpoint and
//! its keys pass before they are kept (any patient can register one, so it
//! must not make the server call an arbitrary host).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

fn keys() -> Value {
    let public = p256::SecretKey::random(&mut rand::rngs::OsRng)
        .public_key()
        .to_encoded_point(false);
    json!({"p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()), "auth": URL_SAFE_NO_PAD.encode([9u8; 16])})
}

fn subscription(endpoint: &str) -> Value {
    json!({"endpoint": endpoint, "expirationTime": null, "keys": keys()})
}

#[actix_web::test]
async fn the_vapid_key_is_one_p256_point_kept_across_restarts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let key = app.get("/v1/push/public-key", &admin).await;
    assert_eq!(key.status, 200);
    let bytes = URL_SAFE_NO_PAD
        .decode(key.body["key"].as_str().unwrap())
        .unwrap();
    assert_eq!((bytes.len(), bytes[0]), (65, 0x04));
    assert!(p256::PublicKey::from_sec1_bytes(&bytes).is_ok());
    let again = app.replica(&[]).await;
    let admin = again.admin_token().await;
    assert_eq!(
        again.get("/v1/push/public-key", &admin).await.body,
        key.body
    );
}

#[actix_web::test]
async fn a_subscription_is_kept_once_and_only_for_an_allowed_push_service() {
    let app = spawn_app_with(&[
        ("AFTERCARE_PUSH_ALLOWED_HOSTS", "127.0.0.1, *.push.example"),
        ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
    ])
    .await;
    let clinic = Clinic::with(app, 30, "Asia/Tokyo", "ja").await;
    let (app, patient) = (&clinic.app, clinic.patient.as_str());
    let path = "/v1/me/push-subscriptions";
    let endpoint = "https://127.0.0.1:9/push/device-1";

    let made = app.post(path, Some(patient), subscription(endpoint)).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let id = made.body["id"].as_str().unwrap().to_owned();
    let again = app.post(path, Some(patient), subscription(endpoint)).await;
    assert_eq!(
        (again.status, again.body["id"].as_str()),
        (200, Some(id.as_str()))
    );

    for (endpoint, why) in [
        ("https://evil.example/push", "a host not listed"),
        ("https://push.example/push", "the wildcard's own name"),
        ("http://127.0.0.1:9/push", "plain http"),
        ("https://user:pw@127.0.0.1/push", "credentials"),
        ("ftp://127.0.0.1/push", "another scheme"),
        ("not a url", "not a URL"),
    ] {
        let refused = app.post(path, Some(patient), subscription(endpoint)).await;
        assert_eq!(refused.status, 422, "{why}");
        assert_eq!(refused.code(), "push_endpoint_not_allowed", "{why}");
    }
    let mut bad_point = subscription("https://127.0.0.1:9/push/2");
    bad_point["keys"]["p256dh"] = json!(URL_SAFE_NO_PAD.encode([4u8; 65]));
    let mut short_auth = subscription("https://127.0.0.1:9/push/3");
    short_auth["keys"]["auth"] = json!(URL_SAFE_NO_PAD.encode([1u8; 15]));
    for (body, field) in [(bad_point, "keys.p256dh"), (short_auth, "keys.auth")] {
        let refused = app.post(path, Some(patient), body).await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.body["errors"][field].is_array(),
            "{:?}",
            refused.body
        );
    }

    for n in 2..=10 {
        let endpoint = format!("https://127.0.0.1:9/push/device-{n}");
        assert_eq!(
            app.post(path, Some(patient), subscription(&endpoint))
                .await
                .status,
            201
        );
    }
    let eleventh = app
        .post(
            path,
            Some(patient),
            subscription("https://127.0.0.1:9/push/device-11"),
        )
        .await;
    assert_eq!(eleventh.status, 422);
    assert!(eleventh.body["errors"]["endpoint"].is_array());

    let listed = app.get(path, patient).await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert!(
        !listed.body.to_string().contains("p256dh") && !listed.body.to_string().contains("auth")
    );

    // Only the patient's own, and only patients.
    assert_eq!(app.get(path, &clinic.physician).await.status, 403);
    let (_, code) = app.patient(&clinic.physician, "Other Patient").await;
    let other = app.register(&code, "other@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs = app
        .call(Method::DELETE, &format!("{path}/{id}"), Some(&other), None)
        .await;
    assert_eq!(theirs.status, 404);
    let mine = app
        .call(Method::DELETE, &format!("{path}/{id}"), Some(patient), None)
        .await;
    assert_eq!(mine.status, 204);
    assert_eq!(
        app.get(path, patient).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
}

#[actix_web::test]
async fn by_default_only_the_browsers_push_services_and_no_internal_address() {
    let clinic = Clinic::new(30).await;
    let (app, patient) = (&clinic.app, clinic.patient.as_str());
    for endpoint in [
        "https://127.0.0.1/push",
        "https://push.attacker.example/x",
        "https://fcm.googleapis.com.attacker.example/x",
    ] {
        let refused = app
            .post(
                "/v1/me/push-subscriptions",
                Some(patient),
                subscription(endpoint),
            )
            .await;
        assert_eq!(refused.code(), "push_endpoint_not_allowed", "{endpoint}");
    }
}
