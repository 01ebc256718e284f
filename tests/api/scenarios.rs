//! One scenario per rule of clinical-rules.md, end to end: the check-in goes
//! in over HTTP; the test reads the triage, the guidance and the alert rows.

use serde_json::{json, Value};

use crate::helpers::*;

fn s(pairs: Value) -> Value {
    json!({ "symptoms": pairs })
}

/// (rule, level, status) of every alert row, and the outbox event types.
fn alert_rows(clinic: &Clinic) -> (Vec<(String, String, String)>, Vec<String>) {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        a: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        b: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        c: String,
    }
    use diesel::RunQueryDsl;
    let mut conn = clinic.app.connection();
    let alerts: Vec<Row> = diesel::sql_query(
        "SELECT rule AS a, level AS b, status AS c FROM alerts ORDER BY created_at, rule",
    )
    .load(&mut conn)
    .unwrap();
    let events: Vec<Row> = diesel::sql_query("SELECT event_type AS a, payload AS b, alert_id AS c FROM outbox_events ORDER BY created_at").load(&mut conn).unwrap();
    for e in &events {
        let body: Value = serde_json::from_str(&e.b).unwrap();
        assert_eq!(body["type"], e.a.as_str());
        let keys: Vec<&String> = body["data"].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            vec!["alert_id", "level", "patient_id", "status", "treatment_id"],
            "thin body only"
        );
    }
    (
        alerts.into_iter().map(|r| (r.a, r.b, r.c)).collect(),
        events.into_iter().map(|r| r.a).collect(),
    )
}

fn own(rule: &str, level: &str, status: &str) -> (String, String, String) {
    (rule.to_owned(), level.to_owned(), status.to_owned())
}

#[actix_web::test]
async fn suspected_anaphylaxis_within_the_acute_window() {
    let clinic = Clinic::new(2).await;
    let reply = clinic
        .report(1, s(json!({"hives": 2, "throat_tightness": 1})))
        .await;
    assert_eq!(reply.body["triage"]["level"], "emergency");
    assert_eq!(
        rules(&reply),
        vec![("suspected_anaphylaxis".to_owned(), "emergency".to_owned())]
    );
    assert_eq!(
        guidance_codes(&reply),
        vec!["call_emergency", "clinic_notified"]
    );
    let call = reply.body["triage"]["guidance"][0]["text"]
        .as_str()
        .unwrap();
    assert!(call.contains("119番"), "{call}");
    assert_eq!(reply.body["alerts"][0]["rule"], "suspected_anaphylaxis");
    assert_eq!(reply.body["alerts"][0]["status"], "open");
    let (alerts, events) = alert_rows(&clinic);
    assert_eq!(
        alerts,
        vec![own("suspected_anaphylaxis", "emergency", "open")]
    );
    assert_eq!(events, vec!["alert.created"]);
    let reasons = reply.body["triage"]["findings"][0]["reasons"]
        .as_array()
        .unwrap();
    assert!(reasons
        .iter()
        .any(|r| r.as_str().unwrap().contains("hives 2")));
}

#[actix_web::test]
async fn the_same_pattern_after_24_hours_is_a_severe_systemic_reaction() {
    let clinic = Clinic::with(
        spawn_app_with(&[("AFTERCARE_EMERGENCY_NUMBER", "911")]).await,
        50,
        "America/New_York",
        "en",
    )
    .await;
    let reply = clinic
        .report(48, s(json!({"flushing": 2, "fainting": 1})))
        .await;
    assert_eq!(
        rules(&reply)[0],
        (
            "severe_systemic_reaction".to_owned(),
            "emergency".to_owned()
        )
    );
    let call = reply.body["triage"]["guidance"][0]["text"]
        .as_str()
        .unwrap();
    assert!(call.contains("Call 911 now"), "{call}");
    assert_eq!(
        alert_rows(&clinic).0,
        vec![own("severe_systemic_reaction", "emergency", "open")]
    );
}

#[actix_web::test]
async fn nausea_alone_is_allergic_in_the_acute_window_or_within_72_hours_of_an_allergic_finding() {
    // After the window with no earlier allergic finding: only severe.
    let quiet = Clinic::new(30).await;
    let later = quiet.report(27, s(json!({"nausea": 3}))).await;
    assert_eq!(
        rules(&later),
        vec![("severe_symptom".to_owned(), "warning".to_owned())]
    );
    let clinic = Clinic::new(30).await;
    let acute = clinic.report(3, s(json!({"nausea": 3}))).await;
    assert_eq!(
        rules(&acute),
        vec![("possible_allergic_reaction".to_owned(), "urgent".to_owned())]
    );
    assert_eq!(
        guidance_codes(&acute),
        vec!["call_if_worse", "clinic_notified"]
    );
    // The same a day later is a biphasic echo: urgent, on the same alert.
    let later = clinic.report(27, s(json!({"nausea": 3}))).await;
    assert_eq!(
        rules(&later),
        vec![("possible_allergic_reaction".to_owned(), "urgent".to_owned())]
    );
    assert_eq!(
        alert_rows(&clinic).0,
        vec![own("possible_allergic_reaction", "urgent", "open")]
    );
}

