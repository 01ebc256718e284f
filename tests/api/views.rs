//! The physician's views: worklist, timeline, symptom statistics and the
//! audit trail, as the dashboard reads them.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::*;

fn clinic_visit() -> Value {
    json!({"missed_normal_activities": false, "missed_work": false, "medical_care": "clinic"})
}

/// Posts a check-in as `token`, observed now.
async fn report_now(app: &TestApp, token: &str, treatment_id: &str, body: Value) -> Reply {
    let mut full = json!({"client_id": uuid::Uuid::new_v4().to_string(), "symptoms": {}});
    for (k, v) in body.as_object().unwrap() {
        full[k] = v.clone();
    }
    let reply = app
        .post(
            &format!("/v1/treatments/{treatment_id}/checkins"),
            Some(token),
            full,
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply
}

#[actix_web::test]
async fn the_worklist_puts_the_worst_alert_first_then_missed_check_ins() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let doctor = &clinic.physician;
    // Patient 1: an urgent alert.
    clinic
        .report(25, json!({"symptoms": {"headache": 4}}))
        .await;
    // Patient 2: treated four days ago, no check-in since.
    let (quiet, _) = app.patient(doctor, "Quiet Patient").await;
    let quiet_treatment = Clinic::give(app, doctor, &quiet, 24 * 4 + 1).await;
    // Patient 3: treated just now, a clinic visit today, a warning. (Given
    // now, not hours ago: an earlier hour can be yesterday in Tokyo.)
    let (visited, _) = app.patient(doctor, "Visited Patient").await;
    let visited_treatment = Clinic::give(app, doctor, &visited, 0).await;
    report_now(
        app,
        doctor,
        &visited_treatment,
        json!({"impact": clinic_visit()}),
    )
    .await;
    // Patient 4: treated 100 days ago, nothing open: off the worklist.
    let (old, _) = app.patient(doctor, "Old Patient").await;
    Clinic::give(app, doctor, &old, 24 * 100).await;
    // Another physician's patient never appears.
    let (_, other_doctor) = app.physician("Dr Other").await;
    let (theirs, _) = app.patient(&other_doctor, "Their Patient").await;
    Clinic::give(app, &other_doctor, &theirs, 30).await;

    let reply = app.get("/v1/worklist", doctor).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let rows = reply.body["items"].as_array().unwrap();
    let order: Vec<&str> = rows
        .iter()
        .map(|r| r["treatment"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        vec![
            clinic.treatment_id.as_str(),
            visited_treatment.as_str(),
            quiet_treatment.as_str()
        ]
    );
    assert_eq!(rows[0]["worst_alert"]["level"], "urgent");
    assert_eq!(rows[0]["worst_alert"]["rule"], "severe_symptom");
    assert_eq!(rows[0]["open_alerts"], 1);
    assert!(rows[0]["last_checkin_at"].is_string());
    assert_eq!(rows[0]["patient"]["id"], clinic.patient_id.as_str());
    assert_eq!(rows[1]["worst_alert"]["level"], "warning");
    assert_eq!(rows[1]["day"], 0);
    assert!(rows[2]["worst_alert"].is_null());
    assert!(rows[2]["last_checkin_at"].is_null());
    assert_eq!(rows[2]["open_alerts"], 0);
    // Days 0..3 passed without a check-in (day 4 is today: due, not
    // missed); given 97 hours ago at Tokyo's 23:00 or later, today is day 5.
    let missed = rows[2]["missed_checkins"].as_u64().unwrap();
    assert!((3..=5).contains(&missed), "{missed}");
    assert_eq!(rows[2]["day"].as_i64().unwrap(), missed as i64);

    // Paging gives the same order.
    let first = app.get("/v1/worklist?limit=2", doctor).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/v1/worklist?limit=2&cursor={cursor}"), doctor)
        .await;
    assert_eq!(
        second.body["items"][0]["treatment"]["id"],
        quiet_treatment.as_str()
    );
    assert!(second.body["next_cursor"].is_null());

    // An acknowledged alert still counts; a snoozed one is set aside (an
    // urgent one is acknowledged first).
    let alert = rows[0]["worst_alert"]["id"].as_str().unwrap();
    let acked = app
        .post(
            &format!("/v1/alerts/{alert}/acknowledge"),
            Some(doctor),
            json!({}),
        )
        .await;
    assert_eq!(acked.status, 200, "{:?}", acked.body);
    let still = app.get("/v1/worklist", doctor).await;
    assert_eq!(
        still.body["items"][0]["treatment"]["id"],
        clinic.treatment_id.as_str()
    );
    let snoozed = app
        .post(
            &format!("/v1/alerts/{alert}/snooze"),
            Some(doctor),
            json!({"until": Utc::now() + Duration::hours(1), "reason": "calling back"}),
        )
        .await;
    assert_eq!(snoozed.status, 200, "{:?}", snoozed.body);
    let after = app.get("/v1/worklist", doctor).await;
    assert_eq!(
        after.body["items"][0]["treatment"]["id"],
        visited_treatment.as_str()
    );

    let admin = app.admin_token().await;
    assert_eq!(app.get("/v1/worklist", &admin).await.status, 403);
    assert_eq!(app.get("/v1/worklist", &clinic.patient).await.status, 403);
    let theirs = app.get("/v1/worklist", &other_doctor).await;
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn the_timeline_gives_each_day_its_worst_symptoms_vitals_and_alerts() {
    let clinic = Clinic::new(30).await;
    let first = clinic
        .report(1, json!({"symptoms": {"redness": 1, "itching": 2}, "vitals": {"temperature_c": 37.2, "glucose": {"value": 110, "unit": "mg/dL"}}}))
        .await;
    clinic
        .report(1, json!({"symptoms": {"redness": 2, "itching": 0}, "vitals": {"temperature_c": 37.9, "systolic_bp": 118}}))
        .await;
    let later = clinic
        .report(25, json!({"symptoms": {"headache": 4}}))
        .await;
    let reply = clinic
        .app
        .get(
            &format!("/v1/patients/{}/timeline", clinic.patient_id),
            &clinic.physician,
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["patient"]["id"], clinic.patient_id.as_str());
    let treatments = reply.body["treatments"].as_array().unwrap();
    assert_eq!(treatments.len(), 1);
    assert_eq!(
        treatments[0]["treatment"]["id"],
        clinic.treatment_id.as_str()
    );
    let days = treatments[0]["days"].as_array().unwrap();
    let day_a = first.body["checkin"]["day"].as_i64().unwrap();
    let day_b = later.body["checkin"]["day"].as_i64().unwrap();
    assert!(day_b > day_a);
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["day"], day_a);
    assert_eq!(days[0]["checkins"], 2);
    assert_eq!(days[0]["symptoms"], json!({"redness": 2, "itching": 2}));
    assert_eq!(days[0]["vitals"]["temperature_c_max"], 37.9);
    assert_eq!(days[0]["vitals"]["systolic_bp_min"], 118.0);
    assert_eq!(days[0]["vitals"]["glucose_mg_dl_min"], 110.0);
    assert_eq!(days[0]["alerts"], json!([]));
    assert_eq!(days[1]["day"], day_b);
    assert_eq!(days[1]["symptoms"], json!({"headache": 4}));
    assert_eq!(days[1]["alerts"][0]["rule"], "severe_symptom");
    assert_eq!(days[1]["alerts"][0]["level"], "urgent");
    // Dates follow the day numbers.
    let date = |d: &Value| {
        chrono::NaiveDate::parse_from_str(d["date"].as_str().unwrap(), "%Y-%m-%d").unwrap()
    };
    assert_eq!((date(&days[1]) - date(&days[0])).num_days(), day_b - day_a);

    let same = clinic
        .app
        .get(
            &format!("/v1/patients/{}/timeline", clinic.patient_id),
            &clinic.patient,
        )
        .await;
    assert_eq!(same.body["treatments"], reply.body["treatments"]);
    let (_, stranger) = clinic.app.physician("Dr Stranger").await;
    let hidden = clinic
        .app
        .get(
            &format!("/v1/patients/{}/timeline", clinic.patient_id),
            &stranger,
        )
        .await;
    assert_eq!(hidden.status, 404);
}

#[actix_web::test]
async fn symptom_statistics_count_patients_per_day_in_the_callers_cohort() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let doctor = &clinic.physician;
    let mild = clinic.report(1, json!({"symptoms": {"redness": 1}})).await;
    // The same patient again that day does not count twice.
    clinic
        .report(1, json!({"symptoms": {"redness": 1, "swelling": 2}}))
        .await;
    let (second, _) = app.patient(doctor, "Second Patient").await;
    let second_treatment = Clinic::give(app, doctor, &second, 30).await;
    let given = clinic.administered_at().await;
    let reply = app
        .post(
            &format!("/v1/treatments/{second_treatment}/checkins"),
            Some(doctor),
            json!({"client_id": "s-1", "observed_at": given + Duration::hours(1), "symptoms": {"redness": 3}}),
        )
        .await;
    assert_eq!(reply.status, 201);
    let (_, other_doctor) = app.physician("Dr Other").await;
    let (theirs, _) = app.patient(&other_doctor, "Their Patient").await;
    let their_treatment = Clinic::give(app, &other_doctor, &theirs, 30).await;
    app.post(
        &format!("/v1/treatments/{their_treatment}/checkins"),
        Some(&other_doctor),
        json!({"client_id": "t-1", "observed_at": given + Duration::hours(1), "symptoms": {"redness": 2}}),
    )
    .await;

    let day = mild.body["checkin"]["day"].as_i64().unwrap();
    let stats = app.get("/v1/stats/symptoms", doctor).await;
    assert_eq!(stats.status, 200, "{:?}", stats.body);
    assert_eq!(stats.body["treatments"], 2);
    let days = stats.body["days"].as_array().unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0]["day"], day);
    assert_eq!(days[0]["reporting"], 2);
    assert_eq!(
        days[0]["symptoms"]["redness"],
        json!({"any": 2, "moderate_or_worse": 1})
    );
    assert_eq!(
        days[0]["symptoms"]["swelling"],
        json!({"any": 1, "moderate_or_worse": 1})
    );

    let admin = app.admin_token().await;
    let everyone = app.get("/v1/stats/symptoms?kind=injection", &admin).await;
    assert_eq!(everyone.body["treatments"], 3);
    assert_eq!(
        everyone.body["days"][0]["symptoms"]["redness"],
        json!({"any": 3, "moderate_or_worse": 2})
    );
    let drips = app.get("/v1/stats/symptoms?kind=iv_drip", &admin).await;
    assert_eq!(drips.body["treatments"], 0);
    assert_eq!(drips.body["days"], json!([]));
    let today = Utc::now().date_naive();
    let past = app
        .get("/v1/stats/symptoms?from=2020-01-01&to=2020-12-31", &admin)
        .await;
    assert_eq!(past.body["treatments"], 0);
    let explicit = app
        .get(
            &format!(
                "/v1/stats/symptoms?from={}&to={today}",
                today - chrono::Days::new(3)
            ),
            &admin,
        )
        .await;
    assert_eq!(explicit.body["treatments"], 3);
    for bad in [
        "from=2026-02-01&to=2026-01-01",
        "kind=laser",
        "from=yesterday",
    ] {
        assert_eq!(
            app.get(&format!("/v1/stats/symptoms?{bad}"), &admin)
                .await
                .status,
            400,
            "{bad}"
        );
    }
    assert_eq!(
        app.get("/v1/stats/symptoms", &clinic.patient).await.status,
        403
    );
}

