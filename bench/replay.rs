//! The rule replay over a million check-ins: the load bench's data
//! generator seeds a clinic whose treatments were all given in the last 60
//! days (so that one replay range of 92 days holds every check-in), then
//! the replay of `POST /v1/triage/replay` runs on this thread, once with
//! the settings in force (it must find exactly what is stored) and with a
//! longer persistence threshold, a few times each. The replay is
//! single-threaded: the CPU time of this thread is the time on one core.
//!
//! cargo bench --bench replay                          # SQLite
//! cargo bench --bench replay -- --postgres postgres://postgres@127.0.0.1:5432/test

#[allow(dead_code)]
#[path = "load/seed.rs"]
mod seed;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aftercare::api::replay::tally;
use aftercare::config::Settings;
use aftercare::db::replay::Range;
use aftercare::db::{Db, DbConnection};
use aftercare::domain::triage::Thresholds;
use anyhow::Context;
use chrono::Utc;
use clap::Parser;
use diesel::prelude::*;

#[derive(Parser)]
struct Args {
    /// A PostgreSQL server URL; a throwaway database is made on it.
    #[arg(long)]
    postgres: Option<String>,
    /// Check-ins to seed.
    #[arg(long, default_value_t = 1_000_000)]
    checkins: usize,
    /// Replays per setting.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, hide = true)]
    bench: bool,
}

/// The target: a replay of a million check-ins on one core.
const TARGET: Duration = Duration::from_secs(15);

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let (url, backend, throwaway) = match &args.postgres {
        None => (
            format!("sqlite://{}", dir.path().join("replay.db").display()),
            "SQLite",
            None,
        ),
        Some(server) => {
            aftercare::db::init_postgres_client();
            let name = format!("aftercare_replay_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(server).context("cannot reach PostgreSQL")?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
            let (base, _) = server
                .rsplit_once('/')
                .context("the PostgreSQL URL names no database")?;
            (format!("{base}/{name}"), "PostgreSQL", Some((admin, name)))
        }
    };
    let result = measure(&args, &url, backend);
    if let Some((mut admin, name)) = throwaway {
        let _ = diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin);
    }
    result
}

fn measure(args: &Args, url: &str, backend: &str) -> anyhow::Result<()> {
    let env: HashMap<String, String> = [("DATABASE_URL".to_owned(), url.to_owned())].into();
    let config = Settings::from_source(&env)?;
    let db = Db::connect(&config.database_url, 2, config.db_checkout_timeout)?;
    db.migrate()?;
    let treatments = (args.checkins / 25).max(1);
    let plan = seed::Plan {
        physicians: 20,
        patients: (treatments / 2).max(1),
        treatments,
        checkins: args.checkins,
        small: 0,
        spread_days: 60,
        fresh: 0,
    };
    eprintln!("[{backend}] generating {} check-ins", args.checkins);
    let started = Instant::now();
    let clinic = seed::Clinic::generate(&plan, Utc::now(), "not-a-password-hash");
    let mut conn = db.pool().get()?;
    clinic.insert_clinic(&mut conn)?;
    seed::insert_batch(&mut conn, &clinic.recent)?;
    seed::insert_batch(&mut conn, &clinic.older)?;
    drop(clinic);
    analyze(&mut conn)?;
    eprintln!("[{backend}] seeded in {:.1?}", started.elapsed());

    let to = Utc::now().date_naive();
    let from = to - chrono::Duration::days(91);
    let range = Range {
        from: from.and_time(chrono::NaiveTime::MIN),
        until: (to + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN),
    };
    println!("\n| {backend}, {} check-ins | wall (median) | CPU of the replay (median) | differing | target |\n|---|---|---|---|---|", args.checkins);
    for persistence_days in [7, 10] {
        let thresholds = Thresholds { persistence_days };
        let mut walls = Vec::new();
        let mut cpus = Vec::new();
        let mut found = None;
        for _ in 0..args.runs {
            let (cpu_before, started) = (thread_cpu()?, Instant::now());
            let result = tally(&mut conn, range, &thresholds)
                .map_err(|error| anyhow::anyhow!("replay failed: {error}"))?;
            walls.push(started.elapsed());
            cpus.push(thread_cpu()? - cpu_before);
            found = Some(result);
        }
        let found = found.context("no run")?;
        anyhow::ensure!(
            found.checkins == args.checkins as u64,
            "the replay saw {} check-ins, not {}",
            found.checkins,
            args.checkins
        );
        if persistence_days == 7 {
            anyhow::ensure!(
                found.differing == 0,
                "with the settings in force {} check-ins differ",
                found.differing
            );
        }
        let (wall, cpu) = (median(&mut walls), median(&mut cpus));
        let met = wall <= TARGET;
        println!(
            "| persistence_days {persistence_days} | {:.2} s | {:.2} s | {} | ≤ 15 s {} |",
            wall.as_secs_f64(),
            cpu.as_secs_f64(),
            found.differing,
            if met { "(met)" } else { "(MISSED)" }
        );
    }
    Ok(())
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// This thread's CPU time (user and system), from /proc in clock ticks of
/// 10 ms.
fn thread_cpu() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat")?;
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("unreadable stat")?
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(Duration::from_millis(ticks * 10))
}

/// Fresh planner statistics after the bulk load, as autovacuum would make.
fn analyze(conn: &mut DbConnection) -> anyhow::Result<()> {
    diesel::sql_query("ANALYZE").execute(conn)?;
    Ok(())
}