#[actix_web::test]
async fn hypoglycaemia_from_a_reading_in_mmol_per_litre() {
    let clinic = Clinic::new(5).await;
    let reply = clinic.report(4, json!({"symptoms": {"tremor": 1}, "vitals": {"glucose": {"value": 3.5, "unit": "mmol/L"}}})).await;
    assert_eq!(
        rules(&reply),
        vec![("hypoglycaemia".to_owned(), "warning".to_owned())]
    );
    assert_eq!(
        guidance_codes(&reply),
        vec!["take_sugar", "clinic_notified", "keep_checking_in"]
    );
    // Compared in the unit reported, printed as reported.
    assert!(reply.body["triage"]["findings"][0]["reasons"][0]
        .as_str()
        .unwrap()
        .contains("3.5 mmol/L (63.0 mg/dL)"));
    assert_eq!(
        reply.body["checkin"]["vitals"]["glucose"],
        json!({"value": 3.5, "unit": "mmol/L"})
    );
    // Confusion with a low reading escalates the same alert.
    let worse = clinic.report(4, json!({"symptoms": {"confusion": 2}, "vitals": {"glucose": {"value": 50, "unit": "mg/dL"}}})).await;
    assert_eq!(worse.body["triage"]["level"], "emergency");
    assert_eq!(
        guidance_codes(&worse),
        vec!["call_emergency", "take_sugar", "clinic_notified"]
    );
    let (alerts, events) = alert_rows(&clinic);
    assert_eq!(alerts, vec![own("hypoglycaemia", "emergency", "open")]);
    assert_eq!(events, vec!["alert.created", "alert.escalated"]);
}

#[actix_web::test]
async fn a_normal_glucose_clears_autonomic_symptoms() {
    let clinic = Clinic::new(5).await;
    let reply = clinic.report(4, json!({"symptoms": {"cold_sweat": 2, "tremor": 2}, "vitals": {"glucose": {"value": 95, "unit": "mg/dL"}}})).await;
    assert_eq!(reply.body["triage"]["level"], "none");
    let probable = clinic
        .report(4, json!({"symptoms": {"cold_sweat": 2, "tremor": 2}}))
        .await;
    assert_eq!(
        rules(&probable),
        vec![("hypoglycaemia".to_owned(), "warning".to_owned())]
    );
}

#[actix_web::test]
async fn a_local_reaction_past_day_7_is_persistent() {
    let clinic = Clinic::new(24 * 9).await;
    clinic.report(24, s(json!({"swelling": 1}))).await;
    let day8 = clinic.report(24 * 8, s(json!({"swelling": 2}))).await;
    assert_eq!(day8.body["checkin"]["day"], 8);
    let finding = day8.body["triage"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "persistent_local_reaction")
        .unwrap()
        .clone();
    assert_eq!(finding["level"], "warning");
    assert_eq!(
        finding["reasons"][0],
        "swelling 2 on day 8, first reported on day 1"
    );
    // No reassurance next to a persistent finding.
    assert_eq!(
        guidance_codes(&day8),
        vec!["persistent_reaction", "clinic_notified", "keep_checking_in"]
    );
    let severe = clinic.report(24 * 9 - 1, s(json!({"swelling": 3}))).await;
    assert!(rules(&severe).contains(&("persistent_local_reaction".to_owned(), "urgent".to_owned())));
    let (alerts, events) = alert_rows(&clinic);
    assert!(alerts.contains(&own("persistent_local_reaction", "urgent", "open")));
    assert_eq!(events.iter().filter(|e| *e == "alert.escalated").count(), 1);
}

#[actix_web::test]
async fn persistence_follows_the_configured_days() {
    let clinic = Clinic::with(
        spawn_app_with(&[("AFTERCARE_PERSISTENCE_DAYS", "10")]).await,
        24 * 9,
        "Asia/Tokyo",
        "ja",
    )
    .await;
    let reply = clinic.report(24 * 8, s(json!({"redness": 1}))).await;
    assert!(
        !rules(&reply)
            .iter()
            .any(|(rule, _)| rule == "persistent_local_reaction"),
        "{:?}",
        rules(&reply)
    );
    let later = clinic.report(24 * 9 - 1, s(json!({"redness": 1}))).await;
    assert!(!rules(&later)
        .iter()
        .any(|(rule, _)| rule == "persistent_local_reaction"));
}

#[actix_web::test]
async fn fever_with_an_inflamed_site_is_a_possible_infection() {
    let clinic = Clinic::new(60).await;
    // 25 hours after: day 1 or 2 whatever the time of day, before the
    // worsening rule (day 3 on) can also apply.
    let reply = clinic
        .report(
            25,
            json!({"symptoms": {"redness": 2}, "vitals": {"temperature_c": 38.4}}),
        )
        .await;
    // Fever in the week after an injection is also a possible sepsis.
    assert_eq!(
        rules(&reply),
        vec![
            ("possible_infection".to_owned(), "urgent".to_owned()),
            ("possible_sepsis".to_owned(), "warning".to_owned())
        ]
    );
    assert_eq!(
        alert_rows(&clinic).0,
        vec![
            own("possible_infection", "urgent", "open"),
            own("possible_sepsis", "warning", "open")
        ]
    );
}

