//! The dashboard's admin pages over HTTP: staff accounts, webhooks with the
//! secret shown once, deliveries with retry, the audit trail; physicians
//! get none of them.

use serde_json::json;

use crate::dashboard::{csrf_of, Browser};
use crate::helpers::*;

#[actix_web::test]
async fn admins_create_staff_and_webhooks_and_read_the_audit_trail() {
    let app = spawn_app_with(&[
        ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
        ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("AFTERCARE_WEBHOOK_DISPATCH", "false"),
    ])
    .await;
    let mut browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status,
        303
    );
    let form = browser.get("/dashboard/admin/staff").await;
    assert_eq!(form.status, 200);
    let csrf = csrf_of(&form.body);
    let made = browser
        .post(
            "/dashboard/admin/staff",
            &[
                ("csrf", &csrf),
                ("display_name", "Dr Kato"),
                ("email", "kato@clinic.example"),
                ("password", PASSWORD),
                ("role", "physician"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(app.login("kato@clinic.example", PASSWORD).await.status, 200);
    let weak = browser
        .post(
            "/dashboard/admin/staff",
            &[
                ("csrf", &csrf),
                ("display_name", "Dr Weak"),
                ("email", "weak@clinic.example"),
                ("password", "short"),
                ("role", "physician"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("role=\"alert\""));

    let hook = browser
        .post(
            "/dashboard/admin/webhooks",
            &[
                ("csrf", &csrf),
                ("url", "http://127.0.0.1:9/hook"),
                ("events", "ping"),
                ("events", "alert.created"),
                ("payload", "minimal"),
            ],
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    assert!(hook.body.contains("whsec_"), "the secret, once");
    let list = browser.get("/dashboard/admin/webhooks").await;
    assert!(list.body.contains("http://127.0.0.1:9/hook"));
    assert!(!list.body.contains("whsec_"), "never again");

    let admin = app.admin_token().await;
    let hooks = app.get("/v1/webhooks", &admin).await;
    let id = hooks.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post(&format!("/v1/webhooks/{id}/ping"), Some(&admin), json!({}))
            .await
            .status,
        202
    );
    let deliveries = browser
        .get(&format!("/dashboard/admin/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(deliveries.status, 200);
    assert!(deliveries.body.contains("ping"));
    let delivery = app
        .get(&format!("/v1/webhooks/{id}/deliveries"), &admin)
        .await;
    let delivery_id = delivery.body["items"][0]["id"].as_str().unwrap().to_owned();
    let retried = browser
        .post(
            &format!("/dashboard/admin/webhooks/{id}/deliveries/{delivery_id}/retry"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(retried.status, 303);

    let audit = browser.get("/dashboard/admin/audit").await;
    assert_eq!(audit.status, 200);
}

#[actix_web::test]
async fn physicians_get_no_admin_page() {
    let clinic = Clinic::new(30).await;
    let mut browser = Browser::new(&clinic.app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    for path in [
        "/dashboard/admin/staff",
        "/dashboard/admin/webhooks",
        "/dashboard/admin/audit",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 403, "{path}");
    }
    let home = browser.get("/dashboard/").await;
    assert!(
        !home.body.contains("/dashboard/admin/"),
        "no admin links for physicians"
    );
}

#[actix_web::test]
async fn the_patient_page_records_a_treatment_and_asks_for_a_reason_when_contraindicated() {
    let clinic = Clinic::new(30).await;
    let mut browser = Browser::new(&clinic.app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    let path = format!("/dashboard/patients/{}", clinic.patient_id);
    let page = browser.get(&path).await;
    let csrf = csrf_of(&page.body);
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut fields = vec![
            ("kind", "injection"),
            ("sites", "face"),
            ("sites", "scalp"),
            ("product", "Exo-Y"),
            ("administered_at", "2026-11-30T10:00"),
        ];
        fields.extend_from_slice(extra);
        fields
    };
    let mut refused = form(&[("pregnant", "true")]);
    refused.push(("csrf", &csrf));
    let answer = browser.post(&format!("{path}/treatments"), &refused).await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("role=\"alert\""));
    let mut accepted = form(&[
        ("pregnant", "true"),
        ("override_reason", "benefit discussed, consent given"),
    ]);
    accepted.push(("csrf", &csrf));
    let answer = browser.post(&format!("{path}/treatments"), &accepted).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let treatments = clinic
        .app
        .get(
            &format!("/v1/patients/{}/treatments", clinic.patient_id),
            &clinic.physician,
        )
        .await;
    let recorded = treatments.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["product"] == "Exo-Y")
        .expect("the treatment")
        .clone();
    assert_eq!(recorded["sites"], json!(["face", "scalp"]));
    // 10:00 in Tokyo, the physician's zone.
    assert_eq!(recorded["administered_at"], "2026-11-30T01:00:00Z");
}

#[actix_web::test]
async fn the_patient_page_offers_the_fhir_export_to_those_who_may_see_the_patient() {
    let clinic = Clinic::new(30).await;
    clinic.report(20, json!({"symptoms": {"redness": 2}})).await;
    let mut browser = Browser::new(&clinic.app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    let path = format!("/dashboard/patients/{}/fhir", clinic.patient_id);
    let page = browser
        .get(&format!("/dashboard/patients/{}", clinic.patient_id))
        .await;
    assert!(page.body.contains(&path), "the page links the export");
    let export = browser.get(&path).await;
    assert_eq!(export.status, 200);
    assert!(export.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/fhir+json"));
    assert!(export.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let bundle: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    let (_, other) = clinic.app.physician("Dr Other").await;
    let (hidden, _) = clinic.app.patient(&other, "Hidden Patient").await;
    assert_eq!(
        browser
            .get(&format!("/dashboard/patients/{hidden}/fhir"))
            .await
            .status,
        404
    );
}
