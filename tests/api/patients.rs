use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn a_physician_creates_a_patient_with_an_invite() {
    let app = spawn_app().await;
    let (physician_id, physician) = app.physician("Dr Sato").await;
    let reply = app
        .post("/v1/patients", Some(&physician), json!({"display_name": " Tanaka Yui ", "birth_year": 1985, "timezone": "Asia/Tokyo", "locale": "ja"}))
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["display_name"], "Tanaka Yui");
    let code = reply.body["invite"]["code"].as_str().unwrap();
    assert_eq!(code.len(), 19);
    let expires: chrono::DateTime<chrono::Utc> = reply.body["invite"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!((13 * 24..=14 * 24).contains(&days), "{days}");
    let id = reply.body["id"].as_str().unwrap();
    assert_eq!(app.count(&format!("SELECT COUNT(*) AS n FROM care_team_members WHERE patient_id = '{id}' AND physician_id = '{physician_id}'")), 1);
    // The code itself is not stored.
    let bare = code.replace('-', "");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM invites WHERE code_hash IN ('{code}', '{bare}')"
        )),
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM invites"), 1);
    let read = app.get(&format!("/v1/patients/{id}"), &physician).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["birth_year"], 1985);
    assert!(read.body.get("invite").is_none());
}

#[actix_web::test]
async fn patients_are_visible_to_their_care_team_only() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let (_, ito) = app.physician("Dr Ito").await;
    let admin = app.admin_token().await;
    let (patient_id, code) = app.patient(&sato, "Tanaka Yui").await;
    let (other_id, other_code) = app.patient(&ito, "Kato Ken").await;
    let patient = app.register(&code, "yui@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.register(&other_code, "ken@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/patients/{patient_id}");
    for (token, expected) in [
        (&sato, 200),
        (&admin, 200),
        (&patient, 200),
        (&ito, 404),
        (&other, 404),
    ] {
        let reply = app.get(&path, token).await;
        assert_eq!(reply.status, expected, "{:?}", reply.body);
        if expected == 404 {
            assert_eq!(reply.code(), "not_found");
            assert!(!reply.body.to_string().contains("Tanaka"));
        }
    }
    let unknown = app
        .get(&format!("/v1/patients/{}", uuid::Uuid::new_v4()), &admin)
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(app.get("/v1/patients/not-a-uuid", &admin).await.status, 404);
    let own = app.get("/v1/patients", &patient).await;
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(own.body["items"][0]["id"], patient_id.as_str());
    let theirs = app.get("/v1/patients", &ito).await;
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(theirs.body["items"][0]["id"], other_id.as_str());
}

#[actix_web::test]
async fn lists_are_paged_with_an_opaque_cursor() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let mut created = Vec::new();
    for name in ["A", "B", "C", "D", "E"] {
        created.push(app.patient(&sato, name).await.0);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/patients?limit=2&cursor={c}"),
            None => "/v1/patients?limit=2".to_owned(),
        };
        let reply = app.get(&path, &sato).await;
        assert_eq!(reply.status, 200);
        let items = reply.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, created);
    for bad in [
        "/v1/patients?limit=0",
        "/v1/patients?limit=201",
        "/v1/patients?limit=ten",
    ] {
        let reply = app.get(bad, &sato).await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, "invalid_query"),
            "{bad}"
        );
    }
    let reply = app.get("/v1/patients?cursor=bm90LWEtY3Vyc29y", &sato).await;
    assert_eq!((reply.status, reply.code()), (400, "invalid_cursor"));
    assert_eq!(
        app.get("/v1/patients?limit=200", &sato).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[actix_web::test]
async fn roles_that_may_not_create_get_403() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let (_, code) = app.patient(&sato, "Tanaka Yui").await;
    let patient = app.register(&code, "yui@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .post(
            "/v1/patients",
            Some(&patient),
            json!({"display_name": "X", "timezone": "Asia/Tokyo", "locale": "ja"}),
        )
        .await;
    assert_eq!((reply.status, reply.code()), (403, "forbidden"));
    let reply = app.post("/v1/users", Some(&sato), json!({"email": "x@clinic.example", "password": PASSWORD, "role": "admin", "display_name": "X"})).await;
    assert_eq!((reply.status, reply.code()), (403, "forbidden"));
}

