//! Rule replay on the clinic's own data: the load bench's seeded clinic
//! (at a small scale) replayed with the settings in force gives exactly the
//! stored findings; a longer persistence threshold removes alerts and
//! says how physicians resolved them.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

#[allow(dead_code)]
#[path = "../../bench/load/seed.rs"]
mod seed;

/// A clinic of 200 treatments given over the last 60 days and their 6,000
/// check-ins, with the findings, alerts and verdicts they produced.
async fn seeded() -> TestApp {
    let app = spawn_app().await;
    let plan = seed::Plan {
        physicians: 3,
        patients: 100,
        treatments: 200,
        checkins: 6_000,
        small: 0,
        spread_days: 60,
        fresh: 0,
    };
    let clinic = seed::Clinic::generate(&plan, Utc::now(), "not-a-password-hash");
    let mut conn = app.connection();
    clinic.insert_clinic(&mut conn).unwrap();
    seed::insert_batch(&mut conn, &clinic.recent).unwrap();
    seed::insert_batch(&mut conn, &clinic.older).unwrap();
    app
}

fn range(days: i64) -> (String, String) {
    let to = Utc::now().date_naive();
    ((to - Duration::days(days - 1)).to_string(), to.to_string())
}

async fn replay(app: &TestApp, token: &str, body: Value) -> Reply {
    app.post("/v1/triage/replay", Some(token), body).await
}

fn rule<'a>(reply: &'a Reply, name: &str) -> &'a Value {
    reply.body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == name)
        .unwrap_or(&Value::Null)
}

#[actix_web::test]
async fn with_the_settings_in_force_a_replay_reproduces_the_stored_findings_exactly() {
    let app = seeded().await;
    let admin = app.admin_token().await;
    let (from, to) = range(92);
    let reply = replay(&app, &admin, json!({"from": from, "to": to})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let body = &reply.body;
    assert_eq!(body["checkins"], 6_000);
    assert_eq!(body["not_comparable"], 0);
    assert_eq!(body["differing"], 0);
    assert_eq!(body["rules_version"], "2");
    assert_eq!(body["settings"]["current"]["persistence_days"], 7);
    assert_eq!(body["settings"]["proposed"]["persistence_days"], 7);
    let stored_findings =
        app.count("SELECT COUNT(*) AS n FROM findings WHERE superseded_at IS NULL");
    let mut total = 0;
    for day in body["days"].as_array().unwrap() {
        for counts in day["rules"].as_array().unwrap() {
            assert_eq!(
                counts["findings"]["stored"], counts["findings"]["proposed"],
                "{day}"
            );
            assert_eq!(
                counts["alerts"]["stored"], counts["alerts"]["proposed"],
                "{day}"
            );
            total += counts["findings"]["stored"].as_i64().unwrap();
        }
    }
    assert_eq!(total, stored_findings);
    assert!(stored_findings > 50, "{stored_findings}");
    for rule in body["rules"].as_array().unwrap() {
        assert_eq!(rule["disappearing"]["alerts"], 0, "{rule}");
        assert_eq!(rule["appearing"]["alerts"], 0, "{rule}");
    }
    // Aggregates only: no patient, treatment or alert id in the answer.
    let patient: String = {
        use aftercare::db::schema::patients;
        use diesel::prelude::*;
        patients::table
            .select(patients::id)
            .first(&mut app.connection())
            .unwrap()
    };
    assert!(!body.to_string().contains(&patient));
}

#[actix_web::test]
async fn a_longer_persistence_threshold_shows_the_alerts_it_would_spare_and_their_verdicts() {
    let app = seeded().await;
    let admin = app.admin_token().await;
    let (from, to) = range(92);
    let reply = replay(
        &app,
        &admin,
        json!({"from": from, "to": to, "settings": {"persistence_days": 21}}),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert!(reply.body["differing"].as_i64().unwrap() > 0);
    let persistent = rule(&reply, "persistent_local_reaction");
    let (stored, proposed) = (
        persistent["findings"]["stored"].as_i64().unwrap(),
        persistent["findings"]["proposed"].as_i64().unwrap(),
    );
    assert!(proposed < stored, "{persistent}");
    let gone = &persistent["disappearing"];
    assert!(gone["alerts"].as_i64().unwrap() > 0, "{persistent}");
    let verdicts: i64 = gone["resolutions"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_i64().unwrap())
        .sum();
    assert_eq!(verdicts, gone["alerts"].as_i64().unwrap());
    assert_eq!(persistent["appearing"]["alerts"], 0);
    // Nothing was written but the audit row of each run.
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource_type = 'triage_replay'"),
        1
    );
    let stored_now = app.count(
        "SELECT COUNT(*) AS n FROM findings f JOIN checkins c ON c.id = f.checkin_id \
         WHERE f.rule = 'persistent_local_reaction' AND f.superseded_at IS NULL",
    );
    assert_eq!(stored_now, stored);
}

#[actix_web::test]
async fn a_replay_is_the_admins_over_at_most_92_days_of_known_settings() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let (_, nurse) = clinic.nurse_on_team().await;
    let (from, to) = range(30);
    let body = json!({"from": from, "to": to});
    for token in [&clinic.patient, &clinic.physician, &nurse] {
        assert_eq!(replay(app, token, body.clone()).await.status, 403);
    }
    let anonymous = app
        .call(Method::POST, "/v1/triage/replay", None, Some(body))
        .await;
    assert_eq!(anonymous.status, 401);

    let (from, to) = range(93);
    let long = replay(app, &admin, json!({"from": from, "to": to})).await;
    assert_eq!((long.status, long.code()), (422, "range_too_large"));
    let (from, to) = range(92);
    let unknown = replay(
        app,
        &admin,
        json!({"from": from, "to": to, "settings": {"overdue_hours": 3}}),
    )
    .await;
    assert_eq!((unknown.status, unknown.code()), (422, "validation_failed"));
    let out_of_range = replay(
        app,
        &admin,
        json!({"from": from, "to": to, "settings": {"persistence_days": 2}}),
    )
    .await;
    assert_eq!(out_of_range.status, 422);
    assert!(out_of_range.body["errors"]["settings.persistence_days"].is_array());
    let backwards = replay(app, &admin, json!({"from": to, "to": from})).await;
    assert_eq!(backwards.status, 422);
    assert!(backwards.body["errors"]["to"].is_array());
    let missing = replay(app, &admin, json!({"from": from})).await;
    assert_eq!(missing.status, 422);
    // A replay over a day without check-ins: nothing found, nothing differs.
    let empty = replay(
        app,
        &admin,
        json!({"from": "2020-01-01", "to": "2020-01-01"}),
    )
    .await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body["checkins"], 0);
    assert_eq!(empty.body["days"], json!([]));
}