#[actix_web::test]
async fn every_read_and_change_of_a_patients_data_is_in_the_audit_trail() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    clinic.report(1, json!({"symptoms": {"redness": 1}})).await;
    let read = app
        .get(
            &format!("/v1/patients/{}", clinic.patient_id),
            &clinic.physician,
        )
        .await;
    let request_id = read.header("x-request-id").unwrap().to_owned();

    let admin = app.admin_token().await;
    let trail = app
        .get(
            &format!("/v1/audit?patient_id={}", clinic.patient_id),
            &admin,
        )
        .await;
    assert_eq!(trail.status, 200, "{:?}", trail.body);
    let rows = trail.body["items"].as_array().unwrap();
    // Newest first: the read just made.
    assert_eq!(rows[0]["action"], "read");
    assert_eq!(rows[0]["resource_type"], "patient");
    assert_eq!(rows[0]["actor_id"], clinic.physician_id.as_str());
    assert_eq!(rows[0]["actor_role"], "physician");
    assert_eq!(rows[0]["request_id"], request_id.as_str());
    let seen: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap(),
                r["resource_type"].as_str().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("create", "patient"),
        ("create", "treatment"),
        ("create", "checkin"),
    ] {
        assert!(
            seen.contains(&expected),
            "{expected:?} missing from {seen:?}"
        );
    }
    let by_patient = app
        .get(
            "/v1/audit?actor_id=00000000-0000-0000-0000-000000000000",
            &admin,
        )
        .await;
    assert_eq!(by_patient.body["items"], json!([]));
    assert_eq!(app.get("/v1/audit", &clinic.physician).await.status, 403);
    assert_eq!(app.get("/v1/audit", &clinic.patient).await.status, 403);

    // Nobody rewrites it, not even with direct SQL.
    use diesel::RunQueryDsl;
    let mut conn = app.connection();
    assert!(diesel::sql_query("UPDATE audit_events SET action = 'none'")
        .execute(&mut conn)
        .is_err());
    assert!(diesel::sql_query("DELETE FROM audit_events")
        .execute(&mut conn)
        .is_err());
    let count = app.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'read'");
    assert!(count >= 1);
}

