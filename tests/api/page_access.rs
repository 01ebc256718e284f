//! The authorisation matrix of the pages: every page of the dashboard and
//! the patient app, opened with the session of the patient, their
//! caregiver, another patient, a care-team physician, a care-team nurse,
//! another physician, an admin, and with none. A page added to the routes
//! without a row here fails the test.

use serde_json::json;

use crate::dashboard::Browser;
use crate::helpers::*;

/// Expected statuses for [patient, caregiver, other patient, care team,
/// nurse, other physician, admin, anonymous].
type Expected = [u16; 8];

const STAFF_ONLY: Expected = [403, 403, 403, 200, 200, 200, 200, 303];
const CARE_TEAM: Expected = [403, 403, 403, 200, 200, 404, 200, 303];
const ADMIN_ONLY: Expected = [403, 403, 403, 403, 403, 403, 200, 303];
const PATIENTS_ONLY: Expected = [200, 403, 200, 403, 403, 403, 403, 303];
/// The pages a caregiver shares with the patient: today's check-in and
/// the schedule, for the patient they report for.
const REPORTING: Expected = [200, 200, 200, 403, 403, 403, 403, 303];

#[actix_web::test]
async fn every_page_answers_each_caller_as_expected() {
    let app = spawn_app_with(&[
        ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
        ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("AFTERCARE_WEBHOOK_DISPATCH", "false"),
    ])
    .await;
    let clinic = Clinic::with(app, 30, "Asia/Tokyo", "ja").await;
    let alert_id = clinic.urgent_alert(25).await;
    let app = &clinic.app;
    let (_, other_physician) = app.physician("Dr Other").await;
    let (other_patient_id, code) = app.patient(&other_physician, "Other Patient").await;
    app.register(&code, "other@example.jp").await;
    Clinic::give(app, &other_physician, &other_patient_id, 10).await;
    app.physician("Dr Lone").await;
    app.caregiver(&clinic.patient, "mother", "mother@example.jp")
        .await;
    clinic.nurse_on_team().await;
    let admin = app.admin_token().await;
    let hook = app
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": "http://127.0.0.1:9/hook", "events": ["alert.created"]}),
        )
        .await;
    let hook_id = hook.body["id"].as_str().unwrap().to_owned();

    let mut callers = Vec::new();
    for (email, patient) in [
        ("yui@example.jp", true),
        ("mother@example.jp", true),
        ("other@example.jp", true),
        ("dr.sato@clinic.example", false),
        ("nurse.ito@clinic.example", false),
        ("dr.lone@clinic.example", false),
        (ADMIN_EMAIL, false),
    ] {
        let mut browser = Browser::new(app);
        let password = if email == ADMIN_EMAIL {
            ADMIN_PASSWORD
        } else {
            PASSWORD
        };
        let signed_in = if patient {
            browser.app_sign_in(email, password).await
        } else {
            browser.sign_in(email, password).await
        };
        assert_eq!(signed_in.status, 303, "{email} signs in");
        callers.push(browser);
    }
    callers.push(Browser::new(app));

    let patient = format!("/dashboard/patients/{}", clinic.patient_id);
    let pages: Vec<(&str, String, Expected)> = vec![
        // An admin treats no one: no worklist, sent on to the admin pages.
        (
            "/dashboard/",
            "/dashboard/".to_owned(),
            [403, 403, 403, 200, 200, 200, 303, 303],
        ),
        (
            "/dashboard/worklist/rows",
            "/dashboard/worklist/rows".to_owned(),
            [403, 403, 403, 200, 200, 200, 403, 303],
        ),
        (
            "/dashboard/alerts/{alert_id}",
            format!("/dashboard/alerts/{alert_id}"),
            CARE_TEAM,
        ),
        (
            "/dashboard/patients/{patient_id}",
            patient.clone(),
            CARE_TEAM,
        ),
        (
            "/dashboard/patients/{patient_id}/fhir",
            format!("{patient}/fhir"),
            CARE_TEAM,
        ),
        (
            "/dashboard/stats",
            "/dashboard/stats".to_owned(),
            STAFF_ONLY,
        ),
        (
            "/dashboard/stats/replay",
            "/dashboard/stats/replay".to_owned(),
            ADMIN_ONLY,
        ),
        (
            "/dashboard/security",
            "/dashboard/security".to_owned(),
            STAFF_ONLY,
        ),
        (
            "/dashboard/admin/staff",
            "/dashboard/admin/staff".to_owned(),
            ADMIN_ONLY,
        ),
        (
            "/dashboard/admin/webhooks",
            "/dashboard/admin/webhooks".to_owned(),
            ADMIN_ONLY,
        ),
        (
            "/dashboard/admin/webhooks/{webhook_id}/deliveries",
            format!("/dashboard/admin/webhooks/{hook_id}/deliveries"),
            ADMIN_ONLY,
        ),
        (
            "/dashboard/admin/audit",
            "/dashboard/admin/audit".to_owned(),
            ADMIN_ONLY,
        ),
        ("/app/", "/app/".to_owned(), REPORTING),
        ("/app/schedule", "/app/schedule".to_owned(), REPORTING),
        (
            "/app/caregivers",
            "/app/caregivers".to_owned(),
            PATIENTS_ONLY,
        ),
        ("/app/history", "/app/history".to_owned(), PATIENTS_ONLY),
        ("/app/reminders", "/app/reminders".to_owned(), PATIENTS_ONLY),
        // Before sign-in: open to all (a signed-in caller of the page's
        // own kind is sent on).
        (
            "/dashboard/login",
            "/dashboard/login".to_owned(),
            [200, 200, 200, 303, 303, 303, 303, 200],
        ),
        (
            "/app/login",
            "/app/login".to_owned(),
            [303, 303, 303, 200, 200, 200, 200, 200],
        ),
        (
            "/app/register",
            "/app/register?invite=ABCD".to_owned(),
            [200; 8],
        ),
        (
            "/app/manifest.webmanifest",
            "/app/manifest.webmanifest".to_owned(),
            [200; 8],
        ),
        ("/app/sw.js", "/app/sw.js".to_owned(), [200; 8]),
        ("/static/{name}", "/static/app.js".to_owned(), [200; 8]),
    ];

    let mut wrong = Vec::new();
    for (_, path, expected) in &pages {
        for (browser, want) in callers.iter_mut().zip(expected) {
            let page = browser.get(path).await;
            if page.status != *want {
                wrong.push(format!("{path}: {} instead of {want}", page.status));
            }
            if page.status >= 400 && page.body.contains("Tanaka Yui") {
                wrong.push(format!("{path}: a refusal names the patient"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    let listed: Vec<&str> = pages.iter().map(|(pattern, _, _)| *pattern).collect();
    let missing: Vec<_> = aftercare::routes::PAGES
        .iter()
        .filter(|(method, path)| *method == "get" && !listed.contains(path))
        .collect();
    assert!(
        missing.is_empty(),
        "pages without a row in the matrix: {missing:?}"
    );
}
