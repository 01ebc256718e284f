//! Clinical rules version 2 over HTTP: what a client sees of the new
//! rules, the treatment's baseline blood pressure, refused duplicate codes,
//! and triage that does not depend on the order check-ins arrive in.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::*;

/// Records a treatment given `hours_ago`, with extra fields.
async fn give_with(clinic: &Clinic, hours_ago: i64, extra: Value) -> Reply {
    let mut body = json!({"kind": "injection", "sites": ["face"], "product": "Exo-X",
        "administered_at": Utc::now() - Duration::hours(hours_ago),
        "screening": {"cancer_treatment": false, "pregnant": false, "breastfeeding": false, "planning_pregnancy": false}});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    clinic
        .app
        .post(
            &format!("/v1/patients/{}/treatments", clinic.patient_id),
            Some(&clinic.physician),
            body,
        )
        .await
}

async fn report_on(
    clinic: &Clinic,
    treatment: &str,
    at: chrono::DateTime<Utc>,
    body: Value,
) -> Reply {
    let mut full =
        json!({"client_id": uuid::Uuid::new_v4().to_string(), "observed_at": at, "symptoms": {}});
    for (k, v) in body.as_object().unwrap() {
        full[k] = v.clone();
    }
    let reply = clinic
        .app
        .post(
            &format!("/v1/treatments/{treatment}/checkins"),
            Some(&clinic.patient),
            full,
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply
}

#[actix_web::test]
async fn a_symptom_code_given_twice_is_refused_and_nothing_is_stored() {
    let clinic = Clinic::new(30).await;
    let raw = r#"{"client_id": "twice", "symptoms": {"redness": 1, "pain": 0, "redness": 3}}"#;
    let url = format!(
        "{}/v1/treatments/{}/checkins",
        clinic.app.address, clinic.treatment_id
    );
    let reply = clinic
        .app
        .send(
            reqwest::Client::new()
                .post(&url)
                .bearer_auth(&clinic.patient)
                .header("content-type", "application/json")
                .body(raw),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.body["code"], "validation_failed");
    assert!(
        reply.body["errors"]["symptoms.redness"].is_array(),
        "{:?}",
        reply.body
    );
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 0);
    // The same inside a sync batch: that item only.
    let batch = format!(
        r#"{{"checkins": [{{"treatment_id": "{t}", "client_id": "a", "symptoms": {{"pain": 1, "pain": 2}}}},
                          {{"treatment_id": "{t}", "client_id": "b", "symptoms": {{"pain": 1}}}}]}}"#,
        t = clinic.treatment_id
    );
    let reply = clinic
        .app
        .send(
            reqwest::Client::new()
                .post(format!("{}/v1/sync", clinic.app.address))
                .bearer_auth(&clinic.patient)
                .header("content-type", "application/json")
                .body(batch),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["results"][0]["status"], 422);
    assert!(reply.body["results"][0]["body"]["errors"]["symptoms.pain"].is_array());
    assert_eq!(reply.body["results"][1]["status"], 201);
}

#[actix_web::test]
async fn hypotension_is_measured_against_the_baseline_recorded_at_the_visit() {
    let clinic = Clinic::new(30).await;
    for bad in [39, 251] {
        let reply = give_with(&clinic, 2, json!({"baseline_systolic_bp": bad})).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["baseline_systolic_bp"].is_array());
    }
    let reply = give_with(&clinic, 2, json!({"baseline_systolic_bp": 130})).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["baseline_systolic_bp"], 130);
    let treatment = reply.body["id"].as_str().unwrap().to_owned();
    let given: chrono::DateTime<Utc> = reply.body["administered_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // 91 is not below 70% of 130; 90 is: an emergency in the acute window.
    let fine = report_on(
        &clinic,
        &treatment,
        given + Duration::hours(1),
        json!({"vitals": {"systolic_bp": 91}}),
    )
    .await;
    assert_eq!(fine.body["triage"]["level"], "none");
    let low = report_on(
        &clinic,
        &treatment,
        given + Duration::hours(1),
        json!({"vitals": {"systolic_bp": 90}}),
    )
    .await;
    assert_eq!(
        rules(&low),
        vec![("suspected_anaphylaxis".to_owned(), "emergency".to_owned())]
    );
    let reasons = low.body["triage"]["findings"][0]["reasons"].to_string();
    assert!(
        reasons.contains("systolic BP 90 mmHg is below 70% of the baseline 130 mmHg"),
        "{reasons}"
    );
    assert_eq!(guidance_codes(&low)[0], "call_emergency");
}

