//! The alert workflow as the dashboard drives it: the list, one alert,
//! acknowledge, snooze, resolve, snoozes that end and overdue alerts.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::*;

fn s(pairs: Value) -> Value {
    json!({ "symptoms": pairs })
}

fn outbox(app: &TestApp, event: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = '{event}'"
    ))
}

#[actix_web::test]
async fn the_list_is_most_severe_then_oldest_and_filters_and_pages() {
    let clinic = Clinic::new(30).await;
    // A warning first (a clinic visit), then an urgent one.
    clinic
        .report(1, json!({"symptoms": {}, "impact": {"missed_normal_activities": false, "missed_work": false, "medical_care": "clinic"}}))
        .await;
    clinic.report(25, s(json!({"headache": 4}))).await;
    let other = Clinic::give(&clinic.app, &clinic.physician, &clinic.patient_id, 30).await;
    let given = clinic.administered_at().await;
    let reply = clinic
        .app
        .post(
            &format!("/v1/treatments/{other}/checkins"),
            Some(&clinic.patient),
            json!({"client_id": "other-1", "observed_at": given + Duration::hours(26), "symptoms": {"fatigue": 4}}),
        )
        .await;
    assert_eq!(reply.status, 201);

    let all = clinic.app.get("/v1/alerts", &clinic.physician).await;
    assert_eq!(all.status, 200);
    let items = all.body["items"].as_array().unwrap();
    let levels: Vec<&str> = items.iter().map(|a| a["level"].as_str().unwrap()).collect();
    assert_eq!(levels, vec!["urgent", "urgent", "warning"]);
    // Oldest first within a level.
    assert!(items[0]["created_at"].as_str() <= items[1]["created_at"].as_str());
    assert_eq!(items[0]["treatment_id"], clinic.treatment_id.as_str());
    assert_eq!(
        items[0]["evidence"][0]["reasons"].as_array().unwrap().len(),
        1
    );
    assert!(items[0]["evidence"][0]["checkin_id"].is_string());

    // Paging one at a time gives the same list, each alert once.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/alerts?limit=1&cursor={c}"),
            None => "/v1/alerts?limit=1".to_owned(),
        };
        let page = clinic.app.get(&path, &clinic.physician).await;
        paged.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].clone()),
        );
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let ids: Vec<Value> = items.iter().map(|a| a["id"].clone()).collect();
    assert_eq!(paged, ids);

    for (query, expected) in [
        ("level=warning", 1),
        ("rule=severe_symptom", 2),
        ("rule=medically_attended&level=warning", 1),
        ("rule=medically_attended&level=urgent", 0),
        ("status=open", 3),
        ("status=resolved", 0),
        ("status=active", 3),
        ("status=acknowledged,snoozed", 0),
        // Repeated, as generated clients send an array.
        ("status=open&status=acknowledged", 3),
        ("status=acknowledged&status=snoozed", 0),
        ("status=resolved&status=active", 3),
    ] {
        let reply = clinic
            .app
            .get(&format!("/v1/alerts?{query}"), &clinic.physician)
            .await;
        assert_eq!(
            reply.body["items"].as_array().unwrap().len(),
            expected,
            "{query}"
        );
    }
    let mine = clinic
        .app
        .get(
            &format!("/v1/alerts?patient_id={}", clinic.patient_id),
            &clinic.physician,
        )
        .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 3);
    for bad in [
        "status=closed",
        "status=open&status=closed",
        "level=info",
        "rule=nope",
        "patient_id=x",
        "cursor=zzz",
    ] {
        let reply = clinic
            .app
            .get(&format!("/v1/alerts?{bad}"), &clinic.physician)
            .await;
        assert_eq!(reply.status, 400, "{bad}");
    }
    // The patient sees their own alerts.
    let own = clinic.app.get("/v1/alerts", &clinic.patient).await;
    assert_eq!(own.body["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn acknowledge_then_resolve_records_who_and_when_and_emits_events() {
    let clinic = Clinic::new(30).await;
    let id = clinic.urgent_alert(25).await;
    let path = format!("/v1/alerts/{id}");

    let acked = clinic
        .app
        .post(
            &format!("{path}/acknowledge"),
            Some(&clinic.physician),
            json!({}),
        )
        .await;
    assert_eq!(acked.status, 200, "{:?}", acked.body);
    assert_eq!(acked.body["status"], "acknowledged");
    assert_eq!(acked.body["acknowledged_by"], clinic.physician_id.as_str());
    assert!(acked.body["acknowledged_at"].is_string());
    assert_eq!(outbox(&clinic.app, "alert.acknowledged"), 1);
    // Again: nothing changes, nobody is notified twice.
    let again = clinic
        .app
        .post(
            &format!("{path}/acknowledge"),
            Some(&clinic.physician),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["acknowledged_at"], acked.body["acknowledged_at"]);
    assert_eq!(outbox(&clinic.app, "alert.acknowledged"), 1);

    let bad = clinic
        .app
        .post(
            &format!("{path}/resolve"),
            Some(&clinic.physician),
            json!({"outcome": "cured", "note": ""}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body["errors"]["outcome"].is_array());
    assert!(bad.body["errors"]["note"].is_array());
    let missing = clinic
        .app
        .post(
            &format!("{path}/resolve"),
            Some(&clinic.physician),
            json!({"outcome": "recovered"}),
        )
        .await;
    assert_eq!(missing.status, 422);

    let resolved = clinic
        .app
        .post(
            &format!("{path}/resolve"),
            Some(&clinic.physician),
            json!({"outcome": "recovered_with_sequelae", "note": "Headache settled; mild residual tension."}),
        )
        .await;
    assert_eq!(resolved.status, 200, "{:?}", resolved.body);
    assert_eq!(resolved.body["status"], "resolved");
    assert_eq!(resolved.body["resolved_by"], clinic.physician_id.as_str());
    assert_eq!(
        resolved.body["resolution"]["outcome"],
        "recovered_with_sequelae"
    );
    assert_eq!(outbox(&clinic.app, "alert.resolved"), 1);
    let history: Vec<(&str, &str)> = resolved.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["action"].as_str().unwrap(),
                h["actor_id"].as_str().unwrap_or("service"),
            )
        })
        .collect();
    let me = clinic.physician_id.as_str();
    assert_eq!(
        history,
        vec![
            ("opened", "service"),
            ("acknowledged", me),
            ("resolved", me)
        ]
    );
    assert_eq!(
        clinic.app.count(&format!(
            "SELECT COUNT(*) AS n FROM alert_events WHERE alert_id = '{id}'"
        )),
        3
    );

    // A resolved alert takes no more actions, and nothing changes.
    for (action, body) in [
        ("acknowledge", json!({})),
        (
            "snooze",
            json!({"until": Utc::now() + Duration::hours(1), "reason": "later"}),
        ),
        ("resolve", json!({"outcome": "recovered", "note": "again"})),
    ] {
        let reply = clinic
            .app
            .post(&format!("{path}/{action}"), Some(&clinic.physician), body)
            .await;
        assert_eq!(reply.status, 409, "{action}");
        assert_eq!(reply.code(), "alert_resolved");
    }
    let read = clinic.app.get(&path, &clinic.physician).await;
    assert_eq!(
        read.body["resolution"]["outcome"],
        "recovered_with_sequelae"
    );
}

