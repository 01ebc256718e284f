//! openapi.yaml as the suite reads it: every reply of the suite is checked
//! against the documented responses, and what the replies carried can be
//! observed per schema (which keys an object had) and per operation (which
//! error codes it answered).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::helpers::Reply;

pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
        serde_yaml_ng::from_str(&text).unwrap()
    })
}

/// The spec's path template that matches a concrete path.
pub fn template_for(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    spec()["paths"]
        .as_object()?
        .keys()
        .find(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == s)
        })
        .cloned()
}

/// Fails the test when a reply is not one the spec documents: its status,
/// content type, body and, for a problem, its code.
pub fn check_against_spec(method: &str, path: &str, reply: &Reply) {
    let template = template_for(path).unwrap_or_else(|| panic!("{path} is not in openapi.yaml"));
    let operation = &spec()["paths"][&template][method.to_lowercase()];
    assert!(
        operation.is_object(),
        "{method} {template} is not in openapi.yaml"
    );
    let status = reply.status.to_string();
    let documented = match &operation["responses"][&status] {
        Value::Null => &operation["responses"]["default"],
        found => found,
    };
    assert!(
        documented.is_object(),
        "{method} {template} answered {status}, which openapi.yaml does not document: {:?}",
        reply.body
    );
    let response = resolve(documented);
    let Some(content) = response["content"].as_object() else {
        assert!(
            reply.body.is_null(),
            "{method} {template} {status} has a body the spec does not describe"
        );
        return;
    };
    let content_type = reply
        .header("content-type")
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let media = content.get(&content_type).unwrap_or_else(|| {
        panic!("{method} {template} {status}: content type {content_type} is not in the spec")
    });
    if !content_type.contains("json") {
        return;
    }
    let schema = json!({"components": spec()["components"], "allOf": [media["schema"]]});
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&reply.body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status}: body disagrees with openapi.yaml: {errors:?}\n{:#}",
        reply.body
    );
    if content_type == "application/problem+json" {
        let code = reply.code();
        let named = codes_named_by(documented);
        assert!(
            named.contains(&code),
            "{method} {template} answered {status} {code}, which its documented response does not \
             name (it names {named:?})"
        );
    }
    OBSERVED.with(|observed| {
        if let Some(keys) = observed.borrow_mut().as_mut() {
            let at = schema_pointer(&template, method, &status, documented, &content_type);
            observe(&media["schema"], &reply.body, at, keys);
        }
    });
}

/// The problem codes a documented response names: `code` values in
/// backticks in its description (the operation's own, or the shared
/// response's it refers to).
pub fn codes_named_by(response: &Value) -> Vec<&'static str> {
    let description = response["description"]
        .as_str()
        .or_else(|| resolve(response)["description"].as_str())
        .unwrap_or_default();
    let codes: Vec<&str> = description.split('`').skip(1).step_by(2).collect();
    aftercare::error::Code::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| codes.contains(code))
        .collect()
}

fn resolve(node: &Value) -> &Value {
    match node["$ref"].as_str() {
        Some(reference) => resolve(
            spec()
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {reference}")),
        ),
        None => node,
    }
}

/// How often each documented key of an object schema was present and
/// absent in the replies observed: (the schema's JSON pointer in
/// openapi.yaml, key) -> (present, absent).
pub type KeyCounts = BTreeMap<(String, String), (u32, u32)>;

thread_local! {
    static OBSERVED: RefCell<Option<KeyCounts>> = const { RefCell::new(None) };
}

/// Starts counting the keys of the replies checked on this thread (each
/// test runs on a thread of its own).
pub fn observe_keys() {
    OBSERVED.with(|observed| *observed.borrow_mut() = Some(KeyCounts::new()));
}

/// The keys counted since `observe_keys`, and stops counting.
pub fn observed_keys() -> KeyCounts {
    OBSERVED.with(|observed| observed.borrow_mut().take().unwrap_or_default())
}

/// JSON pointer of the schema a reply was checked against.
fn schema_pointer(
    template: &str,
    method: &str,
    status: &str,
    documented: &Value,
    content_type: &str,
) -> String {
    let escape = |part: &str| part.replace('~', "~0").replace('/', "~1");
    let response = match documented["$ref"].as_str() {
        Some(reference) => reference.to_owned(),
        None => format!(
            "#/paths/{}/{}/responses/{status}",
            escape(template),
            method.to_lowercase()
        ),
    };
    format!("{response}/content/{}/schema", escape(content_type))
}

fn accepts(schema: &Value, instance: &Value) -> bool {
    let schema = json!({"components": spec()["components"], "allOf": [schema]});
    jsonschema::draft202012::new(&schema)
        .unwrap()
        .is_valid(instance)
}

fn observe(schema: &Value, instance: &Value, at: String, keys: &mut KeyCounts) {
    if let Some(reference) = schema["$ref"].as_str() {
        return observe(resolve(schema), instance, reference.to_owned(), keys);
    }
    for (i, part) in schema["allOf"].as_array().into_iter().flatten().enumerate() {
        observe(part, instance, format!("{at}/allOf/{i}"), keys);
    }
    for combinator in ["oneOf", "anyOf"] {
        let branches = schema[combinator].as_array().into_iter().flatten();
        for (i, branch) in branches.enumerate() {
            if accepts(branch, instance) {
                observe(branch, instance, format!("{at}/{combinator}/{i}"), keys);
            }
        }
    }
    match instance {
        Value::Object(object) => {
            let properties = schema["properties"].as_object();
            for (key, property) in properties.into_iter().flatten() {
                let counts = keys.entry((at.clone(), key.clone())).or_default();
                match object.get(key) {
                    Some(value) => {
                        counts.0 += 1;
                        observe(property, value, format!("{at}/properties/{key}"), keys);
                    }
                    None => counts.1 += 1,
                }
            }
            if schema["additionalProperties"].is_object() {
                for (key, value) in object {
                    if properties.is_none_or(|known| !known.contains_key(key)) {
                        let at = format!("{at}/additionalProperties");
                        observe(&schema["additionalProperties"], value, at, keys);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                observe(&schema["items"], item, format!("{at}/items"), keys);
            }
        }
        _ => {}
    }
}
