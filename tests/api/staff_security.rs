//! Staff two-factor sign-in, sessions and passwords, as the contract's
//! "Care roles and staff security" gives them. Codes are computed as an
//! authenticator app does, by another crate (totp-lite) than the
//! service's, from the secret the enrolment shows; each bypass a stranger
//! with the password would try is tried.

use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dashboard::{csrf_of, Browser};
use crate::helpers::*;

const STEP: u64 = 30;

/// The authenticator: the enrolled secret, and the 30-second step the test
/// started in (codes one step either side are accepted).
struct Authenticator {
    secret: Vec<u8>,
    step: u64,
}

impl Authenticator {
    /// Waits out the last seconds of a step, so that "this step" and its
    /// neighbours stay within the service's window for the whole test.
    async fn from_enrolment(enrolment: &Value) -> Self {
        let base32 = enrolment["secret"].as_str().unwrap();
        let url = enrolment["otpauth_url"].as_str().unwrap();
        assert!(url.contains(&format!("secret={base32}")), "{url}");
        let secret = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, base32).unwrap();
        let mut now = unix_now();
        if now % STEP > STEP - 8 {
            tokio::time::sleep(std::time::Duration::from_secs(STEP - now % STEP + 1)).await;
            now = unix_now();
        }
        Self {
            secret,
            step: now / STEP,
        }
    }

    /// The code of the step `offset` steps from the start.
    fn code(&self, offset: i64) -> String {
        let step = self.step.checked_add_signed(offset).unwrap();
        totp_lite::totp_custom::<totp_lite::Sha1>(STEP, 6, &self.secret, step * STEP)
    }

    /// A code of none of the accepted steps.
    fn wrong(&self) -> String {
        let accepted: Vec<String> = (-1..=1).map(|o| self.code(o)).collect();
        (0..1_000_000)
            .map(|n| format!("{n:06}"))
            .find(|c| !accepted.contains(c))
            .unwrap()
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The `amr` claim of an access token.
fn amr_of(token: &str) -> Vec<String> {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["amr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

const EMAIL: &str = "dr.mfa@clinic.example";

/// A physician with two-factor sign-in on: (user id, access token of the
/// enrolling session, its refresh token, the authenticator, the recovery
/// codes). The enrolment is confirmed with the code of step -1.
async fn enrolled(app: &TestApp) -> (String, Value, Authenticator, Vec<String>) {
    let (id, _) = app.physician("Dr Mfa").await;
    let pair = app.login(EMAIL, PASSWORD).await.body;
    let token = pair["access_token"].as_str().unwrap();
    let enrolment = app.post("/v1/me/mfa/totp", Some(token), json!({})).await;
    assert_eq!(enrolment.status, 200, "{:?}", enrolment.body);
    let authenticator = Authenticator::from_enrolment(&enrolment.body).await;
    let confirmed = app
        .post(
            "/v1/me/mfa/totp/confirm",
            Some(token),
            json!({"code": authenticator.code(-1)}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{:?}", confirmed.body);
    let recovery: Vec<String> = confirmed.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (id, pair, authenticator, recovery)
}

/// A sign-in's first step for the enrolled physician: its mfa_token.
async fn mfa_token(app: &TestApp) -> String {
    let reply = app.login(EMAIL, PASSWORD).await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert_eq!(reply.code(), "mfa_required");
    assert!(reply.body.get("access_token").is_none());
    assert_eq!(reply.body["mfa_token_expires_in"], 300);
    reply.body["mfa_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_physician_enrols_and_then_signs_in_with_a_code_once() {
    let app = spawn_app().await;
    let (id, first, authenticator, recovery) = enrolled(&app).await;
    assert_eq!(recovery.len(), 10);
    // Sealed at rest: neither the secret nor a recovery code is stored.
    let base32 = base32::encode(
        base32::Alphabet::Rfc4648 { padding: false },
        &authenticator.secret,
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM mfa_totp WHERE user_id = '{id}' \
             AND secret_sealed NOT LIKE '%{base32}%'"
        )),
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM mfa_recovery_codes"),
        10
    );
    for code in &recovery {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) AS n FROM mfa_recovery_codes WHERE code_hash LIKE '%{code}%'"
            )),
            0
        );
    }
    // Turning it on kept the enrolling session, now counted with both
    // factors from its next refresh.
    let refreshed = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": first["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status, 200);
    assert_eq!(
        amr_of(refreshed.body["access_token"].as_str().unwrap()),
        ["pwd", "otp"]
    );

    let token = mfa_token(&app).await;
    let wrong = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "code": authenticator.wrong()}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.code(), "invalid_mfa_code");
    // The step used to confirm cannot sign in.
    let reused = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "code": authenticator.code(-1)}),
        )
        .await;
    assert_eq!(reused.code(), "mfa_code_reused");
    let signed = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "code": authenticator.code(0)}),
        )
        .await;
    assert_eq!(signed.status, 200, "{:?}", signed.body);
    assert_eq!(signed.body["user"]["id"], id.as_str());
    let access = signed.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(amr_of(&access), ["pwd", "otp"]);
    assert_eq!(app.get("/v1/worklist", &access).await.status, 200);
    // The mfa_token is spent, and the code too, on a new sign-in.
    let again = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "code": authenticator.code(1)}),
        )
        .await;
    assert_eq!(again.code(), "invalid_mfa_token");
    let fresh = mfa_token(&app).await;
    let same_code = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": fresh, "code": authenticator.code(0)}),
        )
        .await;
    assert_eq!(same_code.code(), "mfa_code_reused");
    // A refresh keeps the strength.
    let refreshed = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": signed.body["refresh_token"]}),
        )
        .await;
    assert_eq!(
        amr_of(refreshed.body["access_token"].as_str().unwrap()),
        ["pwd", "otp"]
    );

    // A recovery code works once, typed any way.
    let with_recovery = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": fresh, "recovery_code": recovery[0].to_lowercase()}),
        )
        .await;
    assert_eq!(with_recovery.status, 200, "{:?}", with_recovery.body);
    let token = mfa_token(&app).await;
    let spent = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "recovery_code": recovery[0]}),
        )
        .await;
    assert_eq!(spent.code(), "mfa_code_reused");
    let both = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "code": "123456", "recovery_code": recovery[1]}),
        )
        .await;
    assert_eq!(both.status, 422);

    // Turned on again is 409; patients and caregivers have none.
    assert_eq!(
        app.post("/v1/me/mfa/totp", Some(&access), json!({}))
            .await
            .code(),
        "mfa_already_enabled"
    );
    let clinic = Clinic::with(app.replica(&[]).await, 30, "Asia/Tokyo", "ja").await;
    let refused = clinic
        .app
        .post("/v1/me/mfa/totp", Some(&clinic.patient), json!({}))
        .await;
    assert_eq!(refused.status, 403);
    // Each change is in the trail, as an account event.
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE actor_id = '{id}' \
             AND resource_type IN ('mfa_enrolment', 'mfa') AND patient_id = ''"
        )) >= 2
    );
}