#[actix_web::test]
async fn a_snooze_needs_a_reason_and_ends_by_itself_within_a_day() {
    let clinic = Clinic::new(30).await;
    let id = clinic.urgent_alert(25).await;
    let snooze = format!("/v1/alerts/{id}/snooze");
    for (body, field) in [
        (
            json!({"until": Utc::now() + Duration::hours(25), "reason": "tomorrow"}),
            "until",
        ),
        (
            json!({"until": Utc::now() - Duration::minutes(1), "reason": "past"}),
            "until",
        ),
        (
            json!({"until": Utc::now() + Duration::hours(2), "reason": "  "}),
            "reason",
        ),
    ] {
        let reply = clinic
            .app
            .post(&snooze, Some(&clinic.physician), body)
            .await;
        assert_eq!(reply.status, 422);
        assert!(reply.body["errors"][field].is_array(), "{:?}", reply.body);
    }
    let until = Utc::now() + Duration::hours(2);
    // An urgent alert is acknowledged before it is snoozed.
    let ack = clinic
        .app
        .post(
            &format!("/v1/alerts/{id}/acknowledge"),
            Some(&clinic.physician),
            json!({}),
        )
        .await;
    assert_eq!(ack.status, 200, "{:?}", ack.body);
    let reply = clinic
        .app
        .post(
            &snooze,
            Some(&clinic.physician),
            json!({"until": until, "reason": "Called the patient; will call back"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "snoozed");
    assert_eq!(
        reply.body["snooze_reason"],
        "Called the patient; will call back"
    );

    // The clock passes the end: the alert is open again, by itself, and
    // its overdue clock starts again from the reopening.
    let ended = Utc::now() + Duration::hours(3);
    let db = clinic.app.db();
    let ten = Duration::minutes(10);
    let turn = aftercare::jobs::turn_alert_clock(&db, ended, ten)
        .await
        .unwrap();
    assert_eq!(turn.reopened, 1);
    assert!(turn.overdue.is_empty());
    let read = clinic
        .app
        .get(&format!("/v1/alerts/{id}"), &clinic.physician)
        .await;
    assert_eq!(read.body["status"], "open");
    assert!(read.body["snoozed_until"].is_null());
    assert!(read.body["acknowledged_at"].is_null());
    let history = read.body["history"].as_array().unwrap();
    let actions: Vec<&str> = history
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["opened", "acknowledged", "snoozed", "reopened"]
    );
    assert_eq!(history[3]["from_status"], "snoozed");
    assert!(history[3]["actor_id"].is_null());
    let turn = aftercare::jobs::turn_alert_clock(&db, ended + Duration::minutes(11), ten)
        .await
        .unwrap();
    assert_eq!(turn.overdue.len(), 1);

    // Reads reopen an ended snooze even before the job runs.
    for (action, body) in [
        ("acknowledge", json!({})),
        (
            "snooze",
            json!({"until": Utc::now() + Duration::hours(1), "reason": "again"}),
        ),
    ] {
        let reply = clinic
            .app
            .post(
                &format!("/v1/alerts/{id}/{action}"),
                Some(&clinic.physician),
                body,
            )
            .await;
        assert_eq!(reply.status, 200, "{action}: {:?}", reply.body);
    }
    clinic.app.execute(&format!(
        "UPDATE alerts SET snoozed_until = '2000-01-01 00:00:00' WHERE id = '{id}'"
    ));
    let list = clinic
        .app
        .get("/v1/alerts?status=open", &clinic.physician)
        .await;
    assert_eq!(list.body["items"][0]["id"], id.as_str());
}

#[actix_web::test]
async fn unacknowledged_urgent_alerts_become_overdue_once() {
    let clinic = Clinic::new(30).await;
    let urgent = clinic.urgent_alert(25).await;
    // A warning alert on another rule never becomes overdue.
    clinic.report(2, s(json!({"fatigue": 3}))).await;
    let db = clinic.app.db();
    let ten = Duration::minutes(10);

    let early = aftercare::jobs::turn_alert_clock(&db, Utc::now() + Duration::minutes(9), ten)
        .await
        .unwrap();
    assert!(early.overdue.is_empty());
    let late = Utc::now() + Duration::minutes(11);
    let turn = aftercare::jobs::turn_alert_clock(&db, late, ten)
        .await
        .unwrap();
    assert_eq!(turn.overdue.len(), 1);
    assert_eq!(turn.overdue[0].id, urgent);
    // Again, here or on another replica: nothing more.
    let again = aftercare::jobs::turn_alert_clock(&db, late + Duration::minutes(5), ten)
        .await
        .unwrap();
    assert!(again.overdue.is_empty());
    assert_eq!(outbox(&clinic.app, "alert.overdue"), 1);
    let read = clinic
        .app
        .get(&format!("/v1/alerts/{urgent}"), &clinic.physician)
        .await;
    assert!(read.body["overdue_at"].is_string());

    // An acknowledged alert is not overdue.
    let fresh = Clinic::new(30).await;
    let id = fresh.urgent_alert(25).await;
    fresh
        .app
        .post(
            &format!("/v1/alerts/{id}/acknowledge"),
            Some(&fresh.physician),
            json!({}),
        )
        .await;
    let turn =
        aftercare::jobs::turn_alert_clock(&fresh.app.db(), Utc::now() + Duration::hours(1), ten)
            .await
            .unwrap();
    assert!(turn.overdue.is_empty());
    assert_eq!(outbox(&fresh.app, "alert.overdue"), 0);
}

#[actix_web::test]
async fn only_the_care_team_and_admins_act_on_an_alert() {
    let clinic = Clinic::new(30).await;
    let id = clinic.urgent_alert(25).await;
    let ack = format!("/v1/alerts/{id}/acknowledge");
    let admin = clinic.app.admin_token().await;
    let (_, stranger) = clinic.app.physician("Dr Other").await;
    assert_eq!(
        clinic
            .app
            .post(&ack, Some(&clinic.patient), json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        clinic
            .app
            .post(&ack, Some(&stranger), json!({}))
            .await
            .status,
        404
    );
    assert_eq!(clinic.app.post(&ack, None, json!({})).await.status, 401);
    let read = clinic
        .app
        .get(&format!("/v1/alerts/{id}"), &clinic.physician)
        .await;
    assert_eq!(read.body["status"], "open");
    assert_eq!(outbox(&clinic.app, "alert.acknowledged"), 0);
    // An admin may act on any alert (a team can lose its physicians).
    assert_eq!(
        clinic.app.post(&ack, Some(&admin), json!({})).await.status,
        200
    );
    assert_eq!(outbox(&clinic.app, "alert.acknowledged"), 1);
}

/// Opens an urgent alert on the treatment; returns its id.
async fn urgent_on(clinic: &Clinic, treatment: &str, given: chrono::DateTime<Utc>) -> String {
    let body = json!({"client_id": uuid::Uuid::new_v4().to_string(), "observed_at": given + Duration::hours(26), "symptoms": {"fatigue": 4}});
    let reply = clinic
        .app
        .post(
            &format!("/v1/treatments/{treatment}/checkins"),
            Some(&clinic.patient),
            body,
        )
        .await;
    assert_eq!(reply.status, 201);
    reply.body["alerts"][0]["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn pages_neither_repeat_nor_skip_alerts_while_new_ones_arrive() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let given = clinic.administered_at().await;
    let mut treatments = vec![clinic.treatment_id.clone()];
    for _ in 0..3 {
        treatments.push(Clinic::give(app, &clinic.physician, &clinic.patient_id, 30).await);
    }
    let mut existing = Vec::new();
    for treatment in &treatments[..3] {
        existing.push(urgent_on(&clinic, treatment, given).await);
    }
    let first = app.get("/v1/alerts?limit=2", &clinic.physician).await;
    let mut seen: Vec<String> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    // Meanwhile a new alert of the same level arrives.
    let newer = urgent_on(&clinic, &treatments[3], given).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/v1/alerts?limit=2&cursor={cursor}"),
            &clinic.physician,
        )
        .await;
    seen.extend(
        second.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned()),
    );
    let mut expected = existing.clone();
    expected.push(newer);
    assert_eq!(seen, expected);
}
