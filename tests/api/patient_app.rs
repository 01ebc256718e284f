//! The patient web app over HTTP: sign-up from the invite link, sign-in for
//! patients only, the check-in form without script, the cookie on the two
//! `/v1` routes the app posts to (with its CSRF token), the schedule and
//! history pages, and what makes it installable. (What a browser shows,
//! offline included, is in tests/browser.)

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN};
use serde_json::{json, Value};

use crate::dashboard::{csrf_of, Browser, Page};
use crate::helpers::*;

impl Browser<'_> {
    /// Signs in through the app's form.
    pub async fn app_sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/app/login").await;
        let csrf = csrf_of(&form.body);
        self.post(
            "/app/login",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }

    /// A JSON post to the API with the session cookie, as app.js sends it.
    pub async fn post_json(
        &mut self,
        path: &str,
        body: &Value,
        csrf: Option<&str>,
        origin: &str,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address()))
            .header(COOKIE, self.cookie_header())
            .header(ORIGIN, origin)
            .json(body);
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The session's CSRF token, as the page gives it to the script.
fn page_csrf(body: &str) -> String {
    let at = body.find("data-csrf=\"").expect("a data-csrf attribute") + 11;
    body[at..].split('"').next().unwrap().to_owned()
}

#[actix_web::test]
async fn the_invite_link_opens_the_sign_up_form_and_signs_the_patient_in() {
    let app = spawn_app().await;
    let (_, physician) = app.physician("Dr Sato").await;
    let (patient_id, code) = app.patient(&physician, "Kato Mei").await;
    Clinic::give(&app, &physician, &patient_id, 5).await;
    let mut browser = Browser::new(&app);

    let form = browser.get(&format!("/app/register?invite={code}")).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains(&format!("value=\"{code}\"")),
        "the code is prefilled"
    );
    assert!(form.body.contains("Create account") || form.body.contains("登録する"));
    let csrf = csrf_of(&form.body);

    let wrong = browser
        .post(
            "/app/register",
            &[
                ("csrf", &csrf),
                ("invite_code", "NOT-A-CODE"),
                ("email", "mei@example.jp"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("role=\"alert\""));

    let made = browser
        .post(
            "/app/register",
            &[
                ("csrf", &csrf),
                ("invite_code", &code),
                ("email", "mei@example.jp"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    assert_eq!(made.headers[LOCATION], "/app/");
    let today = browser.get("/app/").await;
    assert_eq!(today.status, 200);
    assert!(today.body.contains("Kato Mei"));
    assert!(today.body.contains("role=\"radiogroup\""));
    let csp = today.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("manifest-src 'self'") && csp.contains("worker-src 'self'"));
    // The account signs in with the API too.
    assert_eq!(app.login("mei@example.jp", PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn staff_get_the_patients_only_page_and_no_session() {
    let clinic = Clinic::new(30).await;
    let mut browser = Browser::new(&clinic.app);
    let refused = browser
        .app_sign_in("dr.sato@clinic.example", PASSWORD)
        .await;
    assert_eq!(refused.status, 403);
    assert!(!browser
        .cookies
        .iter()
        .any(|(name, _)| name == "aftercare_session"));
    assert_eq!(browser.get("/app/").await.status, 303);

    // A physician's dashboard session does not open the app either.
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    assert_eq!(browser.get("/app/").await.status, 403);

    let mut patient = Browser::new(&clinic.app);
    let wrong = patient
        .app_sign_in("yui@example.jp", "not the password")
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("role=\"alert\""));
    let signed_in = patient.app_sign_in("yui@example.jp", PASSWORD).await;
    assert_eq!(signed_in.status, 303);
    assert_eq!(patient.get("/dashboard/").await.status, 403);
}

#[actix_web::test]
async fn the_form_without_script_records_once_and_shows_the_emergency_first() {
    let clinic = Clinic::new(2).await;
    let mut browser = Browser::new(&clinic.app);
    browser.app_sign_in("yui@example.jp", PASSWORD).await;
    let today = browser.get("/app/").await;
    let csrf = csrf_of(&today.body);
    let client_id = today
        .body
        .split("name=\"client_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let form = [
        ("csrf", csrf.as_str()),
        ("treatment_id", clinic.treatment_id.as_str()),
        ("client_id", client_id.as_str()),
        ("s.difficulty_breathing", "2"),
        ("s.redness", "1"),
        ("s.pain", "0"),
        ("systolic_bp", "118"),
        ("medical_care", "none"),
    ];
    let sent = browser.post("/app/checkin", &form).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let call = sent.body.find("href=\"tel:119\"").expect("a tel: link");
    let rest = sent
        .body
        .find("data-code=\"local_care\"")
        .expect("local care guidance");
    assert!(call < rest, "the emergency comes first");

    let again = browser.post("/app/checkin", &form).await;
    assert_eq!(again.status, 200, "the same form again is a replay");
    let list = clinic
        .app
        .get(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            &clinic.physician,
        )
        .await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["symptoms"]["difficulty_breathing"], 2);
    assert_eq!(items[0]["vitals"]["systolic_bp"], 118.0);

    let bad = browser
        .post(
            "/app/checkin",
            &[
                ("csrf", &csrf),
                ("treatment_id", &clinic.treatment_id),
                ("client_id", "x-2"),
                ("s.redness", "9"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("role=\"alert\""));
    let forged = browser
        .post_from("/app/checkin", &form, "https://elsewhere.example")
        .await;
    assert_eq!(forged.status, 403);
}

#[actix_web::test]
async fn the_cookie_reaches_check_in_and_sync_only_with_the_csrf_token() {
    let clinic = Clinic::new(30).await;
    let mut browser = Browser::new(&clinic.app);
    browser.app_sign_in("yui@example.jp", PASSWORD).await;
    let csrf = page_csrf(&browser.get("/app/").await.body);
    let origin = browser.address();
    let item = json!({"checkins": [{"treatment_id": clinic.treatment_id, "client_id": "device-1",
                                    "observed_at": chrono::Utc::now(), "symptoms": {"swelling": 1}}]});

    let (status, body) = browser.post_json("/v1/sync", &item, None, &origin).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("csrf_failed")));
    let (status, body) = browser
        .post_json("/v1/sync", &item, Some(&csrf), "https://elsewhere.example")
        .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("csrf_failed")));
    let (status, body) = browser
        .post_json("/v1/sync", &item, Some(&csrf), &origin)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], 201);
    let (_, body) = browser
        .post_json("/v1/sync", &item, Some(&csrf), &origin)
        .await;
    assert_eq!(body["results"][0]["status"], 200, "sent twice, stored once");

    let one = json!({"client_id": "device-2", "symptoms": {"itching": 1}});
    let path = format!("/v1/treatments/{}/checkins", clinic.treatment_id);
    let (status, _) = browser.post_json(&path, &one, Some(&csrf), &origin).await;
    assert_eq!(status, 201);

    // Signing out ends the session at once, for the pages and the API.
    let old_cookie = browser.cookie_header();
    let out = browser.post("/app/logout", &[("csrf", &csrf)]).await;
    assert_eq!(
        (out.status, out.headers[LOCATION].to_str().unwrap()),
        (303, "/app/login")
    );
    browser.cookies.retain(|_| false);
    let replayed = browser
        .client
        .post(format!("{origin}/v1/sync"))
        .header(COOKIE, &old_cookie)
        .header(ORIGIN, &origin)
        .header("x-csrf-token", &csrf)
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status().as_u16(), 401);
    browser.app_sign_in("yui@example.jp", PASSWORD).await;

    // Elsewhere on /v1 the cookie is no credential.
    let me = browser
        .client
        .get(format!("{origin}/v1/me"))
        .header(COOKIE, browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);
    // A staff session does not report for patients through the cookie.
    let mut staff = Browser::new(&clinic.app);
    staff.sign_in("dr.sato@clinic.example", PASSWORD).await;
    let staff_csrf = csrf_of(&staff.get("/dashboard/").await.body);
    let (status, body) = staff
        .post_json("/v1/sync", &item, Some(&staff_csrf), &origin)
        .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
}