#[actix_web::test]
async fn the_statistics_page_offers_the_replay_to_admins_with_a_side_by_side_chart() {
    use crate::dashboard::Browser;
    let app = seeded().await;
    let (from, to) = range(92);
    let mut physician = Browser::new(&app);
    app.physician("Dr Sato").await;
    physician.sign_in("dr.sato@clinic.example", PASSWORD).await;
    let stats = physician.get("/dashboard/stats").await;
    assert_eq!(stats.status, 200);
    assert!(!stats.body.contains("/dashboard/stats/replay"));
    let refused = physician
        .get(&format!("/dashboard/stats/replay?from={from}&to={to}"))
        .await;
    assert_eq!(refused.status, 403);

    // The admin reads the dashboard in Japanese.
    let mut admin = Browser::new(&app);
    admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let stats = admin.get("/dashboard/stats").await;
    assert!(stats.body.contains("ルールの再評価"), "{}", stats.body);
    assert!(stats.body.contains("action=\"/dashboard/stats/replay\""));
    let page = admin
        .get(&format!(
            "/dashboard/stats/replay?from={from}&to={to}&persistence_days=21"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("ルールごとのアラート（現在と提案）"));
    assert!(page.body.contains("role=\"img\""));
    assert!(page.body.contains("長引く局所反応"));
    assert!(page.body.contains("value=\"21\""));
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource_type = 'triage_replay'"),
        1
    );
    let (from, to) = range(93);
    let long = admin
        .get(&format!("/dashboard/stats/replay?from={from}&to={to}"))
        .await;
    assert_eq!(long.status, 422);
    assert!(long.body.contains("92"), "{}", long.body);
}
