//! FHIR R4 resources built from stored rows: Patient, RelatedPerson
//! (caregivers), Procedure, QuestionnaireResponse, Observation (vital
//! signs, UCUM units), Media (photos) and AdverseEvent. Resources refer to
//! each other by their bundle `fullUrl` (`urn:uuid:<id>`).

use serde_json::{json, Value};

use crate::clock::utc;
use crate::db::alerts::Alert;
use crate::db::caregivers::Linked as Caregiver;
use crate::db::checkins::Checkin;
use crate::db::patients::Patient;
use crate::db::photos::Photo;
use crate::db::treatments::Treatment;
use crate::domain::alerts::Outcome;

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const USER_IDS: &str = "urn:aftercare:user";

pub fn reference(id: &str) -> Value {
    json!({ "reference": format!("urn:uuid:{id}") })
}

fn user(id: &str) -> Value {
    json!({ "identifier": { "system": USER_IDS, "value": id } })
}

pub fn patient(p: &Patient) -> Value {
    let mut resource = json!({
        "resourceType": "Patient",
        "id": p.id,
        "name": [{ "text": p.display_name }],
        "communication": [{
            "language": { "coding": [{ "system": "urn:ietf:bcp:47", "code": p.locale }] },
            "preferred": true
        }]
    });
    if let Some(year) = p.birth_year {
        resource["birthDate"] = json!(format!("{year:04}"));
    }
    resource
}

/// A caregiver of the patient; `active` is false once the patient revoked
/// the link.
pub fn related_person(caregiver: &Caregiver, patient_id: &str) -> Value {
    json!({
        "resourceType": "RelatedPerson",
        "id": caregiver.user_id,
        "active": caregiver.revoked_at.is_none(),
        "patient": reference(patient_id),
        "identifier": [{ "system": USER_IDS, "value": caregiver.user_id }],
        "relationship": [{ "text": caregiver.relationship }],
        "name": [{ "text": caregiver.display_name }]
    })
}

fn kind_text(kind: &str) -> &'static str {
    match kind {
        "iv_drip" => "Exosome intravenous infusion (drip)",
        "iv_push" => "Exosome intravenous injection (push)",
        _ => "Exosome injection",
    }
}

pub fn procedure(t: &Treatment) -> Value {
    let sites: Vec<String> = serde_json::from_str(&t.sites).unwrap_or_default();
    let product = match &t.lot {
        Some(lot) => format!("{} (lot {lot})", t.product),
        None => t.product.clone(),
    };
    let mut resource = json!({
        "resourceType": "Procedure",
        "id": t.id,
        "status": "completed",
        "code": { "text": kind_text(&t.kind) },
        "subject": reference(&t.patient_id),
        "performedDateTime": utc(t.administered_at),
        "performer": [{ "actor": user(&t.physician_id) }],
        "usedCode": [{ "text": product }]
    });
    if !sites.is_empty() {
        resource["bodySite"] = json!(sites
            .iter()
            .map(|s| json!({ "text": s }))
            .collect::<Vec<_>>());
    }
    resource
}

/// The check-in as the answers to the daily questionnaire.
pub fn questionnaire_response(c: &Checkin, symptoms: &[(String, i32)]) -> Value {
    let mut items = vec![json!({
        "linkId": "symptoms",
        "text": "Symptoms, severity 0 (none) to 4 (very severe)",
        "item": symptoms.iter().map(|(code, severity)| json!({
            "linkId": format!("symptoms.{code}"),
            "text": code,
            "answer": [{ "valueInteger": severity }]
        })).collect::<Vec<_>>()
    })];
    let flags = [
        ("missed_normal_activities", c.missed_normal_activities),
        ("missed_work", c.missed_work),
    ];
    for (link, value) in flags {
        if let Some(value) = value {
            items.push(json!({ "linkId": link, "answer": [{ "valueBoolean": value }] }));
        }
    }
    if let Some(care) = &c.medical_care {
        items.push(json!({ "linkId": "medical_care", "answer": [{ "valueString": care }] }));
    }
    if let Some(note) = &c.note {
        items.push(json!({ "linkId": "note", "answer": [{ "valueString": note }] }));
    }
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": c.id,
        "status": "completed",
        "subject": reference(&c.patient_id),
        "partOf": [reference(&c.treatment_id)],
        "authored": utc(c.observed_at),
        "author": if c.recorded_by_role.as_deref() == Some("caregiver") {
            reference(&c.recorded_by)
        } else {
            user(&c.recorded_by)
        },
        "item": items
    })
}

