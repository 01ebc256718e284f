//! Nurses and caregivers, as the contract's "Care roles and staff
//! security" gives them: what each may do, what they may not, and that a
//! caregiver's revoked link counts at the next request.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::photos::{fetch, jpeg_coloured, upload};

#[actix_web::test]
async fn a_nurse_triages_the_care_teams_alerts_but_does_not_run_the_clinic() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let (nurse_id, nurse) = clinic.nurse_on_team().await;
    let me = app.get("/v1/me", &nurse).await;
    assert_eq!(me.body["role"], "nurse");

    let alert = clinic.urgent_alert(25).await;
    let worklist = app.get("/v1/worklist", &nurse).await;
    assert_eq!(worklist.status, 200, "{:?}", worklist.body);
    assert_eq!(
        worklist.body["items"][0]["patient"]["id"],
        clinic.patient_id.as_str()
    );
    for path in [
        format!("/v1/patients/{}/timeline", clinic.patient_id),
        format!("/v1/patients/{}/fhir", clinic.patient_id),
        "/v1/stats/symptoms".to_owned(),
        format!("/v1/alerts?patient_id={}", clinic.patient_id),
    ] {
        assert_eq!(app.get(&path, &nurse).await.status, 200, "{path}");
    }
    let acknowledged = app
        .post(
            &format!("/v1/alerts/{alert}/acknowledge"),
            Some(&nurse),
            json!({}),
        )
        .await;
    assert_eq!(acknowledged.status, 200, "{:?}", acknowledged.body);
    assert_eq!(acknowledged.body["acknowledged_by"], nurse_id.as_str());
    let on_behalf = app
        .post(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            Some(&nurse),
            json!({"client_id": "by-nurse", "symptoms": {"redness": 1}}),
        )
        .await;
    assert_eq!(on_behalf.status, 201, "{:?}", on_behalf.body);
    assert_eq!(on_behalf.body["checkin"]["recorded_by"], nurse_id.as_str());
    assert_eq!(on_behalf.body["checkin"]["recorded_by_role"], "nurse");

    // What a nurse may not do: 403 for each.
    let refused = [
        (
            "/v1/patients".to_owned(),
            json!({"display_name": "New Patient", "timezone": "Asia/Tokyo", "locale": "ja"}),
        ),
        (
            format!("/v1/patients/{}/invite", clinic.patient_id),
            json!({}),
        ),
        (
            "/v1/webhooks".to_owned(),
            json!({"url": "https://example.com/hook", "events": ["alert.created"]}),
        ),
        (
            "/v1/users".to_owned(),
            json!({"email": "x@clinic.example", "password": PASSWORD, "role": "nurse", "display_name": "X"}),
        ),
    ];
    for (path, body) in refused {
        let reply = app.post(&path, Some(&nurse), body).await;
        assert_eq!(reply.status, 403, "{path}: {:?}", reply.body);
    }
    assert_eq!(app.get("/v1/audit", &nurse).await.status, 403);
    assert_eq!(app.get("/v1/webhooks", &nurse).await.status, 403);
    let (spare, _) = app.physician("Dr Spare").await;
    let team = app
        .call(
            Method::PUT,
            &format!("/v1/patients/{}/care-team/{spare}", clinic.patient_id),
            Some(&nurse),
            None,
        )
        .await;
    assert_eq!(team.status, 403);
}

#[actix_web::test]
async fn the_last_physician_stays_however_many_nurses_the_team_has() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let (nurse_id, _) = clinic.nurse_on_team().await;
    let member = |id: &str| format!("/v1/patients/{}/care-team/{id}", clinic.patient_id);
    let admin = app.admin_token().await;
    let last = app
        .call(
            Method::DELETE,
            &member(&clinic.physician_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(last.status, 409, "{:?}", last.body);
    assert_eq!(last.code(), "last_physician");
    let nurse_gone = app
        .call(Method::DELETE, &member(&nurse_id), Some(&admin), None)
        .await;
    assert_eq!(nurse_gone.status, 204);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM care_team_members WHERE patient_id = '{}'",
            clinic.patient_id
        )),
        1
    );
    // A patient or a caregiver is no care-team member.
    let (caregiver_id, _) = app
        .caregiver(&clinic.patient, "son", "son@example.jp")
        .await;
    let added = app
        .call(Method::PUT, &member(&caregiver_id), Some(&admin), None)
        .await;
    assert_eq!(added.status, 404);
}

