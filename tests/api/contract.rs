//! openapi.yaml and the code agree: the same routes, and (in helpers) every
//! reply of the suite matches the documented schema.

use std::collections::BTreeSet;

use crate::helpers::spec;

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let code: BTreeSet<(String, String)> = aftercare::routes::ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    let mut documented = BTreeSet::new();
    for (path, item) in spec()["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                documented.insert((method.to_owned(), path.clone()));
            }
        }
    }
    let undocumented: Vec<_> = code.difference(&documented).collect();
    let missing: Vec<_> = documented.difference(&code).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.yaml: {undocumented:?}"
    );
    assert!(
        missing.is_empty(),
        "openapi.yaml names routes the service lacks: {missing:?}"
    );
}

#[test]
fn every_error_code_the_service_can_answer_is_documented() {
    use aftercare::error::Code;
    let described = spec()["components"]["schemas"]["Problem"]["properties"]["code"]["description"]
        .as_str()
        .unwrap();
    let listed: std::collections::BTreeSet<&str> = described
        .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .filter(|word| word.contains('_') || Code::ALL.iter().any(|c| c.as_str() == *word))
        .collect();
    let codes: std::collections::BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let undocumented: Vec<_> = codes.difference(&listed).collect();
    assert!(
        undocumented.is_empty(),
        "error codes missing from Problem.code in openapi.yaml: {undocumented:?}"
    );
    let unknown: Vec<_> = listed.difference(&codes).collect();
    assert!(
        unknown.is_empty(),
        "Problem.code in openapi.yaml names codes the service lacks: {unknown:?}"
    );
}

#[test]
fn the_spec_is_openapi_3_1() {
    assert!(spec()["openapi"].as_str().unwrap().starts_with("3.1"));
}

fn enum_of(node: &serde_json::Value) -> Vec<&str> {
    node.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn the_spec_lists_every_symptom_code_and_rule_of_the_engine() {
    use aftercare::domain::symptoms::Symptom;
    use aftercare::domain::triage::Rule;
    let schemas = &spec()["components"]["schemas"];
    let codes: Vec<&str> = Symptom::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(
        enum_of(&schemas["Symptoms"]["propertyNames"]["enum"]),
        codes
    );
    let rules: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(enum_of(&schemas["Rule"]["enum"]), rules);
}

#[actix_web::test]
async fn the_catalogue_gives_every_code_with_both_labels() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin_token().await;
    let reply = app.get("/v1/symptoms", &admin).await;
    assert_eq!(reply.status, 200);
    let items = reply.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 30);
    let find = |code: &str| items.iter().find(|i| i["code"] == code).unwrap().clone();
    assert_eq!(find("redness")["labels"]["ja"], "赤み");
    assert_eq!(
        find("flushing")["labels"]["ja"],
        "注射した所以外のほてり・赤み"
    );
    assert_eq!(find("vision_change")["group"], "neurological");
    assert!(find("skin_discoloration")["labels"]["en"]
        .as_str()
        .unwrap()
        .contains("an ordinary bruise is bruising"));
    let anonymous = app
        .send(reqwest::Client::new().get(format!("{}/v1/symptoms", app.address)))
        .await;
    assert_eq!(anonymous.status, 401);
}