/// Every treatment's stored standing, in treatment order.
fn standings(app: &TestApp) -> Vec<aftercare::db::standings::StandingRow> {
    use aftercare::db::schema::treatment_standings as t;
    use diesel::prelude::*;
    let mut conn = app.connection();
    t::table
        .select(aftercare::db::standings::StandingRow::as_select())
        .order(t::treatment_id.asc())
        .load(&mut conn)
        .unwrap()
}

#[actix_web::test]
async fn the_standing_kept_by_each_change_is_the_one_made_from_scratch() {
    // Given five days ago: days 0 to 4 have passed.
    let clinic = Clinic::new(24 * 5).await;
    let app = &clinic.app;
    let doctor = &clinic.physician;
    let (second, _) = app.patient(doctor, "Second Patient").await;
    let quiet = Clinic::give(app, doctor, &second, 24 * 3).await;
    let before = app.get("/v1/worklist", doctor).await;
    let row_of = |reply: &Reply, id: &str| {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["treatment"]["id"] == id)
            .cloned()
            .unwrap()
    };
    let missed_before = row_of(&before, &clinic.treatment_id)["missed_checkins"]
        .as_i64()
        .unwrap();
    assert!(missed_before >= 4, "{missed_before}");
    // Reports sent late for days that had passed: each counts as done.
    clinic.report(1, json!({"symptoms": {"redness": 1}})).await;
    clinic
        .report(24 * 2 + 1, json!({"symptoms": {"redness": 1}}))
        .await;
    let after = app.get("/v1/worklist", doctor).await;
    let row = row_of(&after, &clinic.treatment_id);
    assert_eq!(row["missed_checkins"].as_i64().unwrap(), missed_before - 2);
    assert!(row["last_checkin_at"].is_string());
    // An alert opened, acknowledged, snoozed, then another, resolved.
    let urgent = clinic
        .report(24 * 4, json!({"symptoms": {"headache": 4}}))
        .await;
    let alert = urgent.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let act = |action: &str, body: Value| {
        let path = format!("/v1/alerts/{alert}/{action}");
        async move {
            let reply = app.post(&path, Some(doctor), body).await;
            assert_eq!(reply.status, 200, "{:?}", reply.body);
        }
    };
    assert_eq!(
        row_of(&app.get("/v1/worklist", doctor).await, &clinic.treatment_id)["open_alerts"],
        1
    );
    act("acknowledge", json!({})).await;
    act(
        "snooze",
        json!({"until": Utc::now() + Duration::hours(1), "reason": "calling back"}),
    )
    .await;
    let snoozed = row_of(&app.get("/v1/worklist", doctor).await, &clinic.treatment_id);
    assert_eq!(snoozed["open_alerts"], 0);
    assert!(snoozed["worst_alert"].is_null());
    act(
        "resolve",
        json!({"outcome": "recovered", "note": "called, fine"}),
    )
    .await;
    // The patient moves to another zone: every due date moves.
    let moved = app
        .call(
            reqwest::Method::PATCH,
            "/v1/me",
            Some(&clinic.patient),
            Some(json!({"timezone": "America/Los_Angeles"})),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert!(
        row_of(&app.get("/v1/worklist", doctor).await, &quiet)["missed_checkins"]
            .as_i64()
            .unwrap()
            >= 2
    );

    let kept = standings(app);
    assert_eq!(kept.len(), 2);
    let mut conn = app.connection();
    aftercare::db::standings::rebuild_all(&mut conn, Utc::now()).unwrap();
    assert_eq!(kept, standings(app));
}