#[actix_web::test]
async fn fever_after_an_iv_drip_and_vision_after_a_face_injection_reach_the_clinic() {
    let clinic = Clinic::new(30).await;
    let iv = give_with(&clinic, 30, json!({"kind": "iv_drip", "sites": []})).await;
    let iv_id = iv.body["id"].as_str().unwrap().to_owned();
    let given: chrono::DateTime<Utc> = iv.body["administered_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let fever = report_on(
        &clinic,
        &iv_id,
        given + Duration::hours(26),
        json!({"symptoms": {"chills": 2}}),
    )
    .await;
    assert_eq!(
        rules(&fever),
        vec![("possible_sepsis".to_owned(), "urgent".to_owned())]
    );
    assert_eq!(
        guidance_codes(&fever),
        vec!["call_if_worse", "clinic_notified"]
    );
    // A second urgent report of the same rule adds evidence, notifies nobody.
    let again = report_on(
        &clinic,
        &iv_id,
        given + Duration::hours(28),
        json!({"symptoms": {"fever": 2}}),
    )
    .await;
    assert_eq!(guidance_codes(&again), vec!["call_if_worse"]);
    let vision = clinic
        .report(26, json!({"symptoms": {"vision_change": 1}}))
        .await;
    assert_eq!(
        rules(&vision),
        vec![("vision_change".to_owned(), "emergency".to_owned())]
    );
    let text = vision.body["triage"]["guidance"][0]["text"]
        .as_str()
        .unwrap();
    // The patient's language is Japanese: the date reads as the leaflet writes it.
    assert!(
        text.contains("119番") && text.contains("年") && text.contains("時"),
        "{text}"
    );
}

fn findings_of(page: &Reply) -> Vec<Vec<(String, String, String)>> {
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            item["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["rule"].to_string(),
                        f["level"].to_string(),
                        f["reasons"].to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

#[actix_web::test]
async fn a_late_check_in_triages_the_later_ones_again_as_if_it_had_come_in_order() {
    let clinic = Clinic::new(24 * 6).await;
    let given = clinic.administered_at().await;
    let in_order = Clinic::give(&clinic.app, &clinic.physician, &clinic.patient_id, 24 * 6).await;
    let course = [
        (48, json!({"symptoms": {"redness": 1}})),
        (72, json!({"symptoms": {"redness": 3}})),
        (96, json!({"symptoms": {"redness": 2}})),
    ];
    for (hours, body) in &course {
        report_on(
            &clinic,
            &in_order,
            given + Duration::hours(*hours),
            body.clone(),
        )
        .await;
    }
    // The other treatment: day 2, then day 4 (worse than day 2: an alert),
    // then day 3 arrives late. Day 4 is no longer worse than everything
    // before it; day 3 is.
    let t = clinic.treatment_id.clone();
    report_on(
        &clinic,
        &t,
        given + Duration::hours(48),
        course[0].1.clone(),
    )
    .await;
    let day4_body = json!({"client_id": "day-4", "observed_at": given + Duration::hours(96), "symptoms": {"redness": 2}});
    let day4 = clinic.check_in(day4_body.clone()).await;
    assert_eq!(
        rules(&day4),
        vec![("worsening_local_reaction".to_owned(), "warning".to_owned())]
    );
    let alert = day4.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let late = report_on(
        &clinic,
        &t,
        given + Duration::hours(72),
        course[1].1.clone(),
    )
    .await;
    assert_eq!(
        rules(&late),
        vec![("worsening_local_reaction".to_owned(), "warning".to_owned())]
    );

    let list = |id: String| {
        let app = &clinic.app;
        let token = clinic.patient.clone();
        async move {
            app.get(&format!("/v1/treatments/{id}/checkins"), &token)
                .await
        }
    };
    let ordered = list(in_order.clone()).await;
    let shuffled = list(t.clone()).await;
    assert_eq!(findings_of(&shuffled), findings_of(&ordered));
    assert!(
        findings_of(&shuffled)[2].is_empty(),
        "day 4 lost its finding"
    );
    assert_eq!(shuffled.body["items"][2]["triage_level"], "none");

    // Its evidence is marked superseded; the alert stays for a physician.
    let superseded = clinic.app.count(&format!(
        "SELECT COUNT(*) AS n FROM alert_evidence WHERE alert_id = '{alert}' AND checkin_id = '{}' AND superseded",
        day4.body["checkin"]["id"].as_str().unwrap()
    ));
    assert_eq!(superseded, 1);
    let shown = clinic
        .app
        .get(&format!("/v1/alerts/{alert}"), &clinic.physician)
        .await;
    assert_eq!(shown.body["status"], "open");
    // Posting day 4 again answers with its current findings and its first
    // answer's alerts.
    let replay = clinic.check_in(day4_body).await;
    assert_eq!(replay.status, 200);
    assert!(rules(&replay).is_empty());
    assert_eq!(replay.body["alerts"][0]["id"], alert.as_str());
    assert_eq!(replay.body["triage"]["level"], "none");
}

#[actix_web::test]
async fn a_finding_gained_by_triaging_again_opens_an_alert_marked_retriaged() {
    let clinic = Clinic::new(24 * 6).await;
    // Day 4 first: no earlier check-in from day 1 on, no baseline.
    let day4 = clinic
        .report(96, json!({"symptoms": {"swelling": 2}}))
        .await;
    assert!(rules(&day4).is_empty());
    let id = day4.body["checkin"]["id"].as_str().unwrap().to_owned();
    // Day 1 arrives late (offline, through sync) with a baseline of 0.
    let given = clinic.administered_at().await;
    let reply = clinic
        .app
        .post(
            "/v1/sync",
            Some(&clinic.patient),
            json!({"checkins": [{"treatment_id": clinic.treatment_id, "client_id": "day-1", "observed_at": given + Duration::hours(26), "symptoms": {"swelling": 0}}]}),
        )
        .await;
    assert_eq!(reply.body["results"][0]["status"], 201);
    let list = clinic
        .app
        .get(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            &clinic.patient,
        )
        .await;
    let day4_item = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(day4_item["triage_level"], "warning");
    assert_eq!(day4_item["findings"][0]["rule"], "worsening_local_reaction");
    assert_eq!(day4_item["findings"][0]["retriaged"], true);
    let alerts = clinic.app.get("/v1/alerts", &clinic.physician).await;
    assert_eq!(alerts.body["items"][0]["rule"], "worsening_local_reaction");
    assert_eq!(
        clinic
            .app
            .count("SELECT COUNT(*) AS n FROM alert_evidence WHERE retriaged"),
        1
    );
    assert_eq!(
        clinic
            .app
            .count("SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'alert.created'"),
        1
    );
}

#[actix_web::test]
async fn the_missed_check_in_job_covers_a_treatment_recorded_late() {
    let clinic = Clinic::new(1).await;
    // Given eight days ago, recorded only now: days 1..7 have passed.
    let late = Clinic::give(
        &clinic.app,
        &clinic.physician,
        &clinic.patient_id,
        24 * 8 + 2,
    )
    .await;
    let db = clinic.app.db();
    let opened = aftercare::jobs::check_missed_checkins(&db, Utc::now())
        .await
        .unwrap();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].rule.as_str(), "missed_checkins");
    let alerts = clinic.app.get("/v1/alerts", &clinic.physician).await;
    assert_eq!(alerts.body["items"][0]["treatment_id"], late.as_str());
}