#[actix_web::test]
async fn redness_rising_after_day_3_is_worsening() {
    let clinic = Clinic::new(24 * 4).await;
    clinic.report(0, s(json!({"redness": 3}))).await;
    clinic.report(24, s(json!({"redness": 1}))).await;
    let reply = clinic.report(24 * 3, s(json!({"redness": 2}))).await;
    assert_eq!(reply.body["checkin"]["day"], 3);
    assert_eq!(
        rules(&reply),
        vec![("worsening_local_reaction".to_owned(), "warning".to_owned())]
    );
    assert!(reply.body["triage"]["findings"][0]["reasons"][0]
        .as_str()
        .unwrap()
        .contains("highest before from day 1 on: 1"));
    assert_eq!(
        alert_rows(&clinic).0,
        vec![
            own("severe_symptom", "warning", "open"),
            own("worsening_local_reaction", "warning", "open")
        ]
    );
}

#[actix_web::test]
async fn medical_care_hands_off_to_the_clinic() {
    let clinic = Clinic::new(30).await;
    let impact = |care: &str| json!({"impact": {"missed_normal_activities": true, "missed_work": true, "medical_care": care}});
    let clinic_visit = clinic.report(25, impact("clinic")).await;
    assert_eq!(
        rules(&clinic_visit),
        vec![("medically_attended".to_owned(), "warning".to_owned())]
    );
    let er = clinic.report(26, impact("emergency_room")).await;
    assert_eq!(
        rules(&er),
        vec![("medically_attended".to_owned(), "urgent".to_owned())]
    );
    let again = clinic.report(27, impact("clinic")).await;
    assert_eq!(
        again.body["alerts"][0]["level"], "urgent",
        "a lower finding only adds evidence"
    );
    let (alerts, events) = alert_rows(&clinic);
    assert_eq!(alerts, vec![own("medically_attended", "urgent", "open")]);
    assert_eq!(events, vec!["alert.created", "alert.escalated"]);
    assert_eq!(
        clinic.app.count("SELECT COUNT(*) AS n FROM alert_evidence"),
        3
    );
}

#[actix_web::test]
async fn a_very_severe_symptom_goes_to_triage() {
    let clinic = Clinic::new(30).await;
    let reply = clinic
        .report(25, s(json!({"headache": 4, "fatigue": 3})))
        .await;
    assert_eq!(
        rules(&reply),
        vec![("severe_symptom".to_owned(), "urgent".to_owned())]
    );
    let reasons = reply.body["triage"]["findings"][0]["reasons"].to_string();
    assert!(reasons.contains("headache 4") && reasons.contains("fatigue 3"));
    assert_eq!(
        alert_rows(&clinic).0,
        vec![own("severe_symptom", "urgent", "open")]
    );
}

#[actix_web::test]
async fn a_resolved_alert_stays_resolved_and_a_new_finding_opens_another() {
    let clinic = Clinic::new(30).await;
    clinic.report(25, s(json!({"headache": 4}))).await;
    clinic.app.execute("UPDATE alerts SET status = 'resolved'");
    let reply = clinic.report(26, s(json!({"headache": 4}))).await;
    assert_eq!(reply.body["alerts"][0]["status"], "open");
    let (alerts, events) = alert_rows(&clinic);
    assert_eq!(
        alerts,
        vec![
            own("severe_symptom", "urgent", "resolved"),
            own("severe_symptom", "urgent", "open")
        ]
    );
    assert_eq!(events, vec!["alert.created", "alert.created"]);
}

#[actix_web::test]
async fn two_missed_daily_check_ins_open_one_alert() {
    let clinic = Clinic::new(24 * 4 + 1).await;
    clinic.report(1, json!({})).await;
    let db = aftercare::db::Db::connect(&clinic.app.database, 2, std::time::Duration::from_secs(3))
        .unwrap();
    let opened = aftercare::jobs::check_missed_checkins(&db, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].rule.as_str(), "missed_checkins");
    assert_eq!(opened[0].level.as_str(), "warning");
    // Running again, here or on another replica, changes nothing.
    assert!(
        aftercare::jobs::check_missed_checkins(&db, chrono::Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
    let (alerts, events) = alert_rows(&clinic);
    assert_eq!(alerts, vec![own("missed_checkins", "warning", "open")]);
    assert_eq!(events, vec!["alert.created"]);
    // One missed day is not enough.
    let fresh = Clinic::new(25).await;
    let db = aftercare::db::Db::connect(&fresh.app.database, 2, std::time::Duration::from_secs(3))
        .unwrap();
    assert!(
        aftercare::jobs::check_missed_checkins(&db, chrono::Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
}
