//! The load harness: seeds a clinic, starts the release binary on it, and
//! measures, in one run on one machine, check-in ingest against the
//! framework's and the storage's ceilings, the physician's views with ten
//! thousand and with a million check-ins, alert-to-receiver latency and
//! resident memory. Prints one table.
//!
//! `cargo bench --bench load` (SQLite in a temporary directory), or
//! `cargo bench --bench load -- --postgres postgres://postgres@127.0.0.1:5432/test`
//! (a throwaway database on that server, dropped at the end).
//! `--help` lists the knobs (scale, seconds per phase, concurrency).

mod load;
mod seed;
mod service;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aftercare::config::Settings;
use aftercare::db::{Db, DbConnection};
use anyhow::Context;
use chrono::Utc;
use clap::Parser;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::json;

use load::{Client, Latencies};
use seed::{Clinic, Plan};
use service::{Receiver, Service, StreamListener};

#[derive(Parser)]
#[command(about = "Load and data benchmark of the aftercare service")]
struct Args {
    /// A PostgreSQL server URL (its database is only used to create and
    /// drop a throwaway one). Without it, SQLite.
    #[arg(long)]
    postgres: Option<String>,
    /// Multiplies the clinic's size (1 = 10,000 patients, 20,000
    /// treatments, a million check-ins).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Length of each throughput and fixed-load phase.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Requests in flight in the saturation phases (and tasks of the
    /// storage ceiling).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Patients who log in and check in during the load phases (half for
    /// saturation, half for the fixed load).
    #[arg(long, default_value_t = 400)]
    patients: usize,
    /// Requests per view and data set.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Alerts per second raised during the fixed-load phase.
    #[arg(long, default_value_t = 5)]
    alert_rate: u64,
    /// The fixed offered load in check-ins a second (default: half the
    /// saturation throughput).
    #[arg(long)]
    fixed_rate: Option<u64>,
    /// Runs the service holding a million check-ins under `perf record`,
    /// writing the profile here (memory figures are then perf's).
    #[arg(long)]
    profile: Option<std::path::PathBuf>,
    /// Active treatments on the care team of a second physician (a
    /// coordinator for a clinic group), whose worklist is measured beside
    /// the first physician's.
    #[arg(long, default_value_t = 5000)]
    team: usize,
    /// Physicians reading their worklists as fast as they are answered
    /// during the fixed load (0: none).
    #[arg(long, default_value_t = 8)]
    readers: usize,
    /// Fail (exit 1) if any request failed, for a smoke run in CI.
    #[arg(long)]
    strict: bool,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

/// One line of the result table.
struct Row {
    measure: String,
    value: String,
    target: String,
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    missed: Vec<String>,
    failures: Vec<String>,
}

impl Report {
    fn add(
        &mut self,
        measure: impl Into<String>,
        value: impl Into<String>,
        target: Option<(bool, &str)>,
    ) {
        let measure = measure.into();
        let target = match target {
            None => String::new(),
            Some((met, text)) => {
                if !met {
                    self.missed.push(measure.clone());
                }
                format!("{text} {}", if met { "(met)" } else { "(MISSED)" })
            }
        };
        self.rows.push(Row {
            measure,
            value: value.into(),
            target,
        });
    }