#[actix_web::test]
async fn a_late_check_in_that_only_rewords_a_finding_wakes_nobody() {
    let clinic = Clinic::new(24 * 11).await;
    let day9 = clinic
        .report(24 * 9, json!({"symptoms": {"redness": 1}}))
        .await;
    assert_eq!(
        rules(&day9),
        vec![("persistent_local_reaction".to_owned(), "warning".to_owned())]
    );
    let alert = day9.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let snoozed = clinic
        .app
        .post(
            &format!("/v1/alerts/{alert}/snooze"),
            Some(&clinic.physician),
            json!({"until": Utc::now() + Duration::hours(4), "reason": "seen at the visit"}),
        )
        .await;
    assert_eq!(snoozed.status, 200, "{:?}", snoozed.body);
    // Day 2 arrives late: day 9's finding is the same, its reason reads
    // differently. (Whole days after the treatment: the day number does not
    // depend on the hour the test runs.)
    clinic.report(48, json!({"symptoms": {"redness": 1}})).await;
    let list = clinic
        .app
        .get(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            &clinic.patient,
        )
        .await;
    let day9_item = &list.body["items"][1];
    assert_eq!(
        day9_item["findings"][0]["reasons"][0],
        "redness 1 on day 9, first reported on day 2"
    );
    assert!(day9_item["findings"][0].get("retriaged").is_none());
    let shown = clinic
        .app
        .get(&format!("/v1/alerts/{alert}"), &clinic.physician)
        .await;
    assert_eq!(shown.body["status"], "snoozed");
    assert_eq!(
        clinic
            .app
            .count("SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'alert.reopened'"),
        0
    );
    assert_eq!(
        clinic
            .app
            .count("SELECT COUNT(*) AS n FROM alert_evidence WHERE superseded"),
        0
    );
}

#[actix_web::test]
async fn a_quiet_day_from_day_1_on_is_a_baseline_of_0() {
    let clinic = Clinic::new(24 * 6).await;
    let first = clinic
        .report(96, json!({"symptoms": {"swelling": 1}}))
        .await;
    assert!(rules(&first).is_empty(), "no baseline yet");
    let quiet = Clinic::new(24 * 6).await;
    quiet.report(30, json!({"symptoms": {"swelling": 0}})).await;
    let after = quiet.report(96, json!({"symptoms": {"swelling": 1}})).await;
    assert_eq!(
        rules(&after),
        vec![("worsening_local_reaction".to_owned(), "warning".to_owned())]
    );
}