#[actix_web::test]
async fn a_caregiver_reports_for_their_patient_until_the_patient_revokes_them() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    for bad in ["", "   ", &"m".repeat(51)] {
        let reply = app
            .post(
                "/v1/me/caregivers",
                Some(&clinic.patient),
                json!({"relationship": bad}),
            )
            .await;
        assert_eq!(reply.status, 422, "{bad:?}");
        assert!(reply.body["errors"]["relationship"].is_array());
    }
    let staff_invite = app
        .post(
            "/v1/me/caregivers",
            Some(&clinic.physician),
            json!({"relationship": "mother"}),
        )
        .await;
    assert_eq!(staff_invite.status, 403);
    let invited = app
        .post(
            "/v1/me/caregivers",
            Some(&clinic.patient),
            json!({"relationship": "母"}),
        )
        .await;
    assert_eq!(invited.status, 201, "{:?}", invited.body);
    assert!(invited.body["invite"]["expires_at"].is_string());
    let code = invited.body["invite"]["code"].as_str().unwrap();
    let pair = app
        .post(
            "/v1/auth/register",
            None,
            json!({"invite_code": code, "email": "haha@example.jp", "password": PASSWORD, "display_name": "Tanaka Keiko"}),
        )
        .await;
    assert_eq!(pair.status, 201, "{:?}", pair.body);
    let caregiver = pair.body["access_token"].as_str().unwrap().to_owned();
    let caregiver_id = pair.body["user"]["id"].as_str().unwrap().to_owned();
    // The code is spent.
    let again = app
        .post(
            "/v1/auth/register",
            None,
            json!({"invite_code": code, "email": "other@example.jp", "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.code(), "invalid_invite");

    let me = app.get("/v1/me", &caregiver).await;
    assert_eq!(me.body["role"], "caregiver");
    assert_eq!(me.body["patient_id"], Value::Null);
    assert_eq!(me.body["caregiver_of"], json!([clinic.patient_id]));
    let listed = app.get("/v1/me/caregivers", &clinic.patient).await;
    assert_eq!(listed.body["items"][0]["user_id"], caregiver_id.as_str());
    assert_eq!(listed.body["items"][0]["relationship"], "母");
    assert_eq!(listed.body["items"][0]["display_name"], "Tanaka Keiko");

    // The schedule needs the patient named.
    let unnamed = app.get("/v1/me/schedule", &caregiver).await;
    assert_eq!(unnamed.status, 422);
    assert!(unnamed.body["errors"]["patient_id"].is_array());
    let schedule = format!("/v1/me/schedule?patient_id={}", clinic.patient_id);
    let read = app.get(&schedule, &caregiver).await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.body["items"][0]["treatment_id"],
        clinic.treatment_id.as_str()
    );
    let stranger = format!("/v1/me/schedule?patient_id={}", uuid::Uuid::new_v4());
    assert_eq!(app.get(&stranger, &caregiver).await.status, 404);

    let reported = app
        .post(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            Some(&caregiver),
            json!({"client_id": "by-mother", "symptoms": {"swelling": 2}}),
        )
        .await;
    assert_eq!(reported.status, 201, "{:?}", reported.body);
    assert_eq!(
        reported.body["checkin"]["recorded_by"],
        caregiver_id.as_str()
    );
    assert_eq!(reported.body["checkin"]["recorded_by_role"], "caregiver");
    let checkin_id = reported.body["checkin"]["id"].as_str().unwrap().to_owned();
    let synced = app
        .post(
            "/v1/sync",
            Some(&caregiver),
            json!({"checkins": [{"treatment_id": clinic.treatment_id, "client_id": "sync-mother", "symptoms": {"redness": 1}}]}),
        )
        .await;
    assert_eq!(
        synced.body["results"][0]["status"], 201,
        "{:?}",
        synced.body
    );
    // The care team sees who reported.
    let list = app
        .get(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            &clinic.physician,
        )
        .await;
    let by_mother = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == checkin_id.as_str())
        .unwrap();
    assert_eq!(by_mother["recorded_by_role"], "caregiver");

    // Nothing else of the patient's record is theirs to read.
    for path in [
        format!("/v1/patients/{}", clinic.patient_id),
        format!("/v1/patients/{}/timeline", clinic.patient_id),
        format!("/v1/treatments/{}/checkins", clinic.treatment_id),
    ] {
        assert_eq!(app.get(&path, &caregiver).await.status, 404, "{path}");
    }
    for path in ["/v1/patients", "/v1/alerts", "/v1/me/caregivers"] {
        assert_eq!(app.get(path, &caregiver).await.status, 403, "{path}");
    }

    // The FHIR export names them.
    let bundle = app
        .get(
            &format!("/v1/patients/{}/fhir", clinic.patient_id),
            &clinic.physician,
        )
        .await;
    let related: Vec<&Value> = bundle.body["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "RelatedPerson")
        .collect();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["id"], caregiver_id.as_str());
    assert_eq!(related[0]["active"], true);
    assert_eq!(related[0]["relationship"][0]["text"], "母");

    // Revoked: the very next request is refused, and the record stays.
    let revoked = app
        .call(
            Method::DELETE,
            &format!("/v1/me/caregivers/{caregiver_id}"),
            Some(&clinic.patient),
            None,
        )
        .await;
    assert_eq!(revoked.status, 204);
    let after = app
        .post(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            Some(&caregiver),
            json!({"client_id": "after-revoke", "symptoms": {"redness": 1}}),
        )
        .await;
    assert_eq!(after.status, 404);
    assert_eq!(app.get(&schedule, &caregiver).await.status, 404);
    assert_eq!(
        app.get("/v1/me", &caregiver).await.body["caregiver_of"],
        json!([])
    );
    let again = app
        .call(
            Method::DELETE,
            &format!("/v1/me/caregivers/{caregiver_id}"),
            Some(&clinic.patient),
            None,
        )
        .await;
    assert_eq!(again.status, 404);
    let bundle = app
        .get(
            &format!("/v1/patients/{}/fhir", clinic.patient_id),
            &clinic.physician,
        )
        .await;
    assert!(bundle.body.to_string().contains("\"active\":false"));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE actor_id = '{}' \
             AND resource_type IN ('caregiver_invite', 'caregiver')",
            me_id(app, &clinic.patient).await
        )),
        2
    );
    // The link itself was made by the caregiver's registration.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE actor_id = '{caregiver_id}' \
             AND action = 'create' AND resource_type = 'caregiver' AND patient_id = '{}'",
            clinic.patient_id
        )),
        1
    );
}