#[actix_web::test]
async fn no_bypass_gets_a_session_without_the_code() {
    let app = spawn_app().await;
    // A session from before two-factor sign-in was turned on.
    let (_, _) = app.physician("Dr Mfa").await;
    let before = app.login(EMAIL, PASSWORD).await.body;
    let pair = app.login(EMAIL, PASSWORD).await.body;
    let token = pair["access_token"].as_str().unwrap();
    let enrolment = app.post("/v1/me/mfa/totp", Some(token), json!({})).await;
    let authenticator = Authenticator::from_enrolment(&enrolment.body).await;
    let confirmed = app
        .post(
            "/v1/me/mfa/totp/confirm",
            Some(token),
            json!({"code": authenticator.code(-1)}),
        )
        .await;
    assert_eq!(confirmed.status, 200);

    // The old session ended: its access token and refresh token fail.
    let old = before["access_token"].as_str().unwrap();
    assert_eq!(app.get("/v1/me", old).await.status, 401);
    let old_refresh = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": before["refresh_token"]}),
        )
        .await;
    assert_eq!(old_refresh.status, 401);

    // The dashboard's sign-in asks for the code and sets no session.
    let mut browser = Browser::new(&app);
    let asked = browser.sign_in(EMAIL, PASSWORD).await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("name=\"mfa_token\""));
    assert!(!browser
        .cookies
        .iter()
        .any(|(n, _)| n == "aftercare_session"));
    assert_eq!(browser.get("/dashboard/").await.status, 303);
    // A wrong code stays on the form; the right one signs in.
    let csrf = csrf_of(&asked.body);
    let at = asked.body.find("name=\"mfa_token\" value=\"").unwrap() + 24;
    let form_token = asked.body[at..].split('"').next().unwrap().to_owned();
    let wrong = browser
        .post(
            "/dashboard/login/mfa",
            &[
                ("csrf", &csrf),
                ("mfa_token", &form_token),
                ("code", &authenticator.wrong()),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(!browser
        .cookies
        .iter()
        .any(|(n, _)| n == "aftercare_session"));
    let right = browser
        .post(
            "/dashboard/login/mfa",
            &[
                ("csrf", &csrf),
                ("mfa_token", &form_token),
                ("code", &authenticator.code(0)),
            ],
        )
        .await;
    assert_eq!(right.status, 303, "{}", right.body);
    assert_eq!(browser.get("/dashboard/").await.status, 200);
    // The patient app refuses staff before any session.
    let mut app_browser = Browser::new(&app);
    let form = app_browser.get("/app/login").await;
    let csrf = csrf_of(&form.body);
    let refused = app_browser
        .post(
            "/app/login",
            &[("csrf", &csrf), ("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(!app_browser
        .cookies
        .iter()
        .any(|(n, _)| n == "aftercare_session"));

    // A fresh mfa_token per guess changes nothing: the fifth wrong code
    // of the user in 15 minutes is 429, and so is the right one after.
    for guess in 1..=5 {
        let token = mfa_token(&app).await;
        let reply = app
            .post(
                "/v1/auth/mfa",
                None,
                json!({"mfa_token": token, "code": authenticator.wrong()}),
            )
            .await;
        let want = if guess < 5 { 401 } else { 429 };
        assert_eq!(reply.status, want, "guess {guess}: {:?}", reply.body);
    }
    let token = mfa_token(&app).await;
    let blocked = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "code": authenticator.code(1)}),
        )
        .await;
    assert_eq!(blocked.status, 429);
    assert!(blocked.header("retry-after").is_some());
}