    fn print(&self, backend: &str) {
        println!("\n| {backend} | value | target |\n|---|---|---|");
        for row in &self.rows {
            println!("| {} | {} | {} |", row.measure, row.value, row.target);
        }
        if !self.missed.is_empty() {
            println!("\nmissed: {}", self.missed.join("; "));
        }
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn ms(value: Duration) -> String {
    format!("{:.2} ms", value.as_secs_f64() * 1000.0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let system = actix_web::rt::System::new();
    system.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let scaled = |n: f64| ((n * args.scale).round() as usize).max(1);
    let plan = Plan {
        physicians: 20,
        patients: scaled(10_000.0),
        treatments: scaled(20_000.0),
        checkins: scaled(1_000_000.0),
        small: scaled(10_000.0),
        spread_days: 365,
        fresh: 1000,
    };
    let dir = tempfile::tempdir()?;
    let (url, backend, throwaway) = match &args.postgres {
        None => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            "SQLite",
            None,
        ),
        Some(server) => {
            aftercare::db::init_postgres_client();
            let name = format!("aftercare_load_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(server).context("cannot reach PostgreSQL")?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
            let (base, _) = server
                .rsplit_once('/')
                .context("the PostgreSQL URL names no database")?;
            (format!("{base}/{name}"), "PostgreSQL", Some((admin, name)))
        }
    };
    let result = measure(&args, &plan, &url, backend, dir.path()).await;
    if let Some((mut admin, name)) = throwaway {
        let _ = diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin);
    }
    let report = result?;
    report.print(backend);
    for why in &report.failures {
        eprintln!("failure: {why}");
    }
    anyhow::ensure!(
        !args.strict || report.failures.is_empty(),
        "requests failed (see above)"
    );
    Ok(())
}

fn settings(url: &str) -> anyhow::Result<Settings> {
    let env: HashMap<String, String> = [("DATABASE_URL", url)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Settings::from_source(&env)
}

async fn measure(
    args: &Args,
    plan: &Plan,
    url: &str,
    backend: &str,
    scratch: &std::path::Path,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let config = settings(url)?;
    let db = Db::connect(
        &config.database_url,
        config.db_pool_size,
        config.db_checkout_timeout,
    )?;
    db.migrate()?;

    eprintln!("[{backend}] generating the clinic");
    let started = Instant::now();
    let hash = aftercare::auth::password::hash_blocking(seed::PASSWORD)?;
    let clinic = Clinic::generate(plan, Utc::now(), &hash);
    let generated = started.elapsed();
    let mut conn = db.pool().get()?;
    let started = Instant::now();
    clinic.insert_clinic(&mut conn)?;
    seed::insert_batch(&mut conn, &clinic.recent)?;
    let team = seed::widen_team(&mut conn, seed::COORDINATOR, args.team)?;
    seed::stand(&mut conn)?;
    analyze(&mut conn)?;
    let small_seed = started.elapsed();
    drop(conn);
    eprintln!(
        "[{backend}] generated in {generated:.1?}; clinic and {} check-ins stored in {small_seed:.1?}; {team} active treatments on the coordinator's team",
        clinic.recent.checkins()
    );

    let mut peak_rss = 0;
    let mut idle_rss = 0;
    let small_views = {
        let service = Service::start(url, scratch, None).await?;
        idle_rss = idle_rss.max(service.idle_rss().await?);
        let client = Client::new(&service.base, args.concurrency);
        let result = view_latencies(&client, &clinic, args.samples).await?;
        peak_rss = peak_rss.max(service.peak_rss()?);
        service.stop().await?;
        result
    };

    let started = Instant::now();
    let mut conn = db.pool().get()?;
    seed::insert_batch(&mut conn, &clinic.older)?;
    seed::stand(&mut conn)?;
    analyze(&mut conn)?;
    drop(conn);
    let large_seed = started.elapsed();
    let stored = count(&db, "SELECT COUNT(*) AS n FROM checkins").await?;
    let answer_bytes = count(
        &db,
        "SELECT CAST(AVG(LENGTH(response)) AS BIGINT) AS n FROM checkins",
    )
    .await?;
    let database_bytes = count(
        &db,
        if db.is_postgres() {
            "SELECT pg_database_size(current_database()) AS n"
        } else {
            "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()"
        },
    )
    .await?;
    eprintln!("[{backend}] {stored} check-ins stored (the rest in {large_seed:.1?})");

    let service = Service::start(url, scratch, args.profile.as_deref()).await?;
    idle_rss = idle_rss.max(service.idle_rss().await?);
    let client = Client::new(&service.base, args.concurrency);
    let large_views = view_latencies(&client, &clinic, args.samples).await?;
    let team_p95 = large_views
        .iter()
        .find(|(name, _)| name.starts_with("worklist, coordinator"))
        .map(|(_, l)| l.p(0.95));
    let views: Vec<(&str, Latencies, Latencies)> = small_views
        .into_iter()
        .zip(large_views)
        .map(|((name, small), (_, large))| (name, small, large))
        .collect();

    // The webhook receiver, on its own thread, and a clinic-wide endpoint.
    let receiver = Receiver::start()?;
    let admin = client
        .login(service::ADMIN_EMAIL, service::ADMIN_PASSWORD)
        .await?;
    client
        .post(
            "/v1/webhooks",
            &admin,
            &json!({"url": receiver.url, "events": ["alert.created"]}),
        )
        .await?;

    // Patients who check in from the app, each on their own treatments;
    // the saturation and the fixed-load phases use different patients, and
    // enough of them that no treatment's history grows far beyond a real
    // course's (its history is read for every check-in).
    let started = Instant::now();
    let mut saturation_targets: Vec<(String, String)> = Vec::new();
    let mut fixed_targets: Vec<(String, String)> = Vec::new();
    for (n, (email, treatments)) in clinic
        .patient_logins
        .iter()
        .skip(1)
        .step_by(3)
        .take(args.patients)
        .enumerate()
    {
        let token = client.login(email, seed::PASSWORD).await?;
        let targets = if n % 2 == 0 {
            &mut saturation_targets
        } else {
            &mut fixed_targets
        };
        targets.extend(treatments.iter().map(|t| (token.clone(), t.clone())));
    }
    eprintln!(
        "[{backend}] {} patients logged in in {:.1?}",
        args.patients,
        started.elapsed()
    );
    anyhow::ensure!(
        !saturation_targets.is_empty() && !fixed_targets.is_empty(),
        "too few patients to check in"
    );
    let targets = Arc::new(saturation_targets);
    let fixed_targets = Arc::new(fixed_targets);

    let sampler = service.sample_rss();
    let seconds = Duration::from_secs(args.seconds);
    eprintln!("[{backend}] /healthz at saturation");
    let health = load::closed_loop(args.concurrency, seconds, {
        let client = client.clone();
        move |_| {
            let client = client.clone();
            async move { client.get_status("/healthz", None).await.map(|s| s == 200) }
        }
    })
    .await;

    eprintln!("[{backend}] check-ins at saturation");
    let bodies = load::Bodies::default();
    let saturation = load::closed_loop(args.concurrency, seconds, {
        let (client, targets, bodies) = (client.clone(), targets.clone(), bodies.clone());
        move |n| {
            let (client, targets, bodies) = (client.clone(), targets.clone(), bodies.clone());
            async move {
                let (token, treatment) = &targets[n % targets.len()];
                let body = bodies.checkin(n);
                let answer = client
                    .post(
                        &format!("/v1/treatments/{treatment}/checkins"),
                        token,
                        &body,
                    )
                    .await?;
                // A quiet day raises no alert.
                anyhow::ensure!(
                    answer["alerts"].as_array().is_some_and(Vec::is_empty),
                    "a quiet check-in changed alerts: {}",
                    answer["alerts"]
                );
                bodies.keep(answer);
                Ok(true)
            }
        }
    })
    .await;

    eprintln!("[{backend}] storage ceiling");
    let storage =
        load::storage_ceiling(&db, &clinic, &bodies.kept(), args.concurrency, seconds).await?;

    eprintln!("[{backend}] one-row transactions straight into the database");
    let one_row = {
        let (url, scratch) = (url.to_owned(), scratch.to_owned());
        actix_web::rt::task::spawn_blocking(move || load::one_row_ceiling(&url, &scratch, seconds))
            .await?
    };
    if let Err(why) = &one_row {
        eprintln!("[{backend}] one-row ceiling not measured: {why}");
    }

    let rate = args
        .fixed_rate
        .unwrap_or(((saturation.throughput() * 0.5).round() as u64).max(1));
    eprintln!(
        "[{backend}] check-ins at a fixed {rate}/s with alerts at {}/s",
        args.alert_rate
    );
    let physician = client
        .login("physician0@bench.example", seed::PASSWORD)
        .await?;
    let alerts_sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    // The same physician's live event stream, open through the load.
    let listener = StreamListener::start(&service.base, &physician);
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let alert_stream = {
        let (client, fresh, sent, physician) = (
            client.clone(),
            clinic.fresh.clone(),
            alerts_sent.clone(),
            physician.clone(),
        );
        load::open_loop(args.alert_rate, seconds, move |n| {
            let (client, sent, physician) = (client.clone(), sent.clone(), physician.clone());
            let treatment = fresh[n % fresh.len()].clone();
            async move {
                let body = json!({"client_id": format!("alert-{n}"), "symptoms": {"redness": 1, "swelling": 1, "pain": 1, "headache": 4}});
                let answer = client
                    .post(
                        &format!("/v1/treatments/{treatment}/checkins"),
                        &physician,
                        &body,
                    )
                    .await?;
                if let (Some(alert), Some(received)) = (
                    answer["alerts"][0]["id"].as_str(),
                    answer["checkin"]["received_at"].as_str(),
                ) {
                    let received: chrono::DateTime<Utc> = received.parse()?;
                    if let Ok(mut sent) = sent.lock() {
                        sent.push((alert.to_owned(), received));
                    }
                }
                Ok(true)
            }
        })
    };
    let fixed = load::open_loop(rate, seconds, {
        let (client, targets, bodies) = (client.clone(), fixed_targets.clone(), bodies.clone());
        move |n| {
            let (client, targets, bodies) = (client.clone(), targets.clone(), bodies.clone());
            async move {
                let (token, treatment) = &targets[n % targets.len()];
                let body = bodies.checkin(1_000_000 + n);
                client
                    .post(
                        &format!("/v1/treatments/{treatment}/checkins"),
                        token,
                        &body,
                    )
                    .await
                    .map(|_| true)
            }
        }
    });
    // Physicians with a team each, reading their worklists as fast as
    // they are answered while the check-ins and alerts arrive.
    let mut readers = Vec::new();
    for n in 2..2 + args.readers {
        let email = format!("physician{n}@bench.example");
        readers.push(client.login(&email, seed::PASSWORD).await?);
    }
    let reading = load::closed_loop(args.readers, seconds, {
        let (client, readers) = (client.clone(), Arc::new(readers));
        move |n| {
            let (client, readers) = (client.clone(), readers.clone());
            async move {
                let status = client
                    .get_status("/v1/worklist", Some(&readers[n % readers.len()]))
                    .await?;
                anyhow::ensure!(status == 200, "the worklist answered {status}");
                Ok(true)
            }
        }
    });
    let (fixed, alert_run, reading) =
        futures_util::future::join3(fixed, alert_stream, reading).await;
    let sent = alerts_sent.lock().map(|s| s.clone()).unwrap_or_default();
    let delivery = receiver.latencies(&sent, Duration::from_secs(10)).await;
    let streamed = listener.latencies(&sent, Duration::from_secs(5)).await;
    peak_rss = peak_rss.max(sampler.stop().await).max(service.peak_rss()?);
    service.stop().await?;

    // The table.
    for outcome in [&health, &saturation, &storage, &fixed, &alert_run, &reading] {
        report.failures.extend(outcome.failures.iter().cloned());
    }
    let small_n = clinic.recent.checkins();
    report.add(
        "data set",
        format!(
            "{} patients, {} treatments (+{} for the alert stream), {small_n} then {stored} check-ins, {} then {} alerts",
            plan.patients,
            plan.treatments,
            plan.fresh,
            clinic.recent.alerts(),
            clinic.recent.alerts() + clinic.older.alerts()
        ),
        None,
    );
    report.add(
        "database size with every check-in / mean stored answer",
        format!(
            "{:.2} GiB / {answer_bytes} bytes",
            database_bytes as f64 / f64::from(1u32 << 30)
        ),
        None,
    );
    report.add(
        "seeding (generate / store small / store the rest)",
        format!("{generated:.1?} / {small_seed:.1?} / {large_seed:.1?}"),
        None,
    );
    report.add(
        "framework ceiling: /healthz at saturation",
        format!(
            "{:.0} req/s (p50 {}, {} errors)",
            health.throughput(),
            ms(health.latencies.p(0.5)),
            health.errors
        ),
        None,
    );
    report.add(
        "storage ceiling: the same rows, one transaction each, same pool",
        format!("{:.0} check-ins/s", storage.throughput()),
        None,
    );
    report.add(
        if backend == "SQLite" {
            "one-row ceiling: Python's sqlite3, one INSERT per transaction"
        } else {
            "one-row ceiling: pgbench, one client, one INSERT per transaction"
        },
        one_row.as_ref().map_or_else(
            |why| format!("not measured ({why})"),
            |rate| format!("{rate:.0} commits/s"),
        ),
        None,
    );
    let ratio = saturation.throughput() / storage.throughput().max(1.0);
    report.add(
        "check-in ingest at saturation",
        format!(
            "{:.0} check-ins/s (p50 {}, p99 {}, {} errors)",
            saturation.throughput(),
            ms(saturation.latencies.p(0.5)),
            ms(saturation.latencies.p(0.99)),
            saturation.errors
        ),
        None,
    );
    report.add(
        "check-in ingest / storage ceiling",
        format!("{:.0}%", ratio * 100.0),
        Some((ratio >= 0.6, "at least 60%")),
    );
    if let Ok(one_row) = one_row {
        let share = saturation.throughput() / one_row.max(1.0);
        let (floor, floor_text) = if backend == "SQLite" {
            (0.15, "at least 15%")
        } else {
            (0.40, "at least 40%")
        };
        report.add(
            "check-in ingest / one-row ceiling",
            format!("{:.0}%", share * 100.0),
            Some((share >= floor, floor_text)),
        );
    }
    report.add(
        "check-in ingest / framework ceiling",
        format!(
            "{:.0}%",
            saturation.throughput() / health.throughput().max(1.0) * 100.0
        ),
        None,
    );
    report.add(
        format!("check-in latency at a fixed {rate}/s (half of saturation)"),
        format!(
            "p50 {}, p99 {} ({} sent, {} errors)",
            ms(fixed.latencies.p(0.5)),
            ms(fixed.latencies.p(0.99)),
            fixed.latencies.len(),
            fixed.errors
        ),
        None,
    );
    if let Some(p95) = team_p95 {
        report.add(
            format!("worklist p95 of a {team}-treatment team, {stored} check-ins"),
            ms(p95),
            Some((p95 <= Duration::from_millis(50), "at most 50 ms")),
        );
    }
    for (name, small, large) in &views {
        let ratio = large.p(0.95).as_secs_f64() / small.p(0.95).as_secs_f64().max(1e-9);
        report.add(
            format!("{name}: p50 / p95 with {small_n} check-ins"),
            format!("{} / {}", ms(small.p(0.5)), ms(small.p(0.95))),
            None,
        );
        report.add(
            format!("{name}: p50 / p95 with {stored} check-ins"),
            format!(
                "{} / {} (p95 ratio {ratio:.2})",
                ms(large.p(0.5)),
                ms(large.p(0.95))
            ),
            if name.starts_with("worklist") {
                Some((ratio <= 1.5, "p95 ratio at most 1.5"))
            } else if name.starts_with("dashboard") {
                Some((
                    large.p(0.95) <= Duration::from_millis(50),
                    "p95 at most 50 ms",
                ))
            } else {
                None
            },
        );
    }
    if args.readers > 0 {
        report.add(
            format!(
                "worklist read by {} physicians at once during the fixed load",
                args.readers
            ),
            format!(
                "{} reads: p50 {}, p99 {} ({} errors)",
                reading.latencies.len(),
                ms(reading.latencies.p(0.5)),
                ms(reading.latencies.p(0.99)),
                reading.errors
            ),
            Some((
                reading.errors == 0 && reading.latencies.p(0.99) <= Duration::from_millis(100),
                "p99 at most 100 ms",
            )),
        );
    }
    report.add(
        format!(
            "alert to an open event stream during the fixed load ({} of {} alerts arrived)",
            streamed.len(),
            sent.len()
        ),
        format!(
            "p50 {}, p99 {}, max {}",
            ms(streamed.p(0.5)),
            ms(streamed.p(0.99)),
            ms(streamed.p(1.0))
        ),
        Some((
            streamed.len() == sent.len() as u64
                && !streamed.is_empty()
                && streamed.p(0.99) < Duration::from_millis(250),
            "p99 under 250 ms",
        )),
    );
    report.add(
        format!(
            "alert to receiver during the fixed load ({} of {} alerts arrived, {} errors)",
            delivery.len(),
            sent.len(),
            alert_run.errors
        ),
        format!(
            "p50 {}, p99 {}, max {}",
            ms(delivery.p(0.5)),
            ms(delivery.p(0.99)),
            ms(delivery.p(1.0))
        ),
        Some((
            delivery.len() == sent.len() as u64
                && !delivery.is_empty()
                && delivery.p(0.99) < Duration::from_millis(250),
            "p99 under 250 ms",
        )),
    );
    report.add(
        "resident memory, idle",
        mib(idle_rss),
        Some((idle_rss < 64 * 1024, "under 64 MiB")),
    );
    report.add(
        "resident memory, peak under load",
        mib(peak_rss),
        Some((peak_rss < 256 * 1024, "under 256 MiB")),
    );
    Ok(report)
}

/// Fresh planner statistics, as PostgreSQL's autovacuum would gather after
/// a bulk load. SQLite gathers none by itself, and none are made for it.
fn analyze(conn: &mut DbConnection) -> anyhow::Result<()> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("VACUUM ANALYZE").execute(pg)?;
    }
    Ok(())
}

/// The one number a query answers (as `n`).
async fn count(db: &Db, query: &'static str) -> anyhow::Result<i64> {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let rows: Vec<Count> = db
        .run(move |conn| Ok(diesel::sql_query(query).load(conn)?))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(rows.first().map_or(0, |c| c.n))
}

/// p50/p95 of the worklist, the alert list and a patient's timeline, each
/// requested one at a time by the first physician, and of the dashboard's
/// worklist and patient pages, which render the same views as HTML.
async fn view_latencies(
    client: &Client,
    clinic: &Clinic,
    samples: usize,
) -> anyhow::Result<Vec<(&'static str, Latencies)>> {
    let token = client
        .login("physician0@bench.example", seed::PASSWORD)
        .await?;
    let coordinator = client.login(seed::COORDINATOR, seed::PASSWORD).await?;
    let cookie = client
        .dashboard_session("physician0@bench.example", seed::PASSWORD)
        .await?;
    let team = &clinic.first_team;
    let mut out = Vec::new();
    for (name, path, token) in [
        ("worklist", "/v1/worklist".to_owned(), &token),
        (
            "worklist, coordinator",
            "/v1/worklist".to_owned(),
            &coordinator,
        ),
        ("alert list", "/v1/alerts?status=active".to_owned(), &token),
        ("timeline", String::new(), &token),
        (
            "dashboard: worklist page",
            "/dashboard/".to_owned(),
            &cookie,
        ),
        ("dashboard: patient page", String::new(), &cookie),
    ] {
        let page = name.starts_with("dashboard");
        let mut latencies = Latencies::default();
        for n in 0..samples + 10 {
            let path = match (path.is_empty(), page) {
                (true, false) => format!("/v1/patients/{}/timeline", team[n % team.len()]),
                (true, true) => format!("/dashboard/patients/{}", team[n % team.len()]),
                _ => path.clone(),
            };
            let started = Instant::now();
            let status = if page {
                client.get_page_status(&path, token).await?
            } else {
                client.get_status(&path, Some(token)).await?
            };
            anyhow::ensure!(status == 200, "{path} answered {status}");
            if n >= 10 {
                latencies.record(started.elapsed());
            }
        }
        out.push((name, latencies));
    }
    Ok(out)
}