#[actix_web::test]
async fn schedule_and_history_show_the_patients_own_days_and_guidance() {
    let clinic = Clinic::new(50).await;
    // Reported when treated: day 0 whatever the hour in Tokyo.
    clinic.report(0, json!({"symptoms": {"redness": 1}})).await;
    let mut browser = Browser::new(&clinic.app);
    browser.app_sign_in("yui@example.jp", PASSWORD).await;

    let schedule = browser.get("/app/schedule").await;
    assert_eq!(schedule.status, 200);
    assert!(
        schedule.body.contains("<tr class=\"done\"><td>0</td>"),
        "day 0 is done"
    );
    assert!(schedule.body.contains("記録済み"));
    assert!(
        schedule.body.contains("<tr class=\"upcoming\"><td>90</td>"),
        "day 90 is ahead"
    );
    let history = browser.get("/app/history").await;
    assert_eq!(history.status, 200);
    assert!(history.body.contains("赤み: 軽い"));
    assert!(history.body.contains("data-code=\"keep_checking_in\""));

    // Another patient's treatment is not found, and stores nothing.
    let (_, physician) = clinic.app.physician("Dr Other").await;
    let (other, _) = clinic.app.patient(&physician, "Other Patient").await;
    let theirs = Clinic::give(&clinic.app, &physician, &other, 5).await;
    let csrf = csrf_of(&history.body);
    let denied = browser
        .post(
            "/app/checkin",
            &[
                ("csrf", &csrf),
                ("treatment_id", &theirs),
                ("client_id", "x-3"),
                ("s.redness", "1"),
            ],
        )
        .await;
    assert_eq!(denied.status, 404);
    assert_eq!(
        clinic.app.count(&format!(
            "SELECT COUNT(*) AS n FROM checkins WHERE treatment_id = '{theirs}'"
        )),
        0
    );
}

