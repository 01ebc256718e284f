use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn a_check_in_is_stored_triaged_and_answered() {
    let clinic = Clinic::new(30).await;
    let reply = clinic
        .report(24, json!({"symptoms": {"redness": 1, "itching": 0}, "vitals": {"temperature_c": 36.8}, "impact": {"missed_normal_activities": false, "missed_work": false, "medical_care": "none"}, "note": "<b>fine</b> ' OR 1=1 --"}))
        .await;
    let checkin = &reply.body["checkin"];
    assert_eq!(checkin["day"], 1);
    assert_eq!(checkin["treatment_id"], clinic.treatment_id.as_str());
    assert_eq!(checkin["symptoms"], json!({"itching": 0, "redness": 1}));
    assert_eq!(checkin["note"], "<b>fine</b> ' OR 1=1 --");
    let me = clinic.app.get("/v1/me", &clinic.patient).await;
    assert_eq!(checkin["recorded_by"], me.body["id"]);
    assert_eq!(reply.body["triage"]["level"], "none");
    assert_eq!(
        guidance_codes(&reply),
        vec!["local_care", "keep_checking_in"]
    );
    assert_eq!(reply.body["alerts"], json!([]));
    let id = checkin["id"].as_str().unwrap();
    assert_eq!(
        clinic.app.count(&format!(
            "SELECT COUNT(*) AS n FROM checkin_symptoms WHERE checkin_id = '{id}'"
        )),
        2
    );
    assert_eq!(clinic.app.count(&format!("SELECT COUNT(*) AS n FROM checkin_symptoms WHERE checkin_id = '{id}' AND symptom = 'redness' AND severity = 1")), 1);
}

#[actix_web::test]
async fn the_same_client_id_replays_or_conflicts() {
    let clinic = Clinic::new(30).await;
    let body = json!({"client_id": "app-0001", "symptoms": {"swelling": 2}});
    let first = clinic.check_in(body.clone()).await;
    assert_eq!(first.status, 201);
    let again = clinic.check_in(body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    let different = clinic
        .check_in(json!({"client_id": "app-0001", "symptoms": {"swelling": 3}}))
        .await;
    assert_eq!(
        (different.status, different.code()),
        (409, "idempotency_conflict")
    );
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 1);
}

#[actix_web::test]
async fn a_replayed_check_in_names_the_alert_it_opened() {
    let clinic = Clinic::new(30).await;
    let body = json!({"client_id": "app-severe", "symptoms": {"headache": 4}});
    let first = clinic.check_in(body.clone()).await;
    assert_eq!(first.status, 201);
    let alert = first.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(first.body["alerts"][0]["status"], "open");
    assert_eq!(
        clinic.app.count(&format!(
            "SELECT COUNT(*) AS n FROM alerts WHERE id = '{alert}' AND status = 'open'"
        )),
        1
    );
    let checkin = first.body["checkin"]["id"].as_str().unwrap();
    assert_eq!(
        clinic.app.count(&format!("SELECT COUNT(*) AS n FROM alert_evidence WHERE alert_id = '{alert}' AND checkin_id = '{checkin}'")),
        1
    );
    let again = clinic.check_in(body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, first.body);
    // A later report of the same rule adds evidence to the same alert.
    let later = clinic
        .check_in(json!({"client_id": "app-severe-2", "symptoms": {"headache": 4}}))
        .await;
    assert_eq!(later.status, 201);
    assert_eq!(later.body["alerts"][0]["id"], alert.as_str());
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM alerts"), 1);
}

#[actix_web::test]
async fn concurrent_check_ins_of_one_treatment_open_one_alert() {
    let clinic = Clinic::new(30).await;
    let url = format!(
        "{}/v1/treatments/{}/checkins",
        clinic.app.address, clinic.treatment_id
    );
    for round in 0..3 {
        let sends = (0..8).map(|n| {
            clinic
                .app
                .client
                .post(&url)
                .bearer_auth(&clinic.patient)
                .json(&json!({"client_id": format!("r{round}-{n}"), "symptoms": {"headache": 4, "fatigue": 3}}))
                .send()
        });
        let statuses: Vec<u16> = futures_util::future::join_all(sends)
            .await
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        assert!(
            statuses.iter().all(|s| *s == 201),
            "round {round}: {statuses:?}"
        );
        clinic.app.execute("UPDATE alerts SET status = 'resolved'");
    }
    // Each round opened exactly one alert for the rule, whatever the interleaving.
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM alerts"), 3);
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 24);
}

#[actix_web::test]
async fn concurrent_duplicates_store_one_row() {
    let clinic = Clinic::new(30).await;
    let url = format!(
        "{}/v1/treatments/{}/checkins",
        clinic.app.address, clinic.treatment_id
    );
    let body = json!({"client_id": "same-one", "symptoms": {"hives": 2}});
    let sends = (0..8).map(|_| {
        clinic
            .app
            .client
            .post(&url)
            .bearer_auth(&clinic.patient)
            .json(&body)
            .send()
    });
    let replies = futures_util::future::join_all(sends).await;
    let mut statuses: Vec<u16> = replies
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    statuses.sort();
    assert_eq!(statuses, vec![200, 200, 200, 200, 200, 200, 200, 201]);
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 1);
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM alerts"), 1);
    assert_eq!(
        clinic.app.count("SELECT COUNT(*) AS n FROM outbox_events"),
        1
    );
}

