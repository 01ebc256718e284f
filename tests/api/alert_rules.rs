//! Alert rules of version 2 (clinical-rules.md, "Alerts"; issue 11): no
//! snooze before an urgent alert is acknowledged, evidence that is news
//! reopens what a physician set aside, and no action on an alert the
//! physician has not seen as it is (level, If-Match).

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// A hypoglycaemia check-in: glucose 60 is a warning, 50 urgent, and 50
/// with confusion 2 an emergency, all on one alert key.
fn hypo(level: &str) -> Value {
    let (glucose, symptoms) = match level {
        "warning" => (60, json!({})),
        "urgent" => (50, json!({})),
        _ => (50, json!({"confusion": 2})),
    };
    json!({"symptoms": symptoms, "vitals": {"glucose": {"value": glucose, "unit": "mg/dL"}}})
}

/// The same, observed now (after anything a physician did so far).
fn hypo_now(level: &str) -> Value {
    let mut body = hypo(level);
    body["client_id"] = json!(uuid::Uuid::new_v4().to_string());
    body
}

/// The hypoglycaemia alert a check-in answer names.
fn hypo_alert(reply: &Reply) -> Value {
    reply.body["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "hypoglycaemia")
        .unwrap_or_else(|| panic!("no hypoglycaemia alert in {:?}", reply.body))
        .clone()
}

/// Opens a hypoglycaemia alert at this level; returns its id.
async fn opened(clinic: &Clinic, level: &str) -> String {
    let reply = clinic.report(25, hypo(level)).await;
    let alert = hypo_alert(&reply);
    assert_eq!(alert["level"], level);
    alert["id"].as_str().unwrap().to_owned()
}

async fn act(clinic: &Clinic, id: &str, action: &str, body: Value) -> Reply {
    clinic
        .app
        .post(
            &format!("/v1/alerts/{id}/{action}"),
            Some(&clinic.physician),
            body,
        )
        .await
}

fn snooze_body() -> Value {
    json!({"until": Utc::now() + Duration::hours(2), "reason": "Called; will call back"})
}

async fn read(clinic: &Clinic, id: &str) -> Reply {
    let reply = clinic
        .app
        .get(&format!("/v1/alerts/{id}"), &clinic.physician)
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply
}

fn actions(alert: &Value) -> Vec<String> {
    alert["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_owned())
        .collect()
}

fn events(app: &TestApp, id: &str, event: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) AS n FROM outbox_events WHERE alert_id = '{id}' AND event_type = '{event}'"
    ))
}

#[actix_web::test]
async fn urgent_and_emergency_alerts_are_acknowledged_before_they_are_snoozed() {
    let clinic = Clinic::new(30).await;
    let urgent = opened(&clinic, "urgent").await;
    let other = Clinic::give(&clinic.app, &clinic.physician, &clinic.patient_id, 30).await;
    let emergency = clinic
        .app
        .post(
            &format!("/v1/treatments/{other}/checkins"),
            Some(&clinic.patient),
            hypo_now("emergency"),
        )
        .await;
    assert_eq!(emergency.status, 201, "{:?}", emergency.body);
    let emergency = hypo_alert(&emergency)["id"].as_str().unwrap().to_owned();

    for id in [&urgent, &emergency] {
        let refused = act(&clinic, id, "snooze", snooze_body()).await;
        assert_eq!(refused.status, 409, "{:?}", refused.body);
        assert_eq!(refused.code(), "acknowledge_first");
        // Nothing changed.
        let alert = read(&clinic, id).await;
        assert_eq!(alert.body["status"], "open");
        assert!(alert.body["snoozed_until"].is_null());
        assert_eq!(actions(&alert.body), vec!["opened"]);
        assert_eq!(events(&clinic.app, id, "alert.snoozed"), 0);

        let acked = act(&clinic, id, "acknowledge", json!({})).await;
        assert_eq!(acked.status, 200, "{:?}", acked.body);
        let snoozed = act(&clinic, id, "snooze", snooze_body()).await;
        assert_eq!(snoozed.status, 200, "{:?}", snoozed.body);
        assert_eq!(snoozed.body["status"], "snoozed");
        // Snoozed again (only an acknowledged one can be snoozed): fine.
        let again = act(&clinic, id, "snooze", snooze_body()).await;
        assert_eq!(again.status, 200, "{:?}", again.body);
    }

    // A warning may be snoozed from open.
    let fresh = Clinic::new(30).await;
    let warning = opened(&fresh, "warning").await;
    let snoozed = act(&fresh, &warning, "snooze", snooze_body()).await;
    assert_eq!(snoozed.status, 200, "{:?}", snoozed.body);
    assert_eq!(snoozed.body["status"], "snoozed");
}