#[actix_web::test]
async fn a_read_whose_audit_rows_cannot_be_written_shows_nothing() {
    let clinic = Clinic::new(24).await;
    let app = &clinic.app;
    clinic.report(1, json!({"symptoms": {"redness": 1}})).await;
    let patient = format!("/v1/patients/{}", clinic.patient_id);
    assert_eq!(app.get(&patient, &clinic.physician).await.status, 200);
    // From now on the audit trail refuses every row.
    match &app.database {
        aftercare::config::DatabaseUrl::Sqlite(_) => app.execute_batch(
            "CREATE TRIGGER audit_events_refused BEFORE INSERT ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit trail unavailable'); END;",
        ),
        aftercare::config::DatabaseUrl::Postgres(_) => app.execute_batch(
            "CREATE FUNCTION audit_events_refused() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'audit trail unavailable'; END $$; \
             CREATE TRIGGER audit_events_refused BEFORE INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION audit_events_refused();",
        ),
    }
    for path in [
        patient.clone(),
        "/v1/worklist".to_owned(),
        format!("/v1/patients/{}/timeline", clinic.patient_id),
        format!("/v1/treatments/{}/checkins", clinic.treatment_id),
    ] {
        let reply = app
            .send(
                app.client
                    .get(format!("{}{path}", app.address))
                    .bearer_auth(&clinic.physician),
            )
            .await;
        assert_eq!(reply.status, 500, "{path}: {:?}", reply.body);
        assert_eq!(reply.code(), "internal_error", "{path}");
        assert!(
            !reply.body.to_string().contains("Tanaka"),
            "{path} showed the patient: {:?}",
            reply.body
        );
    }
}

