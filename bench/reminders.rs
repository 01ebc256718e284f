//! Reminders at scale: a clinic whose patients (100,000 by default) are
//! all due at the same minute, each with one push subscription on a
//! loopback push service. The release binary runs as a clinic would run it
//! (one replica, the default job interval); the bench measures how long
//! after the minute the last push arrives, and the p99 of check-ins sent
//! at a fixed rate before the minute (idle) and while the reminders go out.
//!
//! `cargo bench --bench reminders` (SQLite in a temporary directory), or
//! `cargo bench --bench reminders -- --postgres postgres://postgres@127.0.0.1:5432/test`
//! (a throwaway database on that server, dropped at the end).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use aftercare::db::schema::{
    patients, push_subscriptions, reminder_preferences, treatments, users,
};
use aftercare::db::{Db, DbConnection};
use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration as Span, DurationRound, NaiveDateTime, Utc};
use chrono_tz::Tz;
use clap::Parser;
use diesel::prelude::*;
use hdrhistogram::Histogram;
use serde_json::json;

#[derive(Parser)]
#[command(about = "Reminders for a whole clinic due at the same minute")]
struct Args {
    /// A PostgreSQL server URL (a throwaway database is made on it).
    /// Without it, SQLite.
    #[arg(long)]
    postgres: Option<String>,
    /// Patients due at the same minute.
    #[arg(long, default_value_t = 100_000)]
    patients: usize,
    /// Check-ins a second, before and during the sending.
    #[arg(long, default_value_t = 20)]
    rate: u64,
    /// Patients who check in (not due: their time is later).
    #[arg(long, default_value_t = 200)]
    reporters: usize,
    /// Seconds of check-ins before the minute (the idle figure).
    #[arg(long, default_value_t = 20)]
    idle_seconds: u64,
    /// Seconds from the start to the minute the patients are due, at least
    /// (the seeding, the start and the idle phase come first).
    #[arg(long, default_value_t = 150)]
    lead_seconds: i64,
    /// Fail (exit 1) unless every patient got exactly one push and every
    /// check-in was taken, for a smoke run in CI.
    #[arg(long)]
    strict: bool,
    /// Give up waiting for the last push after this many seconds.
    #[arg(long, default_value_t = 600)]
    patience: u64,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

const PASSWORD: &str = "bench-password-1";
const ZONES: [&str; 4] = ["UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin"];

#[derive(Insertable)]
#[diesel(table_name = patients)]
struct PatientRow {
    id: String,
    display_name: String,
    timezone: &'static str,
    locale: &'static str,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    password_hash: String,
    role: &'static str,
    display_name: String,
    patient_id: Option<String>,
    timezone: &'static str,
    locale: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = treatments)]
struct TreatmentRow {
    id: String,
    patient_id: String,
    physician_id: String,
    kind: &'static str,
    sites: &'static str,
    product: &'static str,
    administered_at: NaiveDateTime,
    cancer_treatment: bool,
    pregnant: bool,
    breastfeeding: bool,
    planning_pregnancy: bool,
    warnings: &'static str,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = reminder_preferences)]
struct PreferenceRow {
    user_id: String,
    local_time: String,
    web_push: bool,
    email: Option<String>,
    chosen_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = push_subscriptions)]
struct SubscriptionRow {
    id: String,
    user_id: String,
    endpoint: String,
    p256dh: String,
    auth: String,
    created_at: NaiveDateTime,
}

/// Multi-row inserts on the concrete connection, in chunks SQLite binds.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        for part in $rows.chunks(2000) {
            match $conn {
                DbConnection::Sqlite(c) => diesel::insert_into($table).values(part).execute(c)?,
                DbConnection::Postgres(c) => diesel::insert_into($table).values(part).execute(c)?,
            };
        }
    }};
}