#[actix_web::test]
async fn a_snooze_is_an_event_and_evidence_at_its_level_ends_it() {
    let app = spawn_app_with(&[
        ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
        ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("AFTERCARE_WEBHOOK_DISPATCH", "false"),
    ])
    .await;
    let clinic = Clinic::with(app, 30, "Asia/Tokyo", "ja").await;
    let admin = clinic.app.admin_token().await;
    let hook = clinic
        .app
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": "http://127.0.0.1:9/hook", "events": ["alert.snoozed", "alert.reopened"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let deliveries = |event: &str| {
        clinic.app.count(&format!(
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE event_type = '{event}'"
        ))
    };

    let id = opened(&clinic, "urgent").await;
    act(&clinic, &id, "acknowledge", json!({})).await;
    let snoozed = act(&clinic, &id, "snooze", snooze_body()).await;
    assert_eq!(snoozed.status, 200, "{:?}", snoozed.body);
    assert_eq!(events(&clinic.app, &id, "alert.snoozed"), 1);
    assert_eq!(deliveries("alert.snoozed"), 1);

    // Lower evidence adds to the alert and leaves the snooze alone.
    let lower = clinic.check_in(hypo_now("warning")).await;
    assert_eq!(lower.status, 201, "{:?}", lower.body);
    assert_eq!(hypo_alert(&lower)["status"], "snoozed");
    let alert = read(&clinic, &id).await;
    assert_eq!(alert.body["status"], "snoozed");
    assert_eq!(alert.body["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(events(&clinic.app, &id, "alert.reopened"), 0);

    // Evidence at its level ends it at once.
    let news = clinic.check_in(hypo_now("urgent")).await;
    assert_eq!(news.status, 201, "{:?}", news.body);
    assert_eq!(hypo_alert(&news)["status"], "open");
    assert_eq!(hypo_alert(&news)["id"], id.as_str());
    let alert = read(&clinic, &id).await;
    assert_eq!(alert.body["status"], "open");
    assert_eq!(alert.body["level"], "urgent");
    assert!(alert.body["snoozed_until"].is_null());
    assert!(alert.body["acknowledged_at"].is_null());
    assert_eq!(
        actions(&alert.body),
        vec!["opened", "acknowledged", "snoozed", "reopened"]
    );
    assert_eq!(alert.body["history"][3]["from_status"], "snoozed");
    assert_eq!(events(&clinic.app, &id, "alert.reopened"), 1);
    assert_eq!(events(&clinic.app, &id, "alert.escalated"), 0);
    assert_eq!(deliveries("alert.reopened"), 1);
}

#[actix_web::test]
async fn new_emergency_evidence_reopens_an_acknowledged_emergency() {
    let clinic = Clinic::new(30).await;
    let id = opened(&clinic, "emergency").await;
    let acked = act(&clinic, &id, "acknowledge", json!({})).await;
    assert_eq!(acked.status, 200, "{:?}", acked.body);

    // Urgent evidence is not news for an acknowledged emergency.
    let lower = clinic.check_in(hypo_now("urgent")).await;
    assert_eq!(hypo_alert(&lower)["status"], "acknowledged");
    assert_eq!(events(&clinic.app, &id, "alert.reopened"), 0);

    // An emergency again is, even one observed before the acknowledgement.
    let again = clinic.report(26, hypo("emergency")).await;
    assert_eq!(hypo_alert(&again)["status"], "open");
    let alert = read(&clinic, &id).await;
    assert_eq!(alert.body["status"], "open");
    assert_eq!(alert.body["level"], "emergency");
    assert!(alert.body["acknowledged_by"].is_null());
    assert_eq!(
        actions(&alert.body),
        vec!["opened", "acknowledged", "reopened"]
    );
    assert_eq!(events(&clinic.app, &id, "alert.reopened"), 1);
}

#[actix_web::test]
async fn urgent_evidence_reopens_an_acknowledged_urgent_alert_when_observed_after_it() {
    let clinic = Clinic::new(30).await;
    let id = opened(&clinic, "urgent").await;
    act(&clinic, &id, "acknowledge", json!({})).await;

    // Observed before the acknowledgement (sent late): seen already, or
    // as good as, so it only adds evidence.
    let earlier = clinic.report(26, hypo("urgent")).await;
    assert_eq!(hypo_alert(&earlier)["status"], "acknowledged");
    let alert = read(&clinic, &id).await;
    assert_eq!(alert.body["status"], "acknowledged");
    assert_eq!(alert.body["evidence"].as_array().unwrap().len(), 2);
    assert_eq!(events(&clinic.app, &id, "alert.reopened"), 0);

    // Observed after it: news.
    let later = clinic.check_in(hypo_now("urgent")).await;
    assert_eq!(later.status, 201, "{:?}", later.body);
    assert_eq!(hypo_alert(&later)["status"], "open");
    let alert = read(&clinic, &id).await;
    assert_eq!(alert.body["status"], "open");
    assert_eq!(
        actions(&alert.body),
        vec!["opened", "acknowledged", "reopened"]
    );
    assert_eq!(alert.body["history"][2]["from_status"], "acknowledged");
    assert_eq!(events(&clinic.app, &id, "alert.reopened"), 1);
}

#[actix_web::test]
async fn a_snooze_ended_by_its_time_is_alert_reopened() {
    let clinic = Clinic::new(30).await;
    // Ended snoozes reopen before a read...
    let warning = opened(&clinic, "warning").await;
    act(&clinic, &warning, "snooze", snooze_body()).await;
    clinic.app.execute(&format!(
        "UPDATE alerts SET snoozed_until = '2000-01-01 00:00:00' WHERE id = '{warning}'"
    ));
    let alert = read(&clinic, &warning).await;
    assert_eq!(alert.body["status"], "open");
    assert_eq!(actions(&alert.body), vec!["opened", "snoozed", "reopened"]);
    assert_eq!(events(&clinic.app, &warning, "alert.reopened"), 1);
    // ...once.
    read(&clinic, &warning).await;
    assert_eq!(events(&clinic.app, &warning, "alert.reopened"), 1);

    // ...and when the clock turns.
    let other = Clinic::give(&clinic.app, &clinic.physician, &clinic.patient_id, 30).await;
    let reply = clinic
        .app
        .post(
            &format!("/v1/treatments/{other}/checkins"),
            Some(&clinic.patient),
            hypo_now("urgent"),
        )
        .await;
    let urgent = hypo_alert(&reply)["id"].as_str().unwrap().to_owned();
    act(&clinic, &urgent, "acknowledge", json!({})).await;
    act(&clinic, &urgent, "snooze", snooze_body()).await;
    let turn = aftercare::jobs::turn_alert_clock(
        &clinic.app.db(),
        Utc::now() + Duration::hours(3),
        Duration::minutes(10),
    )
    .await
    .unwrap();
    assert_eq!(turn.reopened, 1);
    assert_eq!(events(&clinic.app, &urgent, "alert.reopened"), 1);
    let alert = read(&clinic, &urgent).await;
    assert_eq!(alert.body["status"], "open");
}

#[actix_web::test]
async fn a_reopening_starts_the_overdue_clock_again() {
    let clinic = Clinic::new(30).await;
    let id = opened(&clinic, "urgent").await;
    let db = clinic.app.db();
    let ten = Duration::minutes(10);
    let turn = aftercare::jobs::turn_alert_clock(&db, Utc::now() + Duration::minutes(11), ten)
        .await
        .unwrap();
    assert_eq!(turn.overdue.len(), 1);
    assert!(read(&clinic, &id).await.body["overdue_at"].is_string());

    act(&clinic, &id, "acknowledge", json!({})).await;
    let news = clinic.check_in(hypo_now("urgent")).await;
    assert_eq!(hypo_alert(&news)["status"], "open");
    let alert = read(&clinic, &id).await;
    assert!(alert.body["overdue_at"].is_null());
    let reopened_at = Utc::now();

    // Not overdue again before the overdue time has passed since the
    // reopening; overdue once more after it.
    let early = aftercare::jobs::turn_alert_clock(&db, reopened_at + Duration::minutes(5), ten)
        .await
        .unwrap();
    assert!(early.overdue.is_empty());
    let late = aftercare::jobs::turn_alert_clock(&db, reopened_at + Duration::minutes(11), ten)
        .await
        .unwrap();
    assert_eq!(late.overdue.len(), 1);
    assert_eq!(events(&clinic.app, &id, "alert.overdue"), 2);
    let alert = read(&clinic, &id).await;
    assert!(alert.body["overdue_at"].is_string());
    // (History is in the order of its times; the job ran at times ahead.)
    assert_eq!(
        actions(&alert.body),
        vec!["opened", "acknowledged", "reopened", "overdue", "overdue"]
    );
}

#[actix_web::test]
async fn an_action_naming_a_level_that_changed_changes_nothing_and_shows_the_alert() {
    let clinic = Clinic::new(30).await;
    let id = opened(&clinic, "urgent").await;
    let before = read(&clinic, &id).await;

    for (action, mut body) in [
        ("acknowledge", json!({})),
        ("snooze", snooze_body()),
        (
            "resolve",
            json!({"outcome": "recovered", "note": "settled"}),
        ),
    ] {
        body["level"] = json!("warning");
        let refused = act(&clinic, &id, action, body).await;
        // For a snooze too: the changed level is reported before
        // acknowledge_first.
        assert_eq!(refused.status, 409, "{action}: {:?}", refused.body);
        assert_eq!(refused.code(), "alert_changed", "{action}");
        assert_eq!(refused.body["alert"], before.body, "{action}");
    }
    let after = read(&clinic, &id).await;
    assert_eq!(after.body["status"], "open");
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(events(&clinic.app, &id, "alert.acknowledged"), 0);

    // The level seen is the level now: the action goes ahead.
    let acked = act(&clinic, &id, "acknowledge", json!({"level": "urgent"})).await;
    assert_eq!(acked.status, 200, "{:?}", acked.body);
    assert_eq!(acked.body["status"], "acknowledged");
    let bad = act(&clinic, &id, "acknowledge", json!({"level": "info"})).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body["errors"]["level"].is_array());

    // A resolved alert answers alert_resolved whatever level is named.
    act(
        &clinic,
        &id,
        "resolve",
        json!({"outcome": "recovered", "note": "settled", "level": "urgent"}),
    )
    .await;
    let resolved = act(&clinic, &id, "acknowledge", json!({"level": "warning"})).await;
    assert_eq!(resolved.status, 409);
    assert_eq!(resolved.code(), "alert_resolved");
}

