//! The dashboard's pages over HTTP: the cookie and its flags, CSRF, the
//! Content-Security-Policy, the same access rules as the API, and hostile
//! text shown as text. (What a browser shows is in tests/browser.)

use reqwest::header::{HeaderMap, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::json;

use crate::helpers::*;

/// A browser without a cookie jar of its own: cookies are carried by hand,
/// redirects are not followed.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub client: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            app,
            client,
            cookies: Vec::new(),
        }
    }

    pub fn address(&self) -> String {
        self.app.address.clone()
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn take(&mut self, response: reqwest::Response) -> Page {
        for set in response.headers().get_all(SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.app.address))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.take(response).await
    }

    /// A form post from the service's own page (its Origin).
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_from(path, form, &self.app.address.clone()).await
    }

    pub async fn post_from(&mut self, path: &str, form: &[(&str, &str)], origin: &str) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.app.address))
            .header(COOKIE, self.cookie_header())
            .header(ORIGIN, origin)
            .form(form)
            .send()
            .await
            .unwrap();
        self.take(response).await
    }

    /// Signs in through the form; returns the answer to the form.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/dashboard/login").await;
        let csrf = csrf_of(&form.body);
        self.post(
            "/dashboard/login",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }
}

/// The CSRF token a page's forms carry.
pub fn csrf_of(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    body[at..].split('"').next().unwrap().to_owned()
}

fn set_cookie<'h>(page: &'h Page, name: &str) -> &'h str {
    page.headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

#[actix_web::test]
async fn pages_send_a_strict_content_security_policy_and_forms_carry_a_token() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let login = browser.get("/dashboard/login").await;
    assert_eq!(login.status, 200);
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(login.headers["referrer-policy"], "no-referrer");
    assert!(login.body.contains("Password") || login.body.contains("パスワード"));
    assert!(csrf_of(&login.body).len() >= 32);
    let cookie = set_cookie(&login, "aftercare_login_csrf");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // Not signed in: every page leads to the sign-in form.
    let worklist = browser.get("/dashboard/").await;
    assert_eq!(worklist.status, 303);
    assert_eq!(worklist.headers[LOCATION], "/dashboard/login");
}

#[actix_web::test]
async fn signing_in_sets_one_strict_http_only_cookie_and_a_wrong_password_stays_on_the_form() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let mut browser = Browser::new(app);
    let wrong = browser
        .sign_in("dr.sato@clinic.example", "not the password")
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("role=\"alert\""), "{}", wrong.body);
    assert!(wrong
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("aftercare_session=")));

    let signed_in = browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let cookie = set_cookie(&signed_in, "aftercare_session");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(
        !cookie.contains("Domain") && !cookie.contains("Secure"),
        "{cookie}"
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM web_sessions"), 1);
    let page = browser.get("/dashboard/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tanaka Yui"));

    // Signing out ends the session at once: the old cookie no longer works.
    let old = browser.cookies.clone();
    let csrf = csrf_of(&page.body);
    let out = browser.post("/dashboard/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM web_sessions"), 0);
    browser.cookies = old;
    assert_eq!(browser.get("/dashboard/").await.status, 303);
}

#[actix_web::test]
async fn behind_https_the_cookie_is_host_prefixed_and_secure() {
    let app = spawn_app_with(&[("AFTERCARE_PUBLIC_URL", "https://aftercare.clinic.example")]).await;
    let admin_form = {
        let mut browser = Browser::new(&app);
        let form = browser.get("/dashboard/login").await;
        let csrf = csrf_of(&form.body);
        browser
            .post_from(
                "/dashboard/login",
                &[
                    ("csrf", &csrf),
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                ],
                "https://aftercare.clinic.example",
            )
            .await
    };
    let cookie = set_cookie(&admin_form, "__Host-aftercare_session");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
}