#[actix_web::test]
async fn the_app_is_installable_with_a_manifest_and_a_worker_scoped_to_it() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let manifest = browser.get("/app/manifest.webmanifest").await;
    assert_eq!(manifest.status, 200);
    assert!(manifest.headers[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/manifest+json"));
    let manifest: Value = serde_json::from_str(&manifest.body).unwrap();
    assert_eq!(manifest["start_url"], "/app/");
    assert_eq!(manifest["scope"], "/app/");
    assert_eq!(manifest["display"], "standalone");
    let sizes: Vec<&str> = manifest["icons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|icon| icon["sizes"].as_str().unwrap())
        .collect();
    assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"));
    for icon in manifest["icons"].as_array().unwrap() {
        let file = browser.get(icon["src"].as_str().unwrap()).await;
        assert_eq!(file.status, 200);
        assert_eq!(file.headers[CONTENT_TYPE], "image/png");
    }
    let worker = browser.get("/app/sw.js").await;
    assert_eq!(worker.status, 200);
    assert!(worker.headers[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(browser.get("/app").await.headers[LOCATION], "/app/");
}

#[actix_web::test]
async fn the_reminders_page_saves_through_the_api_and_keeps_a_push_subscription() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use p256::elliptic_curve::sec1::ToEncodedPoint;

    let app = spawn_app_with(&[
        ("AFTERCARE_PUSH_ALLOWED_HOSTS", "127.0.0.1"),
        ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
    ])
    .await;
    let clinic = Clinic::with(app, 30, "Asia/Tokyo", "en").await;
    let mut browser = Browser::new(&clinic.app);
    browser.app_sign_in("yui@example.jp", PASSWORD).await;
    let form = browser.get("/app/reminders").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"19:00\""), "the default time");
    let csrf = csrf_of(&form.body);

    let saved = browser
        .post(
            "/app/reminders",
            &[
                ("csrf", &csrf),
                ("time", "07:15"),
                ("email", "yui@example.jp"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200);
    let stored = clinic.app.get("/v1/me/reminders", &clinic.patient).await;
    assert_eq!(
        stored.body,
        json!({"time": "07:15", "web_push": false, "email": "yui@example.jp"})
    );
    let refused = browser
        .post("/app/reminders", &[("csrf", &csrf), ("time", "25:00")])
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        clinic
            .app
            .get("/v1/me/reminders", &clinic.patient)
            .await
            .body,
        stored.body
    );

    let public = p256::SecretKey::random(&mut rand::rngs::OsRng)
        .public_key()
        .to_encoded_point(false);
    let subscription = json!({"endpoint": "https://127.0.0.1:9/push/phone", "expirationTime": null,
        "keys": {"p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()), "auth": URL_SAFE_NO_PAD.encode([3u8; 16])}});
    let origin = browser.address();
    let page_csrf = page_csrf(&form.body);
    let (status, _) = browser
        .post_json("/app/reminders/push", &subscription, None, &origin)
        .await;
    assert_eq!(status, 403);
    let (status, body) = browser
        .post_json(
            "/app/reminders/push",
            &subscription,
            Some(&page_csrf),
            &origin,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let listed = clinic
        .app
        .get("/v1/me/push-subscriptions", &clinic.patient)
        .await;
    assert_eq!(
        listed.body["items"][0]["endpoint"],
        "https://127.0.0.1:9/push/phone"
    );
}
