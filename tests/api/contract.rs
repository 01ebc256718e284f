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
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/error.rs")).unwrap();
    for line in source
        .lines()
        .filter(|l| l.contains("=> \"") && l.contains("Self::"))
    {
        let code = line.split("=> \"").nth(1).unwrap().trim_end_matches("\",");
        if code == "internal_error" {
            continue;
        }
        assert!(
            text.contains(code),
            "error code {code} is not documented in openapi.yaml"
        );
    }
}

#[test]
fn the_spec_is_openapi_3_1() {
    assert!(spec()["openapi"].as_str().unwrap().starts_with("3.1"));
}
