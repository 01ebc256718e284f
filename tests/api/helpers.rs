//! The test client: a fresh service and database per test, and requests
//! whose every response is checked against openapi.yaml.

use std::collections::HashMap;

use aftercare::config::{DatabaseUrl, Settings};
use aftercare::Application;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::Method;
use serde_json::{json, Value};

pub const ADMIN_EMAIL: &str = "admin@clinic.example";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "a long enough password";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: DatabaseUrl,
    /// AFTERCARE_MEDIA_STORE of the service (replicas share it).
    pub media_store: String,
    /// The SQLite file and the media directory, removed with the app.
    _dir: Option<std::sync::Arc<tempfile::TempDir>>,
    pg_admin: Option<(String, String)>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

/// The PostgreSQL server to test against, when the suite runs on it.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("AFTERCARE_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty());
    if url.is_some() {
        aftercare::db::init_postgres_client();
    }
    url
}

/// `postgres://.../name` with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(head, _)| head);
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// The settings a test server on the database runs with.
pub fn settings(database: &str, extra: &[(&str, &str)]) -> Settings {
    let mut env: HashMap<String, String> = [
        ("DATABASE_URL", database),
        ("AFTERCARE_BIND", "127.0.0.1:0"),
        (
            "AFTERCARE_JWT_SECRET",
            "test-secret-test-secret-test-secret-0123",
        ),
        ("AFTERCARE_ADMIN_EMAIL", ADMIN_EMAIL),
        ("AFTERCARE_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("AFTERCARE_DB_POOL_SIZE", "4"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    Settings::from_source(&env).unwrap()
}

/// Starts a server on the database; returns its address and settings.
pub async fn start(database: &str, extra: &[(&str, &str)]) -> (String, Settings) {
    let settings = settings(database, extra);
    let application = Application::build(settings.clone()).await.unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    actix_web::rt::spawn(application.run_until_stopped());
    (address, settings)
}

impl TestApp {
    /// The database URL as the service takes it.
    pub fn database_url(&self) -> String {
        match &self.database {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    /// Another replica of the service on the same database: a client of it
    /// that leaves the database to this one.
    pub async fn replica(&self, extra: &[(&str, &str)]) -> TestApp {
        let mut extra = extra.to_vec();
        extra.push(("AFTERCARE_MEDIA_STORE", &self.media_store));
        let (address, _) = start(&self.database_url(), &extra).await;
        TestApp {
            address,
            client: self.client.clone(),
            database: self.database.clone(),
            media_store: self.media_store.clone(),
            _dir: self._dir.clone(),
            pg_admin: None,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let (database, pg_admin) = match postgres_url() {
        Some(url) => {
            let name = format!("aftercare_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(&url).unwrap_or_else(|e| {
                panic!("AFTERCARE_TEST_POSTGRES_URL is set but unreachable: {e}")
            });
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .unwrap();
            (with_database(&url, &name), Some((url, name)))
        }
        None => {
            let path = dir.path().join("aftercare.db");
            (format!("sqlite://{}", path.display()), None)
        }
    };
    let mut extra = extra.to_vec();
    let media = format!("file://{}", dir.path().join("media").display());
    if !extra
        .iter()
        .any(|(name, _)| *name == "AFTERCARE_MEDIA_STORE")
    {
        extra.push(("AFTERCARE_MEDIA_STORE", &media));
    }
    let media_store = extra
        .iter()
        .rev()
        .find(|(name, _)| *name == "AFTERCARE_MEDIA_STORE")
        .map(|(_, value)| (*value).to_owned())
        .unwrap_or_default();
    let (address, settings) = start(&database, &extra).await;
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        database: settings.database_url,
        media_store,
        _dir: Some(std::sync::Arc::new(dir)),
        pg_admin,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((url, name)) = &self.pg_admin {
            if let Ok(mut admin) = PgConnection::establish(url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

impl TestApp {
    /// Sends a request and checks the reply against openapi.yaml.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = self.send(request).await;
        crate::spec::check_against_spec(method.as_str(), path, &reply);
        reply
    }

    /// Sends a request as built, without the contract check (for raw or
    /// malformed requests).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request failed");
        self.send_received(response).await
    }

    /// The reply a response makes, read whole.
    pub async fn send_received(&self, response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn admin_token(&self) -> String {
        let reply = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A physician account and its access token.
    pub async fn physician(&self, name: &str) -> (String, String) {
        self.staff("physician", name).await
    }

    /// A nurse account and its access token.
    pub async fn nurse(&self, name: &str) -> (String, String) {
        self.staff("nurse", name).await
    }

    /// A staff account of the role and its access token.
    pub async fn staff(&self, role: &str, name: &str) -> (String, String) {
        let admin = self.admin_token().await;
        let email = format!("{}@clinic.example", name.to_lowercase().replace(' ', "."));
        let reply = self
            .post(
                "/v1/users",
                Some(&admin),
                json!({"email": email, "password": PASSWORD, "role": role, "display_name": name}),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let id = reply.body["id"].as_str().unwrap().to_owned();
        let login = self.login(&email, PASSWORD).await;
        (id, login.body["access_token"].as_str().unwrap().to_owned())
    }

    /// A patient created by the physician; returns (patient id, invite code).
    pub async fn patient(&self, physician_token: &str, name: &str) -> (String, String) {
        let reply = self
            .post("/v1/patients", Some(physician_token), json!({"display_name": name, "birth_year": 1980, "timezone": "Asia/Tokyo", "locale": "ja"}))
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        (
            reply.body["id"].as_str().unwrap().to_owned(),
            reply.body["invite"]["code"].as_str().unwrap().to_owned(),
        )
    }

    /// A caregiver the patient invites, registered; returns (user id,
    /// access token).
    pub async fn caregiver(
        &self,
        patient_token: &str,
        relationship: &str,
        email: &str,
    ) -> (String, String) {
        let invited = self
            .post(
                "/v1/me/caregivers",
                Some(patient_token),
                json!({"relationship": relationship}),
            )
            .await;
        assert_eq!(invited.status, 201, "{:?}", invited.body);
        let code = invited.body["invite"]["code"].as_str().unwrap();
        let pair = self.register(code, email).await;
        (
            pair["user"]["id"].as_str().unwrap().to_owned(),
            pair["access_token"].as_str().unwrap().to_owned(),
        )
    }

    /// Registers the patient's account; returns the token pair body.
    pub async fn register(&self, code: &str, email: &str) -> Value {
        let reply = self
            .post(
                "/v1/auth/register",
                None,
                json!({"invite_code": code, "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body
    }
}

impl TestApp {
    /// A direct connection to the app's database, for arranging and
    /// checking rows.
    pub fn connection(&self) -> aftercare::db::DbConnection {
        let mut conn = aftercare::db::DbConnection::establish(&self.database_url()).unwrap();
        if matches!(self.database, DatabaseUrl::Sqlite(_)) {
            // Wait for the service's writers like the service does.
            diesel::sql_query("PRAGMA busy_timeout = 5000")
                .execute(&mut conn)
                .unwrap();
        }
        conn
    }

    /// The service's own database handle, for running its jobs.
    pub fn db(&self) -> aftercare::db::Db {
        aftercare::db::Db::connect(&self.database, 2, std::time::Duration::from_secs(3)).unwrap()
    }

    /// Runs several statements at once (PostgreSQL's simple protocol).
    pub fn execute_batch(&self, sql: &str) {
        let mut conn = self.connection();
        diesel::connection::SimpleConnection::batch_execute(&mut conn, sql).unwrap();
    }

    pub fn execute(&self, sql: &str) {
        let mut conn = self.connection();
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }

    pub fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.connection();
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    }
}

/// A clinic with one physician, one registered patient and one treatment.
pub struct Clinic {
    pub app: TestApp,
    pub physician: String,
    pub physician_id: String,
    pub patient: String,
    pub patient_id: String,
    pub treatment_id: String,
}

impl Clinic {
    /// The treatment was given `hours_ago` hours ago, on the face.
    pub async fn new(hours_ago: i64) -> Self {
        Self::with(spawn_app().await, hours_ago, "Asia/Tokyo", "ja").await
    }

    pub async fn with(app: TestApp, hours_ago: i64, timezone: &str, locale: &str) -> Self {
        let (physician_id, physician) = app.physician("Dr Sato").await;
        let reply = app
            .post(
                "/v1/patients",
                Some(&physician),
                json!({"display_name": "Tanaka Yui", "timezone": timezone, "locale": locale}),
            )
            .await;
        let patient_id = reply.body["id"].as_str().unwrap().to_owned();
        let code = reply.body["invite"]["code"].as_str().unwrap().to_owned();
        let patient = app.register(&code, "yui@example.jp").await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let treatment_id = Self::give(&app, &physician, &patient_id, hours_ago).await;
        Self {
            app,
            physician,
            physician_id,
            patient,
            patient_id,
            treatment_id,
        }
    }

    /// A nurse ("Nurse Ito") the physician puts on the patient's care
    /// team: (id, access token).
    pub async fn nurse_on_team(&self) -> (String, String) {
        let (id, token) = self.app.nurse("Nurse Ito").await;
        let added = self
            .app
            .call(
                reqwest::Method::PUT,
                &format!("/v1/patients/{}/care-team/{id}", self.patient_id),
                Some(&self.physician),
                None,
            )
            .await;
        assert_eq!(added.status, 204, "{:?}", added.body);
        (id, token)
    }

    pub async fn give(app: &TestApp, physician: &str, patient_id: &str, hours_ago: i64) -> String {
        let at = chrono::Utc::now() - chrono::Duration::hours(hours_ago);
        let reply = app
            .post(
                &format!("/v1/patients/{patient_id}/treatments"),
                Some(physician),
                json!({"kind": "injection", "sites": ["face"], "product": "Exo-X", "lot": "L1", "administered_at": at,
                       "screening": {"cancer_treatment": false, "pregnant": false, "breastfeeding": false, "planning_pregnancy": false}}),
            )
            .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Posts a check-in as the patient.
    pub async fn check_in(&self, body: Value) -> Reply {
        self.app
            .post(
                &format!("/v1/treatments/{}/checkins", self.treatment_id),
                Some(&self.patient),
                body,
            )
            .await
    }

    /// A check-in observed `hours_after` the treatment, with these symptoms.
    pub async fn report(&self, hours_after_treatment: i64, extra: Value) -> Reply {
        let given = self.administered_at().await;
        let mut body = json!({"client_id": uuid::Uuid::new_v4().to_string(), "observed_at": given + chrono::Duration::hours(hours_after_treatment), "symptoms": {}});
        if let (Some(target), Some(fields)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in fields {
                target.insert(k.clone(), v.clone());
            }
        }
        let reply = self.check_in(body).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        reply
    }

    /// A very severe headache `hours_after` the treatment: an urgent
    /// alert; returns its id.
    pub async fn urgent_alert(&self, hours_after_treatment: i64) -> String {
        let reply = self
            .report(hours_after_treatment, json!({"symptoms": {"headache": 4}}))
            .await;
        reply.body["alerts"][0]["id"].as_str().unwrap().to_owned()
    }

    pub async fn administered_at(&self) -> chrono::DateTime<chrono::Utc> {
        let t = self
            .app
            .get(
                &format!("/v1/treatments/{}", self.treatment_id),
                &self.physician,
            )
            .await;
        t.body["administered_at"].as_str().unwrap().parse().unwrap()
    }
}

pub fn rules(reply: &Reply) -> Vec<(String, String)> {
    reply.body["triage"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["level"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn guidance_codes(reply: &Reply) -> Vec<String> {
    reply.body["triage"]["guidance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap().to_owned())
        .collect()
}