#[actix_web::test]
async fn observed_at_must_fall_between_the_treatment_and_now() {
    let clinic = Clinic::new(30).await;
    let given = clinic.administered_at().await;
    for at in [
        given - chrono::Duration::minutes(1),
        chrono::Utc::now() + chrono::Duration::minutes(6),
    ] {
        let reply = clinic
            .check_in(json!({"client_id": uuid::Uuid::new_v4(), "observed_at": at, "symptoms": {}}))
            .await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"]["observed_at"].is_array());
    }
    let soon = clinic.check_in(json!({"client_id": "x", "observed_at": chrono::Utc::now() + chrono::Duration::minutes(4), "symptoms": {}})).await;
    assert_eq!(soon.status, 201);
    let now = clinic
        .check_in(json!({"client_id": "y", "symptoms": {}}))
        .await;
    assert_eq!(now.status, 201);
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 2);
}

#[actix_web::test]
async fn invalid_check_ins_name_the_field_and_store_nothing() {
    let clinic = Clinic::new(30).await;
    let reply = clinic
        .check_in(json!({"client_id": "z", "symptoms": {"sneezing": 1, "pain": 5, "redness": -1}, "vitals": {"glucose": {"value": 90, "unit": "g/L"}, "systolic_bp": 900}, "impact": {"medical_care": "spa"}, "note": "x".repeat(2001)}))
        .await;
    assert_eq!((reply.status, reply.code()), (422, "validation_failed"));
    for field in [
        "symptoms.sneezing",
        "symptoms.pain",
        "symptoms.redness",
        "vitals.glucose.unit",
        "vitals.systolic_bp",
        "impact.medical_care",
        "note",
    ] {
        assert!(
            reply.body["errors"][field].is_array(),
            "{field}: {:?}",
            reply.body
        );
    }
    let wrong_type = clinic
        .check_in(json!({"client_id": "z", "symptoms": {"pain": "bad"}}))
        .await;
    assert_eq!(wrong_type.status, 422);
    let missing = clinic.check_in(json!({"symptoms": {}})).await;
    assert_eq!(missing.body["errors"]["client_id"][0], "is required");
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 0);
}

#[actix_web::test]
async fn who_may_report_on_a_treatment() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let path = format!("/v1/treatments/{}/checkins", clinic.treatment_id);
    let (_, ito) = app.physician("Dr Ito").await;
    let (_, code) = app.patient(&ito, "Kato Ken").await;
    let other = app.register(&code, "ken@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.admin_token().await;
    let body = || json!({"client_id": uuid::Uuid::new_v4(), "symptoms": {}});
    assert_eq!(app.post(&path, Some(&other), body()).await.status, 404);
    assert_eq!(app.post(&path, Some(&ito), body()).await.status, 404);
    assert_eq!(app.post(&path, Some(&admin), body()).await.status, 403);
    assert_eq!(app.post(&path, None, body()).await.status, 401);
    let on_behalf = app.post(&path, Some(&clinic.physician), body()).await;
    assert_eq!(on_behalf.status, 201);
    assert_eq!(
        on_behalf.body["checkin"]["recorded_by"],
        clinic.physician_id.as_str()
    );
    assert_eq!(app.get(&path, &other).await.status, 404);
    assert_eq!(app.get(&path, &admin).await.status, 200);
}

#[actix_web::test]
async fn check_ins_are_listed_by_observation_time() {
    let clinic = Clinic::new(80).await;
    for hours in [50, 2, 26] {
        clinic.report(hours, json!({"symptoms": {"pain": 1}})).await;
    }
    let list = clinic
        .app
        .get(
            &format!("/v1/treatments/{}/checkins?limit=2", clinic.treatment_id),
            &clinic.patient,
        )
        .await;
    let days: Vec<i64> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["day"].as_i64().unwrap())
        .collect();
    assert_eq!(days.len(), 2);
    assert!(days[0] <= days[1]);
    let cursor = list.body["next_cursor"].as_str().unwrap();
    let rest = clinic
        .app
        .get(
            &format!(
                "/v1/treatments/{}/checkins?cursor={cursor}",
                clinic.treatment_id
            ),
            &clinic.patient,
        )
        .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["items"][0]["triage_level"], "none");
}