/// Posts the action with If-Match.
async fn act_if(clinic: &Clinic, id: &str, action: &str, tag: &str, body: Option<Value>) -> Reply {
    let path = format!("/v1/alerts/{id}/{action}");
    let mut request = clinic
        .app
        .client
        .post(format!("{}{path}", clinic.app.address))
        .bearer_auth(&clinic.physician)
        .header("if-match", tag);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = clinic.app.send(request).await;
    crate::spec::check_against_spec("POST", &path, &reply);
    reply
}

#[actix_web::test]
async fn actions_honour_if_match_with_the_etag_of_the_alert() {
    let clinic = Clinic::new(30).await;
    let id = opened(&clinic, "urgent").await;
    let first = read(&clinic, &id).await;
    let tag = first.header("etag").unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    assert_eq!(read(&clinic, &id).await.header("etag"), Some(tag.as_str()));

    // New evidence changes the alert, and its tag.
    clinic.report(26, hypo("warning")).await;
    let second = read(&clinic, &id).await;
    let current = second.header("etag").unwrap().to_owned();
    assert_ne!(current, tag);

    for (action, body) in [
        ("acknowledge", None),
        ("snooze", Some(snooze_body())),
        (
            "resolve",
            Some(json!({"outcome": "recovered", "note": "settled"})),
        ),
    ] {
        let stale = act_if(&clinic, &id, action, &tag, body).await;
        assert_eq!(stale.status, 412, "{action}: {:?}", stale.body);
        assert_eq!(stale.code(), "precondition_failed");
        assert_eq!(stale.body["alert"], second.body, "{action}");
    }
    // A stale tag is reported before a changed level, and a weak or
    // malformed one matches nothing.
    let both = act_if(
        &clinic,
        &id,
        "acknowledge",
        &tag,
        Some(json!({"level": "warning"})),
    )
    .await;
    assert_eq!(both.status, 412);
    for odd in [format!("W/{current}"), "not-a-tag".to_owned()] {
        let reply = act_if(&clinic, &id, "acknowledge", &odd, None).await;
        assert_eq!(reply.status, 412, "{odd}");
    }
    // An urgent alert that is not acknowledged: a current tag lets the
    // snooze reach acknowledge_first.
    let early = act_if(&clinic, &id, "snooze", &current, Some(snooze_body())).await;
    assert_eq!(early.status, 409);
    assert_eq!(early.code(), "acknowledge_first");
    let unchanged = read(&clinic, &id).await;
    assert_eq!(unchanged.body["status"], "open");
    assert_eq!(unchanged.header("etag"), Some(current.as_str()));

    // The current tag (in a list) acknowledges; the answer carries the new
    // tag, the one GET sends.
    let list = format!("\"0123\", {current}");
    let acked = act_if(&clinic, &id, "acknowledge", &list, None).await;
    assert_eq!(acked.status, 200, "{:?}", acked.body);
    assert_eq!(acked.body["status"], "acknowledged");
    let after = read(&clinic, &id).await;
    assert_eq!(after.header("etag"), acked.header("etag"));
    assert_ne!(after.header("etag"), Some(current.as_str()));
    // `*` matches any alert that exists.
    let any = act_if(&clinic, &id, "snooze", "*", Some(snooze_body())).await;
    assert_eq!(any.status, 200, "{:?}", any.body);
    assert_eq!(any.body["status"], "snoozed");
}