#[actix_web::test]
async fn forms_without_the_token_or_from_another_origin_are_refused() {
    let clinic = Clinic::new(30).await;
    let urgent = clinic
        .report(25, json!({"symptoms": {"headache": 4}}))
        .await;
    let alert_id = urgent.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let mut browser = Browser::new(&clinic.app);
    assert_eq!(
        browser
            .sign_in("dr.sato@clinic.example", PASSWORD)
            .await
            .status,
        303
    );
    let page = browser.get(&format!("/dashboard/alerts/{alert_id}")).await;
    let csrf = csrf_of(&page.body);
    let path = format!("/dashboard/alerts/{alert_id}/acknowledge");
    let no_token = browser.post(&path, &[("level", "urgent")]).await;
    assert_eq!(no_token.status, 403);
    let elsewhere = browser
        .post_from(
            &path,
            &[("csrf", &csrf), ("level", "urgent")],
            "https://evil.example",
        )
        .await;
    assert_eq!(elsewhere.status, 403);
    let alert = clinic
        .app
        .get(&format!("/v1/alerts/{alert_id}"), &clinic.physician)
        .await;
    assert_eq!(alert.body["status"], "open", "nothing was done");
    // The sign-in form checks its token too.
    let mut stranger = Browser::new(&clinic.app);
    let forged = stranger
        .post(
            "/dashboard/login",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(forged.status, 403);
}

#[actix_web::test]
async fn the_alert_forms_act_through_the_api_and_a_stale_level_shows_the_alert_again() {
    let clinic = Clinic::new(30).await;
    let urgent = clinic
        .report(25, json!({"symptoms": {"headache": 4}}))
        .await;
    let alert_id = urgent.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let mut browser = Browser::new(&clinic.app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    let page = browser.get(&format!("/dashboard/alerts/{alert_id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Acknowledge") || page.body.contains("確認済みにする"));
    assert!(page.body.contains("Tanaka Yui"), "the patient is named");
    let csrf = csrf_of(&page.body);
    let path = format!("/dashboard/alerts/{alert_id}/acknowledge");

    let stale = browser
        .post(&path, &[("csrf", &csrf), ("level", "warning")])
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("role=\"alert\""));
    let alert = clinic
        .app
        .get(&format!("/v1/alerts/{alert_id}"), &clinic.physician)
        .await;
    assert_eq!(alert.body["status"], "open");

    let done = browser
        .post(&path, &[("csrf", &csrf), ("level", "urgent")])
        .await;
    assert_eq!(done.status, 303);
    let alert = clinic
        .app
        .get(&format!("/v1/alerts/{alert_id}"), &clinic.physician)
        .await;
    assert_eq!(alert.body["status"], "acknowledged");
    assert_eq!(alert.body["acknowledged_by"], clinic.physician_id.as_str());

    let resolve = format!("/dashboard/alerts/{alert_id}/resolve");
    let empty_note = browser
        .post(
            &resolve,
            &[
                ("csrf", &csrf),
                ("level", "urgent"),
                ("outcome", "recovered"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(empty_note.status, 422);
    let resolved = browser
        .post(
            &resolve,
            &[
                ("csrf", &csrf),
                ("level", "urgent"),
                ("outcome", "recovered"),
                ("note", "called, fine"),
            ],
        )
        .await;
    assert_eq!(resolved.status, 303);
    let alert = clinic
        .app
        .get(&format!("/v1/alerts/{alert_id}"), &clinic.physician)
        .await;
    assert_eq!(alert.body["status"], "resolved");
}

#[actix_web::test]
async fn another_teams_patient_is_a_not_found_page_and_hostile_names_are_text() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let hostile = "<img src=x onerror=alert(1)>";
    let (_, other) = app.physician("Dr Other").await;
    let (hidden, _) = app.patient(&other, "Hidden Patient").await;
    let (mine, _) = app.patient(&clinic.physician, hostile).await;
    Clinic::give(app, &clinic.physician, &mine, 5).await;
    let mut browser = Browser::new(app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;

    let denied = browser.get(&format!("/dashboard/patients/{hidden}")).await;
    assert_eq!(denied.status, 404);
    assert!(!denied.body.contains("Hidden Patient"));
    assert!(denied.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    for path in [
        "/dashboard/".to_owned(),
        format!("/dashboard/patients/{mine}"),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains(hostile), "{path} shows markup");
        assert!(
            page.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{path}"
        );
    }
    let chart = browser
        .get(&format!("/dashboard/patients/{}", clinic.patient_id))
        .await;
    assert!(chart.body.contains("role=\"img\""));
    assert!(chart.body.contains("Symptoms by day") || chart.body.contains("日ごとの症状"));
}

#[actix_web::test]
async fn a_new_invite_is_shown_once_with_a_qr_code_of_the_sign_up_link() {
    let app = spawn_app().await;
    let (_, physician) = app.physician("Dr Sato").await;
    let (patient, _) = app.patient(&physician, "Suzuki Ken").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    let page = browser.get(&format!("/dashboard/patients/{patient}")).await;
    let csrf = csrf_of(&page.body);
    let made = browser
        .post(
            &format!("/dashboard/patients/{patient}/invite"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert!(made.body.contains("<svg"), "a QR code");
    let code_at = made.body.find("class=\"code\">").unwrap() + 13;
    let code: String = made.body[code_at..]
        .chars()
        .take_while(|c| *c != '<')
        .collect();
    let registered = app.register(&code, "ken@example.jp").await;
    assert!(registered["access_token"].is_string());
}

#[actix_web::test]
async fn the_event_stream_takes_the_dashboard_cookie() {
    let clinic = Clinic::new(30).await;
    let mut browser = Browser::new(&clinic.app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    let response = browser
        .client
        .get(format!("{}/v1/events", clinic.app.address))
        .header(COOKIE, browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    // Elsewhere on /v1 the cookie is no credential.
    let me = browser
        .client
        .get(format!("{}/v1/me", clinic.app.address))
        .header(COOKIE, browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
}

#[actix_web::test]
async fn the_statistics_page_counts_the_care_teams_cohort() {
    let clinic = Clinic::new(30).await;
    clinic.report(20, json!({"symptoms": {"redness": 2}})).await;
    let mut browser = Browser::new(&clinic.app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    let page = browser.get("/dashboard/stats").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("role=\"img\""));
    assert!(
        page.body.contains("100%"),
        "the one patient reported redness"
    );
    let bad = browser
        .get("/dashboard/stats?from=2026-12-31&to=2026-01-01")
        .await;
    assert_eq!(bad.status, 400);
}
