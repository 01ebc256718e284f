//! The FHIR export: a Bundle whose resources point at each other, with UCUM
//! units, checked by an independent FHIR R4 library when one is configured
//! (AFTERCARE_FHIR_PYTHON: a Python with fhir.resources 6.4; .ci/run sets it).

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::photos;

fn of_type<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn references(node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Object(fields) => {
            for (key, value) in fields {
                match (key.as_str(), value) {
                    ("reference", Value::String(r)) => found.push(r.clone()),
                    _ => references(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, found)),
        _ => {}
    }
}

/// Runs the independent validator on the document; `None` when none is
/// configured.
fn validate(document: &Value) -> Option<(bool, String)> {
    let python = std::env::var("AFTERCARE_FHIR_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_vec(document).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/fhir_validate.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(&file)
        .output()
        .expect("the FHIR validator cannot run");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    Some((output.status.success(), text))
}

#[actix_web::test]
async fn the_export_is_a_valid_fhir_r4_bundle_of_the_patients_record() {
    let clinic = Clinic::new(30).await;
    let first = clinic
        .report(1, json!({"symptoms": {"redness": 1, "headache": 0}, "note": "slight redness",
                          "vitals": {"glucose": {"value": 5.4, "unit": "mmol/L"}, "systolic_bp": 121, "temperature_c": 37.1},
                          "impact": {"missed_normal_activities": false, "missed_work": false, "medical_care": "none"}}))
        .await;
    let first_id = first.body["checkin"]["id"].as_str().unwrap().to_owned();
    let photo = photos::upload(
        &clinic.app,
        &clinic.patient,
        &first_id,
        "image/jpeg",
        photos::jpeg(640, 480),
        None,
    )
    .await;
    assert_eq!(photo.status, 201, "{:?}", photo.body);
    let urgent = clinic
        .report(25, json!({"symptoms": {"headache": 4}}))
        .await;
    let alert = urgent.body["alerts"][0]["id"].as_str().unwrap();
    let (caregiver_id, caregiver) = clinic
        .app
        .caregiver(&clinic.patient, "daughter", "musume@example.jp")
        .await;
    let by_caregiver = clinic
        .app
        .post(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            Some(&caregiver),
            json!({"client_id": "by-daughter", "symptoms": {"redness": 1}}),
        )
        .await;
    assert_eq!(by_caregiver.status, 201, "{:?}", by_caregiver.body);
    clinic
        .app
        .post(
            &format!("/v1/alerts/{alert}/resolve"),
            Some(&clinic.physician),
            json!({"outcome": "recovered", "note": "settled"}),
        )
        .await;

    let reply = clinic
        .app
        .get(
            &format!("/v1/patients/{}/fhir", clinic.patient_id),
            &clinic.physician,
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/fhir+json"));
    let bundle = &reply.body;
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert_eq!(of_type(bundle, "Patient").len(), 1);
    assert_eq!(of_type(bundle, "Procedure").len(), 1);
    assert_eq!(of_type(bundle, "QuestionnaireResponse").len(), 3);
    let related = of_type(bundle, "RelatedPerson");
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["id"], caregiver_id.as_str());
    assert_eq!(
        related[0]["patient"]["reference"],
        format!("urn:uuid:{}", clinic.patient_id)
    );
    // The caregiver's check-in names them as its author.
    let theirs = of_type(bundle, "QuestionnaireResponse")
        .into_iter()
        .find(|q| q["id"] == by_caregiver.body["checkin"]["id"])
        .unwrap();
    assert_eq!(
        theirs["author"]["reference"],
        format!("urn:uuid:{caregiver_id}")
    );
    assert_eq!(of_type(bundle, "AdverseEvent").len(), 1);
    let observations = of_type(bundle, "Observation");
    let units: HashSet<(&str, &str)> = observations
        .iter()
        .map(|o| {
            assert_eq!(o["valueQuantity"]["system"], "http://unitsofmeasure.org");
            (
                o["code"]["coding"][0]["code"].as_str().unwrap(),
                o["valueQuantity"]["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        units,
        HashSet::from([
            ("15074-8", "mmol/L"),
            ("8480-6", "mm[Hg]"),
            ("8310-5", "Cel")
        ])
    );
    let event = of_type(bundle, "AdverseEvent")[0];
    assert_eq!(
        event["suspectEntity"][0]["instance"]["reference"],
        format!("urn:uuid:{}", clinic.treatment_id)
    );
    assert_eq!(event["outcome"]["coding"][0]["code"], "resolved");
    assert_eq!(event["severity"]["coding"][0]["code"], "moderate");
    let media = of_type(bundle, "Media");
    assert_eq!(media.len(), 1);
    assert_eq!(media[0]["id"], photo.body["id"]);
    assert_eq!(media[0]["status"], "completed");
    assert_eq!(media[0]["type"]["coding"][0]["code"], "image");
    assert_eq!(
        media[0]["partOf"][0]["reference"],
        format!("urn:uuid:{first_id}")
    );
    assert_eq!(
        (media[0]["width"].as_i64(), media[0]["height"].as_i64()),
        (Some(640), Some(480))
    );
    assert_eq!(media[0]["content"]["contentType"], "image/jpeg");
    assert_eq!(media[0]["content"]["size"], photo.body["bytes"]);
    assert_eq!(media[0]["content"]["url"], photo.body["url"]);
    let procedure = of_type(bundle, "Procedure")[0];
    assert_eq!(procedure["bodySite"][0]["text"], "face");
    // Every reference points at a resource of the bundle.
    let urls: HashSet<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    let mut found = Vec::new();
    references(bundle, &mut found);
    assert!(found.len() >= 8);
    for reference in &found {
        assert!(
            urls.contains(reference.as_str()),
            "{reference} is not in the bundle"
        );
    }
    // Observations keep their ids from one export to the next.
    let again = clinic
        .app
        .get(
            &format!("/v1/patients/{}/fhir", clinic.patient_id),
            &clinic.patient,
        )
        .await;
    let ids = |b: &Value| -> HashSet<String> {
        of_type(b, "Observation")
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(bundle), ids(&again.body));

    if let Some((valid, output)) = validate(bundle) {
        assert!(valid, "the FHIR R4 validator refused the export: {output}");
        // The validator does refuse what is not FHIR R4.
        let mut broken = bundle.clone();
        for entry in broken["entry"].as_array_mut().unwrap() {
            if entry["resource"]["resourceType"] == "AdverseEvent" {
                entry["resource"]
                    .as_object_mut()
                    .unwrap()
                    .remove("actuality");
            }
        }
        let (valid, _) = validate(&broken).unwrap();
        assert!(
            !valid,
            "the validator accepted an AdverseEvent without actuality"
        );
    } else {
        eprintln!(
            "AFTERCARE_FHIR_PYTHON is not set: the independent FHIR validation runs in .ci/run"
        );
    }

    let (_, stranger) = clinic.app.physician("Dr Stranger").await;
    let hidden = clinic
        .app
        .get(
            &format!("/v1/patients/{}/fhir", clinic.patient_id),
            &stranger,
        )
        .await;
    assert_eq!(hidden.status, 404);
}
