//! The authorisation matrix: every route that takes a patient, treatment,
//! check-in, photo or alert id, called as the patient, their caregiver,
//! another patient, a care-team physician, a care-team nurse, another
//! physician, an admin and anonymously. Each answer is the expected one,
//! and no other patient's data appears in any body a stranger gets.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Patient,
    Caregiver,
    OtherPatient,
    CareTeam,
    Nurse,
    OtherPhysician,
    Admin,
    Anonymous,
}

use Caller::*;

const CALLERS: [Caller; 8] = [
    Patient,
    Caregiver,
    OtherPatient,
    CareTeam,
    Nurse,
    OtherPhysician,
    Admin,
    Anonymous,
];

struct World {
    clinic: Clinic,
    tokens: Vec<(Caller, Option<String>)>,
    /// Ids and names of patient A's data that strangers must never see.
    secrets: Vec<String>,
    alert_id: String,
    caregiver_id: String,
    spare_physician: String,
}

impl World {
    fn token(&self, caller: Caller) -> Option<String> {
        self.tokens
            .iter()
            .find(|(c, _)| *c == caller)
            .and_then(|(_, t)| t.clone())
    }
}

async fn world() -> World {
    let clinic = Clinic::new(30).await;
    let urgent = clinic
        .report(25, json!({"symptoms": {"headache": 4}}))
        .await;
    let alert_id = urgent.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let checkin_id = urgent.body["checkin"]["id"].as_str().unwrap().to_owned();
    let app = &clinic.app;
    let (caregiver_id, caregiver) = app
        .caregiver(&clinic.patient, "mother", "mother@example.jp")
        .await;
    let (nurse_id, nurse) = app.nurse("Nurse Ito").await;
    let admin = app.admin_token().await;
    let added = app
        .call(
            Method::PUT,
            &format!("/v1/patients/{}/care-team/{nurse_id}", clinic.patient_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(added.status, 204, "{:?}", added.body);
    let (_, other_physician) = app.physician("Dr Other").await;
    let (other_patient_id, code) = app.patient(&other_physician, "Other Patient").await;
    let other_patient = app.register(&code, "other@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    Clinic::give(app, &other_physician, &other_patient_id, 10).await;
    let (spare_physician, _) = app.physician("Dr Spare").await;
    World {
        tokens: vec![
            (Patient, Some(clinic.patient.clone())),
            (Caregiver, Some(caregiver)),
            (OtherPatient, Some(other_patient)),
            (CareTeam, Some(clinic.physician.clone())),
            (Nurse, Some(nurse)),
            (OtherPhysician, Some(other_physician)),
            (Admin, Some(admin)),
            (Anonymous, None),
        ],
        secrets: vec![
            clinic.patient_id.clone(),
            clinic.treatment_id.clone(),
            alert_id.clone(),
            checkin_id,
            "Tanaka Yui".to_owned(),
        ],
        alert_id,
        caregiver_id,
        spare_physician,
        clinic,
    }
}

/// (method, path, body, expected status per caller in CALLERS order).
#[rustfmt::skip]
fn matrix(w: &World) -> Vec<(Method, String, Option<Value>, [u16; 8])> {
    let p = &w.clinic.patient_id;
    let t = &w.clinic.treatment_id;
    let a = &w.alert_id;
    let d = &w.spare_physician;
    let g = &w.caregiver_id;
    let checkin =
        || Some(json!({"client_id": uuid::Uuid::new_v4().to_string(), "symptoms": {"redness": 1}}));
    let treatment = Some(
        json!({"kind": "iv_drip", "sites": [], "product": "Exo-X", "administered_at": Utc::now() - Duration::hours(1),
        "screening": {"cancer_treatment": false, "pregnant": false, "breastfeeding": false, "planning_pregnancy": false}}),
    );
    let snooze = Some(json!({"until": Utc::now() + Duration::hours(1), "reason": "calling back"}));
    let resolve = Some(json!({"outcome": "recovered", "note": "settled"}));
    let nobody = uuid::Uuid::new_v4();
    //  order:                                          patient, caregiver, other patient, care team, nurse, other physician, admin, anonymous
    vec![
        (Method::GET, format!("/v1/patients/{p}"), None, [200, 404, 404, 200, 200, 404, 200, 401]),
        (Method::POST, format!("/v1/patients/{p}/invite"), Some(json!({})), [404, 404, 404, 409, 403, 404, 409, 401]),
        (Method::PUT, format!("/v1/patients/{p}/care-team/{d}"), None, [404, 404, 404, 204, 403, 404, 204, 401]),
        (Method::DELETE, format!("/v1/patients/{p}/care-team/{d}"), None, [404, 404, 404, 204, 403, 404, 204, 401]),
        (Method::GET, format!("/v1/patients/{p}/treatments"), None, [200, 404, 404, 200, 200, 404, 200, 401]),
        (Method::POST, format!("/v1/patients/{p}/treatments"), treatment, [403, 403, 403, 201, 403, 404, 403, 401]),
        (Method::GET, format!("/v1/treatments/{t}"), None, [200, 404, 404, 200, 200, 404, 200, 401]),
        (Method::GET, format!("/v1/treatments/{t}/checkins"), None, [200, 404, 404, 200, 200, 404, 200, 401]),
        (Method::POST, format!("/v1/treatments/{t}/checkins"), checkin(), [201, 201, 404, 201, 201, 404, 403, 401]),
        (Method::GET, format!("/v1/me/schedule?patient_id={p}"), None, [200, 200, 404, 403, 403, 403, 403, 401]),
        (Method::GET, format!("/v1/patients/{p}/timeline"), None, [200, 404, 404, 200, 200, 404, 200, 401]),
        (Method::GET, format!("/v1/patients/{p}/fhir"), None, [200, 404, 404, 200, 200, 404, 200, 401]),
        (Method::GET, format!("/v1/alerts/{a}"), None, [200, 404, 404, 200, 200, 404, 200, 401]),
        (Method::POST, format!("/v1/alerts/{a}/acknowledge"), Some(json!({})), [403, 404, 404, 200, 200, 404, 200, 401]),
        (Method::POST, format!("/v1/alerts/{a}/snooze"), snooze, [403, 404, 404, 200, 200, 404, 200, 401]),
        (Method::POST, format!("/v1/alerts/{a}/resolve"), resolve, [403, 404, 404, 200, 409, 404, 409, 401]),
        (Method::GET, "/v1/me/caregivers".to_owned(), None, [200, 403, 200, 403, 403, 403, 403, 401]),
        (Method::DELETE, format!("/v1/me/caregivers/{nobody}"), None, [404, 403, 404, 403, 403, 403, 403, 401]),
        // Last: the patient revokes the caregiver, whose next request fails.
        (Method::DELETE, format!("/v1/me/caregivers/{g}"), None, [204, 403, 404, 403, 403, 403, 403, 401]),
        (Method::POST, format!("/v1/treatments/{t}/checkins"), checkin(), [201, 404, 404, 201, 201, 404, 403, 401]),
    ]
}

fn leaks(w: &World, caller: Caller, body: &Value) -> Option<String> {
    if !matches!(caller, OtherPatient | OtherPhysician) {
        return None;
    }
    let text = body.to_string();
    w.secrets
        .iter()
        .find(|s| text.contains(s.as_str()))
        .cloned()
}

#[actix_web::test]
async fn every_patient_scoped_route_answers_each_caller_as_expected() {
    let w = world().await;
    let app = &w.clinic.app;
    for (method, path, body, expected) in matrix(&w) {
        for (caller, want) in CALLERS.iter().zip(expected) {
            let token = w.token(*caller);
            // A fresh client id per call: a replay would answer 200.
            let body = body.clone().map(|mut b| {
                if b.get("client_id").is_some() {
                    b["client_id"] = json!(uuid::Uuid::new_v4().to_string());
                }
                b
            });
            let reply = app
                .call(method.clone(), &path, token.as_deref(), body)
                .await;
            assert_eq!(
                reply.status, want,
                "{method} {path} as {caller:?}: {:?}",
                reply.body
            );
            if let Some(secret) = leaks(&w, *caller, &reply.body) {
                panic!("{method} {path} as {caller:?} shows {secret}");
            }
        }
    }
}

#[actix_web::test]
async fn lists_and_batches_never_show_a_stranger_another_patients_data() {
    let w = world().await;
    let app = &w.clinic.app;
    let p = &w.clinic.patient_id;
    let t = &w.clinic.treatment_id;
    for caller in [OtherPatient, OtherPhysician] {
        let token = w.token(caller).unwrap();
        let mut paths = vec![
            "/v1/patients".to_owned(),
            "/v1/alerts".to_owned(),
            format!("/v1/alerts?patient_id={p}"),
            "/v1/me".to_owned(),
        ];
        if matches!(caller, OtherPhysician) {
            paths.extend(["/v1/worklist".to_owned(), "/v1/stats/symptoms".to_owned()]);
        } else {
            paths.push("/v1/me/schedule".to_owned());
        }
        for path in paths {
            let reply = app.get(&path, &token).await;
            assert_eq!(reply.status, 200, "{path} as {caller:?}");
            if let Some(secret) = leaks(&w, caller, &reply.body) {
                panic!("{path} as {caller:?} shows {secret}");
            }
        }
    }
    // A batch naming another patient's treatment: that item is 404, the
    // others go in.
    let other = w.token(OtherPatient).unwrap();
    let reply = app
        .post(
            "/v1/sync",
            Some(&other),
            json!({"checkins": [{"treatment_id": t, "client_id": "x-1", "symptoms": {}}]}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["results"][0]["status"], 404);
    assert!(leaks(&w, OtherPatient, &reply.body).is_none());
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM checkins WHERE treatment_id = '{t}'"
        )),
        1
    );
    // Audit and user administration are the admin's alone.
    for caller in [Patient, CareTeam, OtherPhysician] {
        let token = w.token(caller).unwrap();
        assert_eq!(app.get("/v1/audit", &token).await.status, 403, "{caller:?}");
    }
}

/// The event stream's rows of the matrix: patients 403 and anonymous 401
/// before any stream; of the staff, only the care team and admins get the
/// events of patient A.
#[actix_web::test]
async fn the_event_stream_answers_each_caller_as_expected() {
    use crate::events::EventStream;
    use std::time::Duration;
    let w = world().await;
    let app = &w.clinic.app;
    //  order:     patient, caregiver, other patient, care team, nurse, other physician, admin, anonymous
    let expected = [403, 403, 403, 200, 200, 200, 200, 401];
    let mut streams = Vec::new();
    for (caller, want) in CALLERS.iter().zip(expected) {
        match EventStream::open(app, w.token(*caller).as_deref(), None).await {
            Ok(stream) => {
                assert_eq!(want, 200, "{caller:?} got a stream");
                streams.push((*caller, stream));
            }
            Err(reply) => assert_eq!(reply.status, want, "{caller:?}: {:?}", reply.body),
        }
    }
    let acknowledged = app
        .post(
            &format!("/v1/alerts/{}/acknowledge", w.alert_id),
            w.token(CareTeam).as_deref(),
            json!({}),
        )
        .await;
    assert_eq!(acknowledged.status, 200);
    for (caller, mut stream) in streams {
        let within = Duration::from_secs(if caller == OtherPhysician { 2 } else { 5 });
        let event = stream.next_event(within).await;
        match caller {
            OtherPhysician => assert!(event.is_none(), "{caller:?} saw {event:?}"),
            _ => assert_eq!(
                event.and_then(|e| e.data).unwrap()["data"]["alert_id"],
                w.alert_id.as_str(),
                "{caller:?}"
            ),
        }
    }
}