#[actix_web::test]
async fn an_mfa_token_is_void_after_five_wrong_codes() {
    let app = spawn_app().await;
    let (_, _, authenticator, _) = enrolled(&app).await;
    let token = mfa_token(&app).await;
    for _ in 0..5 {
        app.post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "code": authenticator.wrong()}),
        )
        .await;
    }
    // The user's counter blocks now, and the token itself is void for
    // good.
    let count = app
        .count("SELECT COUNT(*) AS n FROM mfa_challenges WHERE failures >= 5 AND used_at IS NULL");
    assert_eq!(count, 1);
}

#[actix_web::test]
async fn sessions_are_listed_and_ended_and_a_new_password_ends_the_others() {
    let app = spawn_app().await;
    let (_, a) = app.physician("Dr Sessions").await;
    let email = "dr.sessions@clinic.example";
    let two = app.login(email, PASSWORD).await.body;
    let b = two["access_token"].as_str().unwrap().to_owned();
    let listed = app.get("/v1/me/sessions", &a).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let items = listed.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(items.iter().all(|s| s["kind"] == "api"));
    let other = items.iter().find(|s| s["current"] == false).unwrap();
    // Ending it makes its access token fail at the next request.
    let ended = app
        .call(
            Method::DELETE,
            &format!("/v1/me/sessions/{}", other["id"].as_str().unwrap()),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(ended.status, 204);
    assert_eq!(app.get("/v1/me", &b).await.status, 401);
    assert_eq!(app.get("/v1/me", &a).await.status, 200);
    let gone = app
        .call(
            Method::DELETE,
            &format!("/v1/me/sessions/{}", other["id"].as_str().unwrap()),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(gone.status, 404);
    // A browser session is listed too, and someone else's is not theirs.
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in(email, PASSWORD).await.status, 303);
    let listed = app.get("/v1/me/sessions", &a).await;
    let kinds: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&"browser"));
    let (_, stranger) = app.physician("Dr Stranger").await;
    let theirs = listed.body["items"][0]["id"].as_str().unwrap().to_owned();
    let not_theirs = app
        .call(
            Method::DELETE,
            &format!("/v1/me/sessions/{theirs}"),
            Some(&stranger),
            None,
        )
        .await;
    assert_eq!(not_theirs.status, 404);

    // A wrong current password is a form error naming it.
    let wrong = app
        .post(
            "/v1/me/password",
            Some(&a),
            json!({"current_password": "not the password at all", "new_password": "a brand new passphrase of mine"}),
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body["errors"]["current_password"].is_array());
    let weak = app
        .post(
            "/v1/me/password",
            Some(&a),
            json!({"current_password": PASSWORD, "new_password": "password123"}),
        )
        .await;
    assert!(weak.body["errors"]["new_password"].is_array());
    let changed = app
        .post(
            "/v1/me/password",
            Some(&a),
            json!({"current_password": PASSWORD, "new_password": "a brand new passphrase of mine"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{:?}", changed.body);
    // The browser's session ended; this one goes on.
    assert_eq!(browser.get("/dashboard/").await.status, 303);
    assert_eq!(app.get("/v1/me", &a).await.status, 200);
    assert_eq!(app.login(email, PASSWORD).await.status, 401);
    assert_eq!(
        app.login(email, "a brand new passphrase of mine")
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn an_admin_resets_a_lost_authenticator_and_the_trail_says_who() {
    let app = spawn_app().await;
    let (id, pair, _, _) = enrolled(&app).await;
    let admin = app.admin_token().await;
    let physician = pair["access_token"].as_str().unwrap();
    let not_admin = app
        .post(
            &format!("/v1/users/{id}/mfa/reset"),
            Some(physician),
            json!({}),
        )
        .await;
    assert_eq!(not_admin.status, 403);
    let reset = app
        .post(
            &format!("/v1/users/{id}/mfa/reset"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(reset.status, 204);
    // Every session of theirs ended; the password alone signs in again.
    assert_eq!(app.get("/v1/me", physician).await.status, 401);
    let signed = app.login(EMAIL, PASSWORD).await;
    assert_eq!(signed.status, 200, "{:?}", signed.body);
    let trail = app.get("/v1/audit?limit=200", &admin).await;
    let row = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource_type"] == "mfa" && r["action"] == "delete")
        .cloned()
        .unwrap();
    assert_eq!(row["actor_role"], "admin");
    assert_eq!(row["resource_id"], id.as_str());
    assert_eq!(row["patient_id"], Value::Null);
    let unknown = app
        .post(
            &format!("/v1/users/{}/mfa/reset", uuid::Uuid::new_v4()),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[actix_web::test]
async fn where_the_clinic_requires_it_staff_without_a_second_factor_may_only_enrol() {
    // The account is made before the requirement (an admin is staff too).
    let before = spawn_app().await;
    let (_, token) = before.physician("Dr Mfa").await;
    let app = before
        .replica(&[("AFTERCARE_REQUIRE_STAFF_MFA", "true")])
        .await;
    let refused = app.get("/v1/worklist", &token).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.code(), "mfa_enrolment_required");
    // The dashboard sends them to the security page.
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in(EMAIL, PASSWORD).await.status, 303);
    let worklist = browser.get("/dashboard/").await;
    assert_eq!(worklist.status, 303);
    assert_eq!(
        worklist.headers.get("location").unwrap(),
        "/dashboard/security"
    );
    // Nor does its cookie open the event stream.
    let stream = browser.get("/v1/events").await;
    assert_eq!(stream.status, 403);
    assert!(stream.body.contains("mfa_enrolment_required"));
    // A session made without a second factor is not refreshed.
    let pair = app.login(EMAIL, PASSWORD).await.body;
    let refreshed = app
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(refreshed.status, 401);
    assert_eq!(refreshed.code(), "mfa_required");
    // Enrolling is allowed, and then the code opens everything.
    let enrolment = app.post("/v1/me/mfa/totp", Some(&token), json!({})).await;
    assert_eq!(enrolment.status, 200, "{:?}", enrolment.body);
    let authenticator = Authenticator::from_enrolment(&enrolment.body).await;
    let confirmed = app
        .post(
            "/v1/me/mfa/totp/confirm",
            Some(&token),
            json!({"code": authenticator.code(-1)}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{:?}", confirmed.body);
    let token = mfa_token(&app).await;
    let signed = app
        .post(
            "/v1/auth/mfa",
            None,
            json!({"mfa_token": token, "code": authenticator.code(0)}),
        )
        .await;
    let access = signed.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/v1/worklist", access).await.status, 200);
}

/// The value of the `name` attribute's input on a page.
fn field_value(body: &str, pattern: &str) -> String {
    let at = body.find(pattern).unwrap_or_else(|| panic!("no {pattern}")) + pattern.len();
    body[at..].split(['"', '<']).next().unwrap().to_owned()
}

#[actix_web::test]
async fn the_security_page_turns_two_factor_sign_in_on_with_a_qr_code() {
    let app = spawn_app().await;
    let (_, _) = app.physician("Dr Mfa").await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in(EMAIL, PASSWORD).await.status, 303);
    let page = browser.get("/dashboard/security").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Turn on two-factor sign-in")
            || page.body.contains("2段階認証を有効にする")
    );
    let csrf = csrf_of(&page.body);
    let started = browser
        .post("/dashboard/security/mfa", &[("csrf", &csrf)])
        .await;
    assert_eq!(started.status, 200);
    assert!(started.body.contains("<svg"), "a QR code");
    let secret = field_value(&started.body, "<strong class=\"code\">");
    let enrolment =
        json!({"secret": secret, "otpauth_url": format!("otpauth://x?secret={secret}")});
    let authenticator = Authenticator::from_enrolment(&enrolment).await;
    let confirmed = browser
        .post(
            "/dashboard/security/mfa/confirm",
            &[("csrf", &csrf), ("code", &authenticator.code(0))],
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.body.matches("<li class=\"code\">").count(), 10);
    // This browser's session now counts with both factors; a new sign-in
    // asks for the code.
    assert_eq!(browser.get("/dashboard/").await.status, 200);
    let reply = app.login(EMAIL, PASSWORD).await;
    assert_eq!(reply.code(), "mfa_required");
    // The sessions table lists this browser; the password form names a
    // wrong current password.
    let page = browser.get("/dashboard/security").await;
    assert!(page.body.contains("<table"));
    let wrong = browser
        .post(
            "/dashboard/security/password",
            &[
                ("csrf", &csrf),
                ("current_password", "not it at all"),
                ("new_password", "another fine passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
}

#[actix_web::test]
async fn admins_deactivate_staff_and_reset_their_two_factor_sign_in_on_the_dashboard() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let (id, pair, _, _) = enrolled(app).await;
    let added = app
        .call(
            Method::PUT,
            &format!("/v1/patients/{}/care-team/{id}", clinic.patient_id),
            Some(&clinic.physician),
            None,
        )
        .await;
    assert_eq!(added.status, 204);
    let mut browser = Browser::new(app);
    browser.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = browser.get("/dashboard/admin/staff").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("dr.mfa@clinic.example"));
    let csrf = csrf_of(&page.body);
    let reset = browser
        .post(
            &format!("/dashboard/admin/staff/{id}/mfa-reset"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_eq!(app.login(EMAIL, PASSWORD).await.status, 200);
    let gone = browser
        .post(
            &format!("/dashboard/admin/staff/{id}/deactivate"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    // Their patients are listed for reassignment.
    assert!(gone
        .body
        .contains(&format!("/dashboard/patients/{}", clinic.patient_id)));
    let token = pair["access_token"].as_str().unwrap();
    assert_eq!(app.get("/v1/me", token).await.status, 401);
    assert_eq!(
        app.login(EMAIL, PASSWORD).await.code(),
        "invalid_credentials"
    );
    // Deactivated accounts join no team.
    let again = app
        .call(
            Method::PUT,
            &format!("/v1/patients/{}/care-team/{id}", clinic.patient_id),
            Some(&clinic.physician),
            None,
        )
        .await;
    assert_eq!(again.status, 404);
    let admin = app.admin_token().await;
    let own = app
        .post(
            &format!(
                "/v1/users/{}/deactivate",
                app.get("/v1/me", &admin).await.body["id"].as_str().unwrap()
            ),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(own.status, 422);
    // Each change is an audit row with the admin as actor.
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE actor_role = 'admin' \
             AND resource_id = '{id}' AND resource_type IN ('mfa', 'user')"
        )) >= 2
    );
}

#[actix_web::test]
async fn a_nurse_sees_the_patient_page_without_the_forms_that_are_not_theirs() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    clinic.nurse_on_team().await;
    let mut browser = Browser::new(app);
    assert_eq!(
        browser
            .sign_in("nurse.ito@clinic.example", PASSWORD)
            .await
            .status,
        303
    );
    assert_eq!(browser.get("/dashboard/").await.status, 200);
    let page = browser
        .get(&format!("/dashboard/patients/{}", clinic.patient_id))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tanaka Yui"));
    assert!(!page.body.contains("/invite\""));
    assert!(!page.body.contains("/treatments\""));
    let csrf = csrf_of(&page.body);
    let invite = browser
        .post(
            &format!("/dashboard/patients/{}/invite", clinic.patient_id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(invite.status, 403);
}