#[actix_web::test]
async fn sync_answers_each_item_as_if_posted_alone() {
    let clinic = Clinic::new(30).await;
    let t = clinic.treatment_id.clone();
    let batch = json!({"checkins": [
        {"treatment_id": t, "client_id": "off-1", "symptoms": {"redness": 1}},
        {"treatment_id": t, "client_id": "off-2", "symptoms": {"sneezing": 1}},
        {"treatment_id": uuid::Uuid::new_v4(), "client_id": "off-3", "symptoms": {}},
        {"client_id": "off-4", "symptoms": {}},
        {"treatment_id": t, "client_id": "off-1", "symptoms": {"redness": 1}},
        {"treatment_id": t, "client_id": "off-5", "symptoms": {"throat_tightness": 3}},
    ]});
    let reply = clinic
        .app
        .post("/v1/sync", Some(&clinic.patient), batch)
        .await;
    assert_eq!(reply.status, 200);
    let results = reply.body["results"].as_array().unwrap();
    let statuses: Vec<(String, i64)> = results
        .iter()
        .map(|r| {
            (
                r["client_id"].as_str().unwrap().to_owned(),
                r["status"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("off-1".into(), 201),
            ("off-2".into(), 422),
            ("off-3".into(), 404),
            ("off-4".into(), 422),
            ("off-1".into(), 200),
            ("off-5".into(), 201)
        ]
    );
    assert_eq!(results[0]["body"], results[4]["body"]);
    assert_eq!(results[1]["body"]["code"], "validation_failed");
    assert_eq!(results[5]["body"]["triage"]["level"], "emergency");
    // The same check-in posted alone afterwards is a replay.
    let alone = clinic
        .check_in(json!({"client_id": "off-1", "symptoms": {"redness": 1}}))
        .await;
    assert_eq!(alone.status, 200);
    assert_eq!(alone.body, results[0]["body"]);
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 2);
}

#[actix_web::test]
async fn sync_limits_its_batches() {
    let clinic = Clinic::new(30).await;
    let items: Vec<_> = (0..101).map(|i| json!({"treatment_id": clinic.treatment_id, "client_id": format!("c{i}"), "symptoms": {}})).collect();
    let reply = clinic
        .app
        .post(
            "/v1/sync",
            Some(&clinic.patient),
            json!({"checkins": items}),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body["errors"]["checkins"].is_array());
    let physician = clinic
        .app
        .post("/v1/sync", Some(&clinic.physician), json!({"checkins": []}))
        .await;
    assert_eq!(physician.status, 403);
    // A 200 KiB batch is accepted (the limit is 1 MiB, not 64 KiB).
    let note = "n".repeat(1900);
    let items: Vec<_> = (0..100).map(|i| json!({"treatment_id": clinic.treatment_id, "client_id": format!("c{i}"), "symptoms": {}, "note": note})).collect();
    let reply = clinic
        .app
        .post(
            "/v1/sync",
            Some(&clinic.patient),
            json!({"checkins": items}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(clinic.app.count("SELECT COUNT(*) AS n FROM checkins"), 100);
}

#[actix_web::test]
async fn the_schedule_shows_done_missed_due_and_upcoming() {
    let clinic = Clinic::new(72).await;
    clinic.report(0, json!({})).await;
    clinic.report(48, json!({})).await;
    let reply = clinic.app.get("/v1/me/schedule", &clinic.patient).await;
    assert_eq!(reply.status, 200);
    let items = reply.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 14);
    let status = |day: i64| {
        items.iter().find(|i| i["day"] == day).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status(0), "done");
    assert_eq!(status(1), "missed");
    assert_eq!(status(2), "done");
    assert_eq!(status(3), "due");
    assert_eq!(status(4), "upcoming");
    assert_eq!(status(90), "upcoming");
    assert_eq!(
        clinic
            .app
            .get("/v1/me/schedule", &clinic.physician)
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn a_failure_mid_transaction_leaves_nothing_half_written() {
    let clinic = Clinic::new(2).await;
    match &clinic.app.database {
        aftercare::config::DatabaseUrl::Sqlite(_) => clinic.app.execute("CREATE TRIGGER refuse_alerts BEFORE INSERT ON alerts BEGIN SELECT RAISE(ABORT, 'refused'); END"),
        aftercare::config::DatabaseUrl::Postgres(_) => {
            clinic.app.execute("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql");
            clinic.app.execute("CREATE TRIGGER refuse_alerts BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION refuse()");
        }
    }
    let url = format!(
        "{}/v1/treatments/{}/checkins",
        clinic.app.address, clinic.treatment_id
    );
    let reply = clinic
        .app
        .send(
            clinic
                .app
                .client
                .post(url)
                .bearer_auth(&clinic.patient)
                .json(&json!({"client_id": "a", "symptoms": {"hives": 3, "throat_tightness": 2}})),
        )
        .await;
    assert_eq!(reply.status, 500);
    assert_eq!(reply.code(), "internal_error");
    assert!(
        !reply.body.to_string().contains("refused"),
        "internal detail leaked"
    );
    for table in [
        "checkins",
        "checkin_symptoms",
        "findings",
        "alerts",
        "alert_evidence",
        "outbox_events",
    ] {
        assert_eq!(
            clinic
                .app
                .count(&format!("SELECT COUNT(*) AS n FROM {table}")),
            0,
            "{table}"
        );
    }
}