/// A photo of the treated site, part of its check-in's
/// QuestionnaireResponse; the image is at `GET /v1/photos/{id}`, under
/// `base` (the service's public address) when it is known.
pub fn media(photo: &Photo, base: Option<&str>) -> Value {
    let url = format!(
        "{}/v1/photos/{}",
        base.unwrap_or_default().trim_end_matches('/'),
        photo.id
    );
    json!({
        "resourceType": "Media",
        "id": photo.id,
        "status": "completed",
        "type": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/media-type",
            "code": "image",
            "display": "Image"
        }] },
        "subject": reference(&photo.patient_id),
        "partOf": [reference(&photo.checkin_id)],
        "createdDateTime": utc(photo.created_at),
        "issued": utc(photo.created_at),
        "operator": user(&photo.uploaded_by),
        "width": photo.width,
        "height": photo.height,
        "content": {
            "contentType": photo.content_type,
            "url": url,
            "size": photo.bytes,
            "title": "Photo of the treated site",
            "creation": utc(photo.created_at)
        }
    })
}

/// One Observation per vital sign the check-in carries.
pub fn observations(c: &Checkin) -> Vec<Value> {
    let mut readings = Vec::new();
    if let (Some(value), Some(unit)) = (c.glucose_value, c.glucose_unit.as_deref()) {
        let (code, display, category) = if unit == "mmol/L" {
            ("15074-8", "Glucose [Moles/volume] in Blood", "laboratory")
        } else {
            ("2339-0", "Glucose [Mass/volume] in Blood", "laboratory")
        };
        readings.push(("glucose", code, display, category, value, unit));
    }
    if let Some(value) = c.systolic_bp {
        readings.push((
            "systolic_bp",
            "8480-6",
            "Systolic blood pressure",
            "vital-signs",
            value,
            "mm[Hg]",
        ));
    }
    if let Some(value) = c.temperature_c {
        readings.push((
            "temperature",
            "8310-5",
            "Body temperature",
            "vital-signs",
            value,
            "Cel",
        ));
    }
    readings
        .into_iter()
        .map(|(name, code, display, category, value, unit)| {
            json!({
                "resourceType": "Observation",
                "id": observation_id(&c.id, name),
                "status": "final",
                "category": [{ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": category
                }] }],
                "code": { "coding": [{ "system": LOINC, "code": code, "display": display }], "text": display },
                "subject": reference(&c.patient_id),
                "effectiveDateTime": utc(c.observed_at),
                "valueQuantity": { "value": value, "unit": unit, "system": UCUM, "code": unit },
                "derivedFrom": [reference(&c.id)]
            })
        })
        .collect()
}

/// A stable id per (check-in, vital sign), so that exports are repeatable.
pub fn observation_id(checkin_id: &str, name: &str) -> String {
    let namespace = uuid::Uuid::parse_str(checkin_id).unwrap_or(uuid::Uuid::nil());
    uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string()
}

pub fn adverse_event(a: &Alert) -> Value {
    let (seriousness, severity) = match a.level.as_str() {
        "emergency" => ("serious", "severe"),
        "urgent" => ("non-serious", "moderate"),
        _ => ("non-serious", "mild"),
    };
    let outcome = a
        .resolution_outcome
        .as_deref()
        .and_then(Outcome::parse)
        .map_or("ongoing", Outcome::fhir_code);
    json!({
        "resourceType": "AdverseEvent",
        "id": a.id,
        "actuality": "actual",
        "event": { "text": a.rule },
        "subject": reference(&a.patient_id),
        "date": utc(a.created_at),
        "detected": utc(a.created_at),
        "recordedDate": utc(a.created_at),
        "seriousness": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
            "code": seriousness
        }] },
        "severity": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
            "code": severity
        }] },
        "outcome": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
            "code": outcome
        }] },
        "suspectEntity": [{ "instance": reference(&a.treatment_id) }]
    })
}