async fn me_id(app: &TestApp, token: &str) -> String {
    app.get("/v1/me", token).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The photo rows of the matrix: who may upload to a check-in, and who may
/// see a photo (a caregiver: only those of check-ins they recorded).
#[actix_web::test]
async fn photos_answer_each_care_role_as_expected() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let (_, nurse) = clinic.nurse_on_team().await;
    let (_, caregiver) = app
        .caregiver(&clinic.patient, "father", "father@example.jp")
        .await;
    let (_, other_physician) = app.physician("Dr Other").await;
    let admin = app.admin_token().await;
    let by_patient = clinic.report(26, json!({})).await.body["checkin"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_caregiver = app
        .post(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            Some(&caregiver),
            json!({"client_id": "father-1", "symptoms": {"redness": 1}}),
        )
        .await
        .body["checkin"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let callers = [
        ("patient", clinic.patient.as_str(), 201),
        ("caregiver", caregiver.as_str(), 201),
        ("care team", clinic.physician.as_str(), 201),
        ("nurse", nurse.as_str(), 201),
        ("other physician", other_physician.as_str(), 404),
        ("admin", admin.as_str(), 403),
    ];
    let mut photo_of_patient_checkin = None;
    for (shade, (name, token, want)) in (10..).step_by(40).zip(callers) {
        let image = jpeg_coloured(shade);
        let reply = upload(app, token, &by_patient, "image/jpeg", image, None).await;
        assert_eq!(reply.status, want, "upload as {name}: {:?}", reply.body);
        if name == "patient" {
            photo_of_patient_checkin = reply.body["id"].as_str().map(str::to_owned);
        }
    }
    let of_patient = photo_of_patient_checkin.unwrap();
    let of_caregiver = upload(
        app,
        &caregiver,
        &by_caregiver,
        "image/jpeg",
        jpeg_coloured(250),
        None,
    )
    .await
    .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = [
        ("patient", clinic.patient.as_str(), [200, 200]),
        ("caregiver", caregiver.as_str(), [404, 200]),
        ("care team", clinic.physician.as_str(), [200, 200]),
        ("nurse", nurse.as_str(), [200, 200]),
        ("other physician", other_physician.as_str(), [404, 404]),
        ("admin", admin.as_str(), [200, 200]),
    ];
    for (name, token, want) in seen {
        for (photo, want) in [&of_patient, &of_caregiver].into_iter().zip(want) {
            let (status, _, _) = fetch(app, token, &format!("/v1/photos/{photo}")).await;
            assert_eq!(status, want, "photo {photo} as {name}");
        }
    }
    let anonymous = app
        .client
        .get(format!("{}/v1/photos/{of_patient}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[actix_web::test]
async fn the_patient_app_invites_a_caregiver_who_then_reports_there() {
    use crate::dashboard::{csrf_of, Browser};
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let mut patient = Browser::new(app);
    assert_eq!(
        patient.app_sign_in("yui@example.jp", PASSWORD).await.status,
        303
    );
    let page = patient.get("/app/caregivers").await;
    assert_eq!(page.status, 200);
    let csrf = csrf_of(&page.body);
    let empty = patient
        .post("/app/caregivers", &[("csrf", &csrf), ("relationship", " ")])
        .await;
    assert_eq!(empty.status, 422);
    let invited = patient
        .post(
            "/app/caregivers",
            &[("csrf", &csrf), ("relationship", "娘")],
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    assert!(
        invited.body.contains("<svg"),
        "a QR code of the sign-up link"
    );
    let at = invited.body.find("<strong class=\"code\">").unwrap() + 21;
    let code = invited.body[at..].split('<').next().unwrap().to_owned();

    // The caregiver signs up in the app with the code and sees the
    // patient's check-in.
    let mut caregiver = Browser::new(app);
    let form = caregiver.get(&format!("/app/register?invite={code}")).await;
    let csrf_form = csrf_of(&form.body);
    let registered = caregiver
        .post(
            "/app/register",
            &[
                ("csrf", &csrf_form),
                ("invite_code", &code),
                ("email", "musume@example.jp"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    let today = caregiver.get("/app/").await;
    assert_eq!(today.status, 200);
    assert!(today.body.contains("送信する") || today.body.contains("Send"));
    assert_eq!(caregiver.get("/app/caregivers").await.status, 403);
    // The patient sees them and revokes them; their pages close at once.
    let page = patient.get("/app/caregivers").await;
    let at = page.body.find("/revoke\"").unwrap();
    let start = page.body[..at].rfind("/app/caregivers/").unwrap();
    let action = page.body[start..at + 7].to_owned();
    let revoked = patient.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(revoked.status, 303);
    assert_eq!(caregiver.get("/app/").await.status, 403);
}
