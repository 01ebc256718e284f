//! The shapes of the answers as generated clients see them: a key that every
//! answer carries is `required` in openapi.yaml, so that readers need not
//! handle a "missing" that never happens.

use serde_json::json;

use crate::helpers::*;
use crate::spec::{observe_keys, observed_keys, spec};

/// A walk through every kind of answer: the keys of each reply are counted
/// per schema, and a key present in every object of its schema must be
/// required (optional keys of the walk are absent at least once).
#[actix_web::test]
async fn every_key_that_answers_always_carry_is_required() {
    observe_keys();
    // Loopback receivers allowed, without a dispatcher: deliveries stay pending.
    let app = spawn_app_with(&[
        ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
        ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("AFTERCARE_WEBHOOK_DISPATCH", "false"),
    ])
    .await;
    // Reports 25 hours apart fall on different local days whatever the
    // hour of the treatment, so that no symptom is on every day.
    let clinic = Clinic::with(app, 50, "Asia/Tokyo", "ja").await;
    let app = &clinic.app;
    let (patient, physician) = (clinic.patient.as_str(), clinic.physician.as_str());
    let admin = app.admin_token().await;
    let treatment = format!("/v1/treatments/{}", clinic.treatment_id);
    let patient_path = format!("/v1/patients/{}", clinic.patient_id);

    // Check-ins with and without vitals and impact; one alerts.
    clinic.report(2, json!({"symptoms": {"redness": 1}})).await;
    clinic
        .report(
            27,
            json!({"symptoms": {"swelling": 2},
                   "vitals": {"glucose": {"value": 95, "unit": "mg/dL"}, "systolic_bp": 120, "temperature_c": 36.8},
                   "impact": {"missed_normal_activities": true, "missed_work": false, "medical_care": "clinic"},
                   "note": "a little swollen"}),
        )
        .await;
    let urgent = clinic
        .report(28, json!({"symptoms": {"headache": 4}}))
        .await;
    let alert_id = urgent.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let sync = json!({"checkins": [{"treatment_id": clinic.treatment_id, "client_id": "offline-1",
                                    "observed_at": chrono::Utc::now(), "symptoms": {"pain": 1}}]});
    assert_eq!(app.post("/v1/sync", Some(patient), sync).await.status, 200);

    for (path, token) in [
        ("/v1/me", patient),
        ("/v1/me", physician),
        ("/v1/me/schedule", patient),
        ("/v1/symptoms", patient),
        ("/v1/patients", physician),
        (patient_path.as_str(), physician),
        (&format!("{patient_path}/treatments"), physician),
        (treatment.as_str(), patient),
        (&format!("{treatment}/checkins"), patient),
        (&format!("{treatment}/checkins"), physician),
        ("/v1/alerts", physician),
        (&format!("/v1/alerts/{alert_id}"), physician),
        ("/v1/worklist", physician),
        (&format!("{patient_path}/timeline"), physician),
        (&format!("{patient_path}/fhir"), physician),
        ("/v1/stats/symptoms", physician),
        ("/v1/audit", &admin),
    ] {
        let reply = app.get(path, token).await;
        assert_eq!(reply.status, 200, "{path}: {:?}", reply.body);
    }

    // The workflow, with a stale level (a problem carrying the alert).
    let alert = format!("/v1/alerts/{alert_id}");
    let stale = app
        .post(
            &format!("{alert}/acknowledge"),
            Some(physician),
            json!({"level": "warning"}),
        )
        .await;
    assert_eq!(stale.status, 409, "{:?}", stale.body);
    let acked = app
        .post(&format!("{alert}/acknowledge"), Some(physician), json!({}))
        .await;
    assert_eq!(acked.status, 200, "{:?}", acked.body);
    let resolved = app
        .post(
            &format!("{alert}/resolve"),
            Some(physician),
            json!({"outcome": "recovered", "note": "settled by itself"}),
        )
        .await;
    assert_eq!(resolved.status, 200, "{:?}", resolved.body);

    // Webhooks and their deliveries.
    let hook = app
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": "http://127.0.0.1:9/hook", "events": ["ping"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let hook = format!("/v1/webhooks/{}", hook.body["id"].as_str().unwrap());
    assert_eq!(
        app.post(&format!("{hook}/ping"), Some(&admin), json!({}))
            .await
            .status,
        202
    );
    for path in [
        "/v1/webhooks".to_owned(),
        hook.clone(),
        format!("{hook}/deliveries"),
    ] {
        assert_eq!(app.get(&path, &admin).await.status, 200, "{path}");
    }

    // Problems with and without their optional parts.
    let invalid = clinic
        .check_in(json!({"client_id": "x", "symptoms": {"headache": 9}}))
        .await;
    assert_eq!(invalid.status, 422);
    assert_eq!(
        app.get("/v1/alerts/not-an-alert", physician).await.status,
        404
    );

    let mut optional_but_always_there = Vec::new();
    let keys = observed_keys();
    for ((at, key), (present, absent)) in &keys {
        let schema = spec().pointer(at.trim_start_matches('#')).unwrap();
        let required = schema["required"]
            .as_array()
            .is_some_and(|required| required.iter().any(|r| r == key));
        if *present > 0 && *absent == 0 && !required {
            optional_but_always_there.push(format!("{at} {key}"));
        }
    }
    assert!(
        optional_but_always_there.is_empty(),
        "keys every answer carried but openapi.yaml calls optional: {optional_but_always_there:#?}"
    );
    // The walk saw the schemas this test is about.
    for schema in [
        "Vitals",
        "Impact",
        "FhirBundle",
        "Problem",
        "Alert",
        "WebhookDelivery",
    ] {
        let at = format!("#/components/schemas/{schema}");
        assert!(
            keys.keys().any(|(seen, _)| *seen == at),
            "the walk saw no {schema}"
        );
    }
}
