//! Alert-to-receiver latency: the time from a check-in's arrival (its
//! `received_at`, just before triage and commit) to the moment a webhook
//! receiver on loopback gets the signed `alert.created` request. Each
//! check-in opens a new alert; the next is sent once the webhook arrived,
//! so the figure is the unloaded latency of one delivery.
//!
//! `cargo bench --bench webhook_latency` (SQLite in a temporary file);
//! with AFTERCARE_BENCH_POSTGRES_URL=postgres://... also on PostgreSQL (a
//! throwaway database is created and dropped). AFTERCARE_BENCH_ALERTS sets
//! how many alerts (default 200).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{json, Value};

type Arrivals = Arc<Mutex<HashMap<String, DateTime<Utc>>>>;

async fn receive(body: web::Bytes, arrivals: web::Data<Arrivals>) -> HttpResponse {
    let at = Utc::now();
    if let Ok(event) = serde_json::from_slice::<Value>(&body) {
        if let Some(alert) = event["data"]["alert_id"].as_str() {
            arrivals.lock().unwrap().insert(alert.to_owned(), at);
        }
    }
    HttpResponse::NoContent().finish()
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn measure(database: &str, alerts: usize) -> Vec<f64> {
    let arrivals: Arrivals = Arc::default();
    let data = web::Data::new(arrivals.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let receiver = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    actix_web::rt::spawn(
        HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run(),
    );
    let env: HashMap<String, String> = [
        ("DATABASE_URL", database),
        ("AFTERCARE_BIND", "127.0.0.1:0"),
        ("AFTERCARE_ADMIN_EMAIL", "admin@bench.example"),
        ("AFTERCARE_ADMIN_PASSWORD", "bench-admin-password"),
        ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
        ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let settings = aftercare::config::Settings::from_source(&env).unwrap();
    let application = aftercare::Application::build(settings).await.unwrap();
    let client = Client {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{}", application.port()),
    };
    actix_web::rt::spawn(application.run_until_stopped());

    let login = |email: &'static str, password: &'static str| {
        client.post(
            "/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
    };
    let admin = login("admin@bench.example", "bench-admin-password").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    client
        .post("/v1/users", Some(&admin), json!({"email": "dr@bench.example", "password": "bench-physician-pw", "role": "physician", "display_name": "Dr Bench"}))
        .await;
    client
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": receiver, "events": ["alert.created"]}),
        )
        .await;
    let doctor = login("dr@bench.example", "bench-physician-pw").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let patient = client
        .post(
            "/v1/patients",
            Some(&doctor),
            json!({"display_name": "Bench Patient", "timezone": "Asia/Tokyo", "locale": "ja"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let given = Utc::now() - chrono::Duration::hours(30);
    let mut latencies = Vec::with_capacity(alerts);
    for n in 0..alerts {
        let treatment = client
            .post(&format!("/v1/patients/{patient}/treatments"), Some(&doctor), json!({"kind": "injection", "sites": ["face"], "product": "Exo", "administered_at": given,
                "screening": {"cancer_treatment": false, "pregnant": false, "breastfeeding": false, "planning_pregnancy": false}}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let answer = client
            .post(
                &format!("/v1/treatments/{treatment}/checkins"),
                Some(&doctor),
                json!({"client_id": format!("bench-{n}"), "symptoms": {"headache": 4}}),
            )
            .await;
        let alert = answer["alerts"][0]["id"].as_str().unwrap().to_owned();
        let received: DateTime<Utc> = answer["checkin"]["received_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let arrived = loop {
            if let Some(at) = arrivals.lock().unwrap().get(&alert).copied() {
                break at;
            }
            actix_web::rt::time::sleep(Duration::from_micros(200)).await;
        };
        latencies.push((arrived - received).num_microseconds().unwrap() as f64 / 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    latencies
}

fn report(backend: &str, latencies: &[f64]) {
    println!(
        "{backend:<10} alerts {:>4}  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
        latencies.len(),
        percentile(latencies, 0.5),
        percentile(latencies, 0.9),
        percentile(latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    );
}

fn main() {
    let alerts: usize = std::env::var("AFTERCARE_BENCH_ALERTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    actix_web::rt::System::new().block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        report("sqlite", &measure(&sqlite, alerts).await);
        if let Ok(url) = std::env::var("AFTERCARE_BENCH_POSTGRES_URL") {
            aftercare::db::init_postgres_client();
            let name = format!("aftercare_bench_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(&url).unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .unwrap();
            let (base, _) = url.rsplit_once('/').unwrap();
            let latencies = measure(&format!("{base}/{name}"), alerts).await;
            report("postgresql", &latencies);
            let _ =
                diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin);
        }
    });
}
