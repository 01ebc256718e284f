use serde_json::{json, Value};

use crate::helpers::*;

fn body(screening: Value, extra: Value) -> Value {
    let mut b = json!({"kind": "injection", "sites": ["face", "scalp"], "product": "Exo-X", "lot": "L-77",
        "administered_at": chrono::Utc::now() - chrono::Duration::hours(2), "screening": screening});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

fn clear() -> Value {
    json!({"cancer_treatment": false, "pregnant": false, "breastfeeding": false, "planning_pregnancy": false})
}

#[actix_web::test]
async fn a_treatment_carries_its_schedule_and_aftercare() {
    let app = spawn_app().await;
    let (physician_id, sato) = app.physician("Dr Sato").await;
    let (patient_id, _) = app.patient(&sato, "Tanaka Yui").await;
    let given = "2026-03-01T14:30:00Z";
    let reply = app
        .post(
            &format!("/v1/patients/{patient_id}/treatments"),
            Some(&sato),
            body(clear(), json!({"administered_at": given})),
        )
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["physician_id"], physician_id.as_str());
    assert_eq!(reply.body["sites"], json!(["face", "scalp"]));
    assert_eq!(reply.body["warnings"], json!([]));
    // 14:30 UTC is 23:30 in Tokyo: day 0 is 1 March, day 1 is 2 March.
    let schedule = reply.body["schedule"].as_array().unwrap();
    assert_eq!(schedule.len(), 14);
    assert_eq!(schedule[0], json!({"day": 0, "due_date": "2026-03-01"}));
    assert_eq!(schedule[1], json!({"day": 1, "due_date": "2026-03-02"}));
    assert_eq!(schedule[13], json!({"day": 90, "due_date": "2026-05-30"}));
    let aftercare: Vec<&str> = reply.body["aftercare"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert!(aftercare.contains(&"scalp_care") && aftercare.contains(&"no_bath_or_sauna_today"));
    assert!(reply.body["aftercare"][0]["text"]
        .as_str()
        .unwrap()
        .contains("サウナ"));
    let id = reply.body["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/treatments/{id}"), &sato).await.body,
        reply.body
    );
    let list = app
        .get(&format!("/v1/patients/{patient_id}/treatments"), &sato)
        .await;
    assert_eq!(list.body["items"][0]["id"], id);
}

#[actix_web::test]
async fn contraindications_need_an_override_which_is_kept() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let (patient_id, _) = app.patient(&sato, "Tanaka Yui").await;
    let path = format!("/v1/patients/{patient_id}/treatments");
    let screening = json!({"cancer_treatment": true, "pregnant": false, "breastfeeding": true, "planning_pregnancy": false});
    let refused = app
        .post(&path, Some(&sato), body(screening.clone(), json!({})))
        .await;
    assert_eq!((refused.status, refused.code()), (422, "contraindicated"));
    assert_eq!(
        refused.body["contraindications"],
        json!(["cancer_treatment", "breastfeeding"])
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM treatments"), 0);
    let kept = app
        .post(
            &path,
            Some(&sato),
            body(
                screening,
                json!({"override_reason": "Oncologist approved in writing"}),
            ),
        )
        .await;
    assert_eq!(kept.status, 201);
    assert_eq!(
        kept.body["override_reason"],
        "Oncologist approved in writing"
    );
    assert_eq!(
        kept.body["warnings"],
        json!(["contraindication_overridden"])
    );
    let planning = json!({"cancer_treatment": false, "pregnant": false, "breastfeeding": false, "planning_pregnancy": true});
    let warned = app
        .post(&path, Some(&sato), body(planning, json!({})))
        .await;
    assert_eq!(warned.body["warnings"], json!(["consult_before_pregnancy"]));
}

#[actix_web::test]
async fn treatment_fields_are_validated() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let (patient_id, _) = app.patient(&sato, "Tanaka Yui").await;
    let path = format!("/v1/patients/{patient_id}/treatments");
    let future = chrono::Utc::now() + chrono::Duration::minutes(10);
    let reply = app.post(&path, Some(&sato), body(clear(), json!({"kind": "oral", "sites": ["elbow"], "product": " ", "administered_at": future}))).await;
    assert_eq!(reply.status, 422);
    for field in ["kind", "sites", "product", "administered_at"] {
        assert!(
            reply.body["errors"][field].is_array(),
            "{field}: {:?}",
            reply.body
        );
    }
    let no_site = app
        .post(&path, Some(&sato), body(clear(), json!({"sites": []})))
        .await;
    assert!(no_site.body["errors"]["sites"].is_array());
    let iv = app
        .post(
            &path,
            Some(&sato),
            body(clear(), json!({"kind": "iv_drip", "sites": []})),
        )
        .await;
    assert_eq!(iv.status, 201);
    let bad_time = app
        .post(
            &path,
            Some(&sato),
            body(clear(), json!({"administered_at": "yesterday"})),
        )
        .await;
    assert!(bad_time.body["errors"]["administered_at"].is_array());
    let soon = app
        .post(
            &path,
            Some(&sato),
            body(
                clear(),
                json!({"administered_at": chrono::Utc::now() + chrono::Duration::minutes(4)}),
            ),
        )
        .await;
    assert_eq!(soon.status, 201);
}

#[actix_web::test]
async fn only_care_team_physicians_record_treatments() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let (_, ito) = app.physician("Dr Ito").await;
    let (patient_id, code) = app.patient(&sato, "Tanaka Yui").await;
    let patient = app.register(&code, "yui@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.admin_token().await;
    let path = format!("/v1/patients/{patient_id}/treatments");
    assert_eq!(
        app.post(&path, Some(&ito), body(clear(), json!({})))
            .await
            .status,
        404
    );
    assert_eq!(
        app.post(&path, Some(&patient), body(clear(), json!({})))
            .await
            .status,
        403
    );
    assert_eq!(
        app.post(&path, Some(&admin), body(clear(), json!({})))
            .await
            .status,
        403
    );
    let created = app.post(&path, Some(&sato), body(clear(), json!({}))).await;
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/treatments/{id}"), &patient)
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("/v1/treatments/{id}"), &ito).await.status,
        404
    );
    assert_eq!(
        app.get(&format!("/v1/patients/{patient_id}/treatments"), &ito)
            .await
            .status,
        404
    );
}