#[actix_web::test]
async fn admins_create_staff_and_emails_are_unique() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"email": "Ito@Clinic.example", "password": PASSWORD, "role": "admin", "display_name": "Ito", "locale": "en"});
    let reply = app.post("/v1/users", Some(&admin), body.clone()).await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        (
            reply.body["email"].as_str(),
            reply.body["role"].as_str(),
            reply.body["locale"].as_str()
        ),
        (Some("ito@clinic.example"), Some("admin"), Some("en"))
    );
    assert!(reply.body.get("password_hash").is_none());
    let again = app.post("/v1/users", Some(&admin), body).await;
    assert_eq!((again.status, again.code()), (409, "email_taken"));
    let invalid = app
        .post(
            "/v1/users",
            Some(&admin),
            json!({"email": "x", "password": "short", "role": "patient", "display_name": ""}),
        )
        .await;
    assert_eq!(invalid.status, 422);
    for field in ["email", "password", "role", "display_name"] {
        assert!(
            invalid.body["errors"][field].is_array(),
            "{field}: {:?}",
            invalid.body
        );
    }
    let hash: i64 = app.count("SELECT COUNT(*) AS n FROM users WHERE password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'");
    assert_eq!(hash, 2);
}

#[actix_web::test]
async fn patient_fields_are_validated_together() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let reply = app
        .post(
            "/v1/patients",
            Some(&sato),
            json!({"display_name": "", "birth_year": 1800, "timezone": "Tokyo", "locale": "fr"}),
        )
        .await;
    assert_eq!(reply.status, 422);
    for field in ["display_name", "birth_year", "timezone", "locale"] {
        assert!(reply.body["errors"][field].is_array(), "{field}");
    }
    let missing = app
        .post("/v1/patients", Some(&sato), json!({"display_name": "A"}))
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["errors"]["timezone"][0], "is required");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM patients"), 0);
}

#[actix_web::test]
async fn the_care_team_is_managed_by_its_members_and_admins() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let (ito_id, ito) = app.physician("Dr Ito").await;
    let (patient_id, _) = app.patient(&sato, "Tanaka Yui").await;
    let member = format!("/v1/patients/{patient_id}/care-team/{ito_id}");
    // Ito cannot add himself to a team he is not on.
    assert_eq!(
        app.call(Method::PUT, &member, Some(&ito), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.call(Method::PUT, &member, Some(&sato), None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.call(Method::PUT, &member, Some(&sato), None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&format!("/v1/patients/{patient_id}"), &ito)
            .await
            .status,
        200
    );
    assert_eq!(
        app.call(Method::DELETE, &member, Some(&sato), None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&format!("/v1/patients/{patient_id}"), &ito)
            .await
            .status,
        404
    );
    let nobody = format!(
        "/v1/patients/{patient_id}/care-team/{}",
        uuid::Uuid::new_v4()
    );
    assert_eq!(
        app.call(Method::PUT, &nobody, Some(&sato), None)
            .await
            .status,
        404
    );
    let admin = app.admin_token().await;
    assert_eq!(
        app.call(Method::PUT, &member, Some(&admin), None)
            .await
            .status,
        204
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM care_team_members"), 2);
}

#[actix_web::test]
async fn a_new_invite_voids_the_old_one() {
    let app = spawn_app().await;
    let (_, sato) = app.physician("Dr Sato").await;
    let (_, ito) = app.physician("Dr Ito").await;
    let (patient_id, old) = app.patient(&sato, "Tanaka Yui").await;
    let path = format!("/v1/patients/{patient_id}/invite");
    assert_eq!(
        app.call(Method::POST, &path, Some(&ito), None).await.status,
        404
    );
    let reply = app.call(Method::POST, &path, Some(&sato), None).await;
    assert_eq!(reply.status, 201);
    let new = reply.body["code"].as_str().unwrap().to_owned();
    let stale = app
        .post(
            "/v1/auth/register",
            None,
            json!({"invite_code": old, "email": "yui@example.jp", "password": PASSWORD}),
        )
        .await;
    assert_eq!(stale.code(), "invalid_invite");
    app.register(&new, "yui@example.jp").await;
    let after = app.call(Method::POST, &path, Some(&sato), None).await;
    assert_eq!(
        (after.status, after.code()),
        (409, "patient_already_registered")
    );
}