#[actix_web::test]
async fn acknowledge_takes_no_body_or_a_json_one() {
    let clinic = Clinic::new(30).await;
    let id = opened(&clinic, "urgent").await;
    let path = format!("/v1/alerts/{id}/acknowledge");
    let url = format!("{}{path}", clinic.app.address);
    let text = clinic
        .app
        .send(
            clinic
                .app
                .client
                .post(&url)
                .bearer_auth(&clinic.physician)
                .header("content-type", "text/plain")
                .body("urgent"),
        )
        .await;
    assert_eq!(text.status, 415);
    let malformed = clinic
        .app
        .call(
            Method::POST,
            &path,
            Some(&clinic.physician),
            Some(json!("urgent")),
        )
        .await;
    assert_eq!(malformed.status, 422, "{:?}", malformed.body);
    let bare = clinic
        .app
        .send(clinic.app.client.post(&url).bearer_auth(&clinic.physician))
        .await;
    crate::spec::check_against_spec("POST", &path, &bare);
    assert_eq!(bare.status, 200, "{:?}", bare.body);
    assert_eq!(bare.body["status"], "acknowledged");
}

#[actix_web::test]
async fn evidence_says_when_it_was_retriaged_or_superseded() {
    let clinic = Clinic::new(30).await;
    let first = clinic.report(25, hypo("urgent")).await;
    let id = hypo_alert(&first)["id"].as_str().unwrap().to_owned();
    let checkin = first.body["checkin"]["id"].as_str().unwrap().to_owned();
    clinic.report(26, hypo("warning")).await;
    let before = read(&clinic, &id).await;
    for e in before.body["evidence"].as_array().unwrap() {
        assert!(e.get("retriaged").is_none() && e.get("superseded").is_none());
    }

    clinic.app.execute(&format!(
        "UPDATE alert_evidence SET retriaged = TRUE WHERE checkin_id <> '{checkin}'"
    ));
    let mut conn = clinic.app.connection();
    // Another rule's evidence of the check-in is not touched.
    assert_eq!(
        aftercare::db::alerts::supersede_evidence(
            &mut conn,
            &checkin,
            aftercare::domain::triage::Rule::SevereSymptom
        )
        .unwrap(),
        0
    );
    assert_eq!(
        aftercare::db::alerts::supersede_evidence(
            &mut conn,
            &checkin,
            aftercare::domain::triage::Rule::Hypoglycaemia
        )
        .unwrap(),
        1
    );
    let after = read(&clinic, &id).await;
    let evidence = after.body["evidence"].as_array().unwrap();
    assert_eq!(evidence[0]["checkin_id"], checkin.as_str());
    assert_eq!(evidence[0]["superseded"], true);
    assert!(evidence[0].get("retriaged").is_none());
    assert_eq!(evidence[1]["retriaged"], true);
    assert!(evidence[1].get("superseded").is_none());
    assert_ne!(after.header("etag"), before.header("etag"));
    let listed = clinic.app.get("/v1/alerts", &clinic.physician).await;
    assert_eq!(listed.body["items"][0]["evidence"], after.body["evidence"]);
}

