//! openapi.yaml and the code agree: the same routes, and (in helpers) every
//! reply of the suite matches the documented schema.

use std::collections::BTreeSet;

use crate::spec::spec;

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
fn the_spec_lists_every_rule_of_the_engine() {
    use aftercare::domain::triage::Rule;
    let rules: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        enum_of(&spec()["components"]["schemas"]["Rule"]["enum"]),
        rules
    );
}

/// The maps keyed by symptom code, and the schema of each value.
const SYMPTOM_MAPS: [(&str, &str); 3] = [
    ("Symptoms", "Severity"),
    ("DaySymptoms", "ReportedSeverity"),
    ("SymptomCountsByCode", "SymptomCounts"),
];

/// The symptom maps name each code of the catalogue as a property, so that
/// generated clients know them; `AFTERCARE_BLESS=1` rewrites them from the
/// catalogue when it changes.
#[test]
fn the_symptom_maps_are_generated_from_the_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let generated = SYMPTOM_MAPS
        .iter()
        .fold(text.clone(), |text, (map, value)| {
            with_symptom_properties(&text, map, value)
        });
    if generated != text {
        if std::env::var_os("AFTERCARE_BLESS").is_some() {
            std::fs::write(path, &generated).unwrap();
        } else {
            panic!(
                "the symptom maps of openapi.yaml do not list the codes of domain::symptoms; \
                 `AFTERCARE_BLESS=1 cargo test --test api symptom_maps` rewrites them"
            );
        }
    }
    for (map, _) in SYMPTOM_MAPS {
        let schema = &spec()["components"]["schemas"][map];
        assert_eq!(schema["additionalProperties"], false, "{map}");
    }
}

/// `text` with the `properties` of the schema `map` made anew: one per
/// symptom code, in the catalogue's order, each a `$ref` to `value`.
fn with_symptom_properties(text: &str, map: &str, value: &str) -> String {
    use aftercare::domain::symptoms::Symptom;
    let lines: Vec<&str> = text.lines().collect();
    let find = |from: usize, what: &dyn Fn(&str) -> bool| {
        from + lines[from..].iter().position(|line| what(line)).unwrap()
    };
    let start = find(0, &|line| line == format!("    {map}:"));
    let properties = find(start, &|line| line == "      properties:") + 1;
    let end = find(properties, &|line| !line.starts_with("        "));
    let next_schema = find(start + 1, &|line| {
        line.starts_with("    ") && !line.starts_with("     ")
    });
    assert!(properties < next_schema, "{map} has no properties");
    let mut out = lines[..properties].join("\n") + "\n";
    for symptom in Symptom::ALL {
        out += &format!(
            "        {}:\n          $ref: '#/components/schemas/{value}'\n",
            symptom.code()
        );
    }
    out + &lines[end..].join("\n") + "\n"
}

/// Each problem response names its codes in backticks; a name that is no
/// code of the service is a typo.
#[test]
fn the_codes_responses_name_are_codes_of_the_service() {
    use aftercare::error::Code;
    let mut descriptions = Vec::new();
    for item in spec()["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for response in operation["responses"].as_object().unwrap().values() {
                descriptions.extend(response["description"].as_str());
            }
        }
    }
    for response in spec()["components"]["responses"]
        .as_object()
        .unwrap()
        .values()
    {
        descriptions.extend(response["description"].as_str());
    }
    for description in descriptions {
        for word in description.split('`').skip(1).step_by(2) {
            assert!(
                Code::ALL.iter().any(|code| code.as_str() == word),
                "`{word}` in {description:?} is not an error code of the service"
            );
        }
    }
}

/// Every path answers the methods it lacks with 405 and an Allow header
/// naming exactly the methods openapi.yaml documents for it.
#[actix_web::test]
async fn each_path_answers_a_method_it_lacks_with_405_and_its_methods() {
    let app = crate::helpers::spawn_app().await;
    for (template, item) in spec()["paths"].as_object().unwrap() {
        let documented: Vec<String> = ["get", "put", "post", "delete", "patch"]
            .into_iter()
            .filter(|method| item.get(*method).is_some())
            .map(str::to_uppercase)
            .collect();
        let lacking = ["PUT", "DELETE", "PATCH", "POST", "GET"]
            .into_iter()
            .find(|method| !documented.iter().any(|d| d == method))
            .unwrap();
        let path = template
            .replace("{patient_id}", &uuid::Uuid::new_v4().to_string())
            .replace(['{', '}'], "");
        let method = reqwest::Method::from_bytes(lacking.as_bytes()).unwrap();
        let reply = app
            .send(app.client.request(method, format!("{}{path}", app.address)))
            .await;
        assert_eq!(reply.status, 405, "{lacking} {template}");
        assert_eq!(reply.code(), "method_not_allowed", "{lacking} {template}");
        let mut allowed: Vec<&str> = reply.header("allow").unwrap().split(", ").collect();
        allowed.sort_unstable();
        let mut expected: Vec<&str> = documented.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(allowed, expected, "Allow of {template}");
    }
}

/// The document itself, as YAML text: `application/yaml` by default,
/// `text/yaml` for a client that ranks it first.
#[actix_web::test]
async fn the_document_is_served_as_yaml_text() {
    let app = crate::helpers::spawn_app().await;
    for (accept, content_type) in [
        (None, "application/yaml"),
        (Some("application/json"), "application/yaml"),
        (Some("text/yaml"), "text/yaml"),
        (
            Some("text/yaml;q=0.5, application/yaml"),
            "application/yaml",
        ),
    ] {
        let mut request = app.client.get(format!("{}/openapi.yaml", app.address));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let reply = app.send(request).await;
        crate::spec::check_against_spec("GET", "/openapi.yaml", &reply);
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("content-type"),
            Some(content_type),
            "{accept:?}"
        );
        assert!(reply.body.as_str().unwrap().starts_with("openapi: 3.1"));
    }
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

/// The table of roles: its rows as the README and openapi.yaml give them.
fn roles_table(text: &str) -> Vec<String> {
    let start = text
        .find("| Role | Who | May | May not |")
        .expect("a table of roles");
    text[start..]
        .lines()
        .take_while(|line| line.trim_start().starts_with('|'))
        .map(|line| line.trim().to_owned())
        .collect()
}

#[test]
fn the_readme_and_the_spec_describe_the_roles_in_one_table() {
    let readme = include_str!("../../README.md");
    let description = spec()["info"]["description"].as_str().unwrap().to_owned();
    let table = roles_table(readme);
    assert_eq!(table, roles_table(&description));
    // A row per role of the service, no more.
    let named: BTreeSet<String> = table[2..]
        .iter()
        .map(|row| row.split('`').nth(1).unwrap().to_owned())
        .collect();
    let roles: BTreeSet<String> = aftercare::domain::accounts::Role::ALL
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    assert_eq!(named, roles);
}