/// The clinic: `due` patients whose reminder is at `fire`, and
/// `reporters` who turned reminders off (any other time of theirs would
/// fall due too whenever it crossed their local midnight); returns the
/// reporters' (e-mail, treatment).
fn seed(
    conn: &mut DbConnection,
    args: &Args,
    fire: DateTime<Utc>,
    push_url: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let now = Utc::now().naive_utc();
    let hash = aftercare::auth::password::hash_blocking(PASSWORD)?;
    let key = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let p256dh = URL_SAFE_NO_PAD.encode(
        p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key.public_key(), false)
            .as_bytes(),
    );
    let auth = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let physician = uuid::Uuid::new_v4().to_string();
    let mut users_rows = vec![UserRow {
        id: physician.clone(),
        email: "physician@bench.example".into(),
        password_hash: hash.clone(),
        role: "physician",
        display_name: "Dr Bench".into(),
        patient_id: None,
        timezone: "UTC",
        locale: "en",
        created_at: now,
        updated_at: now,
    }];
    let (mut patient_rows, mut treatment_rows, mut preference_rows, mut subscription_rows) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut reporters = Vec::new();
    for n in 0..args.patients + args.reporters {
        let zone_name = ZONES[n % ZONES.len()];
        let zone: Tz = zone_name.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
        let due = n < args.patients;
        let id = |kind: &str| {
            uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{kind}{n}").as_bytes())
                .to_string()
        };
        let (patient, user, treatment) = (id("patient"), id("user"), id("treatment"));
        let email = format!("patient{n}@bench.example");
        patient_rows.push(PatientRow {
            id: patient.clone(),
            display_name: format!("Patient {n}"),
            timezone: zone_name,
            locale: if n % 2 == 0 { "ja" } else { "en" },
            created_at: now,
        });
        users_rows.push(UserRow {
            id: user.clone(),
            email: email.clone(),
            password_hash: hash.clone(),
            role: "patient",
            display_name: format!("Patient {n}"),
            patient_id: Some(patient.clone()),
            timezone: zone_name,
            locale: if n % 2 == 0 { "ja" } else { "en" },
            created_at: now,
            updated_at: now,
        });
        // Two days and a bit before: a daily check-in day in every zone.
        let given = (fire - Span::hours(49)).naive_utc();
        treatment_rows.push(TreatmentRow {
            id: treatment.clone(),
            patient_id: patient,
            physician_id: physician.clone(),
            kind: "injection",
            sites: "[\"face\"]",
            product: "Exosome serum",
            administered_at: given,
            cancer_treatment: false,
            pregnant: false,
            breastfeeding: false,
            planning_pregnancy: false,
            warnings: "[]",
            created_at: given,
        });
        preference_rows.push(PreferenceRow {
            user_id: user.clone(),
            local_time: fire.with_timezone(&zone).format("%H:%M").to_string(),
            web_push: due,
            email: None,
            chosen_at: (fire - Span::days(30)).naive_utc(),
        });
        subscription_rows.push(SubscriptionRow {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user,
            endpoint: format!("{push_url}/{n}"),
            p256dh: p256dh.clone(),
            auth: auth.clone(),
            created_at: now,
        });
        if !due {
            reporters.push((email, treatment));
        }
    }
    conn.transaction(|conn| {
        insert_all!(conn, patients::table, &patient_rows);
        insert_all!(conn, users::table, &users_rows);
        insert_all!(conn, treatments::table, &treatment_rows);
        insert_all!(conn, reminder_preferences::table, &preference_rows);
        insert_all!(conn, push_subscriptions::table, &subscription_rows);
        anyhow::Ok(())
    })?;
    Ok(reporters)
}

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// A push service that takes everything: notes when each push arrived.
struct PushService {
    url: String,
    received: Arc<AtomicUsize>,
    arrivals: Arrivals,
}

async fn take_push(
    n: web::Path<String>,
    _body: web::Bytes,
    state: web::Data<(Arc<AtomicUsize>, Arrivals)>,
) -> HttpResponse {
    state.0.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut arrivals) = state.1.lock() {
        arrivals.entry(n.into_inner()).or_insert_with(Instant::now);
    }
    HttpResponse::Created().finish()
}