#[actix_web::test]
async fn an_acknowledgement_racing_an_escalation_never_covers_the_emergency() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let (mut acknowledged_before, mut refused) = (0, 0);
    for _ in 0..30 {
        let treatment = Clinic::give(app, &clinic.physician, &clinic.patient_id, 30).await;
        let checkins = format!("/v1/treatments/{treatment}/checkins");
        let urgent = app
            .post(&checkins, Some(&clinic.patient), hypo_now("urgent"))
            .await;
        let id = hypo_alert(&urgent)["id"].as_str().unwrap().to_owned();
        let ack_path = format!("/v1/alerts/{id}/acknowledge");

        let (escalation, ack) = tokio::join!(
            app.post(&checkins, Some(&clinic.patient), hypo_now("emergency")),
            app.post(
                &ack_path,
                Some(&clinic.physician),
                json!({"level": "urgent"})
            ),
        );
        assert_eq!(escalation.status, 201, "{:?}", escalation.body);
        assert_eq!(hypo_alert(&escalation)["level"], "emergency");

        let alert = read(&clinic, &id).await;
        assert_eq!(alert.body["level"], "emergency");
        // Never an emergency acknowledged by whoever saw an urgent alert.
        assert_eq!(alert.body["status"], "open", "{:#}", alert.body);
        assert!(alert.body["acknowledged_at"].is_null());
        let mut history = actions(&alert.body);
        history.sort();
        // What the escalation found decides the order, not the times the
        // two requests were received.
        let escalated = alert.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["action"] == "escalated")
            .unwrap();
        match ack.status {
            200 => {
                // It acknowledged the urgent alert, before the escalation,
                // which found it acknowledged and opened it again.
                assert_eq!(ack.body["level"], "urgent");
                assert_eq!(ack.body["status"], "acknowledged");
                assert_eq!(history, vec!["acknowledged", "escalated", "opened"]);
                assert_eq!(escalated["from_status"], "acknowledged");
                acknowledged_before += 1;
            }
            409 => {
                assert_eq!(ack.code(), "alert_changed");
                assert_eq!(ack.body["alert"]["level"], "emergency");
                assert_eq!(history, vec!["escalated", "opened"]);
                assert_eq!(escalated["from_status"], "open");
                refused += 1;
            }
            other => panic!("acknowledge answered {other}: {:?}", ack.body),
        }
    }
    eprintln!("acknowledged before the escalation: {acknowledged_before}, refused: {refused}");
}