#[actix_web::test]
async fn the_worklist_pages_in_the_order_the_domain_defines() {
    use aftercare::db::schema::treatment_standings as t;
    use aftercare::db::standings::StandingRow;
    use aftercare::domain::worklist::urgency;
    use diesel::prelude::*;
    let clinic = Clinic::new(24).await;
    let app = &clinic.app;
    let doctor = &clinic.physician;
    let (second, _) = app.patient(doctor, "Second Patient").await;
    let mut ids = vec![clinic.treatment_id.clone()];
    for n in 0..11 {
        let patient = if n % 2 == 0 {
            &second
        } else {
            &clinic.patient_id
        };
        ids.push(Clinic::give(app, doctor, patient, 24 * (n % 4)).await);
    }
    // Standings tied on every key but the next, set by hand (a rank above
    // 0 always with the time its alert has waited since).
    let mut conn = app.connection();
    let since = (Utc::now() - Duration::hours(3)).naive_utc();
    for (n, id) in ids.iter().enumerate() {
        let rank = [0, 2, 3, 4][n % 4];
        let waiting = (rank > 0).then(|| since + Duration::minutes((n % 3) as i64));
        diesel::update(t::table.find(id))
            .set((
                t::worst_rank.eq(rank),
                t::waiting_since.eq(waiting),
                t::missed_checkins.eq((n % 3) as i32),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let mut shown = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/v1/worklist?limit=3".to_owned(),
            Some(cursor) => format!("/v1/worklist?limit=3&cursor={cursor}"),
        };
        let page = app.get(&path, doctor).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        for row in page.body["items"].as_array().unwrap() {
            shown.push(row["treatment"]["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut order: Vec<_> = t::table
        .select(StandingRow::as_select())
        .load(&mut conn)
        .unwrap()
        .iter()
        .map(StandingRow::place)
        .collect();
    order.sort_by(urgency);
    let expected: Vec<String> = order.into_iter().map(|s| s.treatment_id).collect();
    assert_eq!(shown, expected);
}