impl PushService {
    fn start() -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://127.0.0.1:{}/push", listener.local_addr()?.port());
        let received = Arc::new(AtomicUsize::new(0));
        let arrivals: Arrivals = Arc::default();
        let state = web::Data::new((received.clone(), arrivals.clone()));
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .route("/push/{n}", web::post().to(take_push))
                })
                .workers(1)
                .listen(listener);
                if let Ok(server) = server {
                    let _ = server.run().await;
                }
            });
        });
        Ok(Self {
            url,
            received,
            arrivals,
        })
    }
}

struct Service {
    child: Child,
    base: String,
}

impl Service {
    async fn start(url: &str, log: &std::path::Path) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::File::create(log)?;
        let child = Command::new(env!("CARGO_BIN_EXE_aftercare"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", url)
            .env("AFTERCARE_BIND", format!("127.0.0.1:{port}"))
            .env("AFTERCARE_ADMIN_EMAIL", "admin@bench.example")
            .env("AFTERCARE_ADMIN_PASSWORD", "bench-admin-password")
            .env("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true")
            .env("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true")
            .env("AFTERCARE_PUSH_ALLOWED_HOSTS", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start the service binary")?;
        let service = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(response) = client.get(format!("{}/readyz", service.base)).send().await {
                if response.status().is_success() {
                    return Ok(service);
                }
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("the service did not become ready")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Check-ins at `rate` a second until `until` says stop; the latency of
/// each runs from when it was due.
async fn check_ins(
    base: &str,
    reporters: &[(String, String)],
    rate: u64,
    until: impl Fn(usize) -> bool,
) -> anyhow::Result<(Histogram<u64>, usize)> {
    let client = reqwest::Client::new();
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let started = Instant::now();
    let mut requests = Vec::new();
    let mut n = 0;
    while !until(n) {
        let due = started + interval.mul_f64(n as f64);
        actix_web::rt::time::sleep_until(due.into()).await;
        let (token, treatment) = &reporters[n % reporters.len()];
        let request = client
            .post(format!("{base}/v1/treatments/{treatment}/checkins"))
            .bearer_auth(token)
            .json(&json!({"client_id": uuid::Uuid::new_v4().to_string(),
                          "observed_at": Utc::now(), "symptoms": {}}))
            .send();
        requests.push(actix_web::rt::spawn(async move {
            let ok = request
                .await
                .map(|r| r.status().as_u16() == 201)
                .unwrap_or(false);
            (due.elapsed(), ok)
        }));
        n += 1;
    }
    let mut latencies = Histogram::<u64>::new(3)?;
    let mut failed = 0;
    for request in requests {
        let (latency, ok) = request.await?;
        latencies.record(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX))?;
        failed += usize::from(!ok);
    }
    Ok((latencies, failed))
}

fn ms(micros: u64) -> String {
    format!("{:.2} ms", micros as f64 / 1000.0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    actix_web::rt::System::new().block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (url, backend, throwaway) = match &args.postgres {
        None => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "SQLite",
            None,
        ),
        Some(server) => {
            aftercare::db::init_postgres_client();
            let name = format!("aftercare_reminders_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(server).context("cannot reach PostgreSQL")?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
            let (base, _) = server
                .rsplit_once('/')
                .context("the PostgreSQL URL names no database")?;
            (format!("{base}/{name}"), "PostgreSQL", Some((admin, name)))
        }
    };
    let result = measure(&args, &url, backend, dir.path()).await;
    if let Some((mut admin, name)) = throwaway {
        let _ = diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin);
    }
    result
}

async fn measure(
    args: &Args,
    url: &str,
    backend: &str,
    scratch: &std::path::Path,
) -> anyhow::Result<()> {
    let db = Db::connect(
        &aftercare::config::DatabaseUrl::parse(url)?,
        4,
        Duration::from_secs(10),
    )?;
    db.migrate()?;
    let push = PushService::start()?;
    // The minute: late enough for the seeding, the start and the idle phase.
    let fire = (Utc::now() + Span::seconds(args.lead_seconds)).duration_trunc(Span::minutes(1))?
        + Span::minutes(1);
    let started = Instant::now();
    let reporters = {
        let mut conn = db.pool().get()?;
        seed(&mut conn, args, fire, &push.url)?
    };
    eprintln!(
        "[{backend}] {} patients due at {fire}, {} reporters; seeded in {:.1?}",
        args.patients,
        reporters.len(),
        started.elapsed()
    );
    let service = Service::start(url, &scratch.join("service.log")).await?;
    let client = reqwest::Client::new();
    let mut logged_in = Vec::new();
    for (email, treatment) in &reporters {
        let reply: serde_json::Value = client
            .post(format!("{}/v1/auth/login", service.base))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        let token = reply["access_token"]
            .as_str()
            .context("a reporter could not sign in")?
            .to_owned();
        logged_in.push((token, treatment.clone()));
    }
    let until_fire = (fire - Utc::now()).to_std().unwrap_or_default();
    let idle_length = Duration::from_secs(args.idle_seconds);
    anyhow::ensure!(
        until_fire > idle_length,
        "the start took too long: {until_fire:?} left before the minute"
    );
    actix_web::rt::time::sleep(until_fire - idle_length).await;
    eprintln!("[{backend}] idle check-ins");
    let total = usize::try_from(args.rate * args.idle_seconds)?;
    let (idle, idle_failed) =
        check_ins(&service.base, &logged_in, args.rate, |n| n >= total).await?;

    eprintln!("[{backend}] the minute came; check-ins while the reminders go out");
    let fire_instant = Instant::now() - (Utc::now() - fire).to_std().unwrap_or_default();
    let patience = Duration::from_secs(args.patience);
    let received = push.received.clone();
    let wanted = args.patients;
    let (during, during_failed) = check_ins(&service.base, &logged_in, args.rate, |_| {
        received.load(Ordering::Relaxed) >= wanted || fire_instant.elapsed() > patience
    })
    .await?;
    // A moment for duplicates to show.
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let arrivals = push
        .arrivals
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let total_received = push.received.load(Ordering::Relaxed);
    let first = arrivals
        .values()
        .min()
        .map(|at| at.duration_since(fire_instant));
    let last = arrivals
        .values()
        .max()
        .map(|at| at.duration_since(fire_instant));
    drop(service);

    let ratio = during.value_at_quantile(0.99) as f64 / idle.value_at_quantile(0.99).max(1) as f64;
    let all_in = last.unwrap_or(Duration::MAX);
    println!("\n| {backend} | value | target |\n|---|---|---|");
    println!(
        "| patients reminded (distinct / pushes received) | {} / {total_received} | {} (one each) |",
        arrivals.len(),
        args.patients
    );
    println!(
        "| first push after the minute | {:.1?} | |",
        first.unwrap_or_default()
    );
    println!(
        "| last push after the minute | {all_in:.1?} | at most 300 s ({}) |",
        if all_in <= Duration::from_secs(300) {
            "met"
        } else {
            "MISSED"
        }
    );
    if let (Some(first), Some(last)) = (first, last) {
        let spread = (last - first).as_secs_f64().max(0.001);
        println!(
            "| push rate, first to last | {:.0} /s | |",
            arrivals.len() as f64 / spread
        );
    }
    println!(
        "| check-in p50 / p99, idle ({} at {}/s) | {} / {} | |",
        idle.len(),
        args.rate,
        ms(idle.value_at_quantile(0.5)),
        ms(idle.value_at_quantile(0.99))
    );
    println!(
        "| check-in p50 / p99, while sending ({}) | {} / {} | |",
        during.len(),
        ms(during.value_at_quantile(0.5)),
        ms(during.value_at_quantile(0.99))
    );
    println!(
        "| check-in p99 ratio, sending / idle | {ratio:.2} | at most 2 ({}) |",
        if ratio <= 2.0 { "met" } else { "MISSED" }
    );
    println!("| failed check-ins | {} | 0 |", idle_failed + during_failed);
    anyhow::ensure!(
        !args.strict
            || (arrivals.len() == args.patients
                && total_received == args.patients
                && idle_failed + during_failed == 0),
        "not every patient got exactly one push, or check-ins failed"
    );
    Ok(())
}
