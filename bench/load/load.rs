//! The load generator: an HTTP client (reqwest, one connection per request
//! in flight), closed-loop saturation, open-loop fixed offered load (latency
//! counted from the moment a request was due, so a slow server cannot hide
//! its queue), latency histograms (HdrHistogram) and the storage ceiling.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aftercare::db::audit::AuditEvent;
use aftercare::db::checkins::{self, Checkin};
use aftercare::db::findings::{self, NewFinding};
use aftercare::db::Db;
use aftercare::domain::triage::{Level, Rule};
use anyhow::Context;
use hdrhistogram::Histogram;
use serde_json::{json, Value};

use crate::seed::Clinic;

/// Latencies in microseconds, from 1 µs to 60 s at three significant digits.
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Self {
        Self(Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds"))
    }
}

impl Latencies {
    pub fn record(&mut self, value: Duration) {
        let micros = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
        self.0.saturating_record(micros.max(1));
    }

    pub fn p(&self, quantile: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        Duration::from_micros(self.0.value_at_quantile(quantile))
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What one phase did.
#[derive(Default)]
pub struct Outcome {
    pub latencies: Latencies,
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// The first few failures, to say why.
    pub failures: Vec<String>,
}

impl Outcome {
    /// Counts one request's result; its latency runs from `since`.
    fn note(&mut self, result: anyhow::Result<bool>, since: Instant) {
        let why = match result {
            Ok(true) => {
                self.latencies.record(since.elapsed());
                self.ok += 1;
                return;
            }
            Ok(false) => "an unexpected answer".to_owned(),
            Err(error) => error.to_string(),
        };
        self.errors += 1;
        if self.failures.len() < 3 {
            self.failures.push(why);
        }
    }
}

impl Outcome {
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    pub fn new(base: &str, connections: usize) -> Self {
        Self {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(connections)
                // Shorter than the service's keep-alive (5 s): a connection
                // the service is closing is never picked for a request,
                // which would fail with nothing sent (between phases).
                .pool_idle_timeout(Duration::from_secs(2))
                .timeout(Duration::from_secs(30))
                .build()
                .expect("an HTTP client"),
            base: base.to_owned(),
        }
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        anyhow::ensure!(status.is_success(), "{path}: {status} {answer}");
        Ok(answer)
    }

    pub async fn get_status(&self, path: &str, token: Option<&str>) -> anyhow::Result<u16> {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        response.bytes().await?;
        Ok(status)
    }

    /// Signs in to the dashboard through its form, as a browser would; returns
    /// the Cookie header of the session.
    pub async fn dashboard_session(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let cookie_of = |response: &reqwest::Response, name: &str| {
            response
                .headers()
                .get_all(reqwest::header::SET_COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find(|value| value.starts_with(&format!("{name}=")))
                .and_then(|value| value.split(';').next())
                .map(str::to_owned)
        };
        let form = browser
            .get(format!("{}/dashboard/login", self.base))
            .send()
            .await?;
        let csrf_cookie = cookie_of(&form, "aftercare_login_csrf")
            .ok_or_else(|| anyhow::anyhow!("the sign-in form set no CSRF cookie"))?;
        let body = form.text().await?;
        let at = body
            .find("name=\"csrf\" value=\"")
            .ok_or_else(|| anyhow::anyhow!("the sign-in form has no CSRF field"))?;
        let csrf = body[at + 19..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned();
        let signed_in = browser
            .post(format!("{}/dashboard/login", self.base))
            .header(reqwest::header::COOKIE, csrf_cookie)
            .header(reqwest::header::ORIGIN, self.base.clone())
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await?;
        anyhow::ensure!(
            signed_in.status() == 303,
            "dashboard sign-in: {}",
            signed_in.status()
        );
        cookie_of(&signed_in, "aftercare_session")
            .ok_or_else(|| anyhow::anyhow!("the dashboard set no session cookie"))
    }

    /// A page of the dashboard with the session's cookie; its status.
    pub async fn get_page_status(&self, path: &str, cookie: &str) -> anyhow::Result<u16> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await?;
        let status = response.status().as_u16();
        response.bytes().await?;
        Ok(status)
    }

    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let response = self
            .http
            .post(format!("{}/v1/auth/login", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await?;
        let status = response.status();
        let answer: Value = response.json().await?;
        anyhow::ensure!(status.is_success(), "login {email}: {status} {answer}");
        Ok(answer["access_token"]
            .as_str()
            .context("no access token")?
            .to_owned())
    }
}

/// `concurrency` requests in flight, each sent as soon as the one before
/// it answered, for `length`. `send(n)` makes the n-th request and says
/// whether it succeeded.
pub async fn closed_loop<F, Fut>(concurrency: usize, length: Duration, send: F) -> Outcome
where
    F: Fn(usize) -> Fut + 'static,
    Fut: Future<Output = anyhow::Result<bool>> + 'static,
{
    let send = Rc::new(send);
    let next = Rc::new(AtomicUsize::new(0));
    let outcome = Rc::new(RefCell::new(Outcome::default()));
    let started = Instant::now();
    let deadline = started + length;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (send, next, outcome) = (send.clone(), next.clone(), outcome.clone());
            actix_web::rt::spawn(async move {
                while Instant::now() < deadline {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let sent = Instant::now();
                    let result = send(n).await;
                    outcome.borrow_mut().note(result, sent);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let mut result = std::mem::take(&mut *outcome.borrow_mut());
    result.elapsed = started.elapsed();
    result
}

/// `rate` requests a second for `length`, each sent when due whatever the
/// server is doing; a request's latency runs from when it was due.
pub async fn open_loop<F, Fut>(rate: u64, length: Duration, send: F) -> Outcome
where
    F: Fn(usize) -> Fut + 'static,
    Fut: Future<Output = anyhow::Result<bool>> + 'static,
{
    let total = usize::try_from(rate * length.as_secs()).unwrap_or(usize::MAX);
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let outcome = Rc::new(RefCell::new(Outcome::default()));
    let started = Instant::now();
    let mut requests = Vec::with_capacity(total);
    let due = |n: usize| started + interval.mul_f64(n as f64);
    let mut n = 0;
    while n < total {
        // The timer wakes at most once a millisecond, and later when this
        // thread is busy: every request due by now goes out at once.
        let now = Instant::now();
        while n < total && due(n) <= now {
            let (request, outcome, due) = (send(n), outcome.clone(), due(n));
            requests.push(actix_web::rt::spawn(async move {
                let result = request.await;
                outcome.borrow_mut().note(result, due);
            }));
            n += 1;
        }
        if n < total {
            actix_web::rt::time::sleep_until(due(n).into()).await;
        }
    }
    for request in requests {
        let _ = request.await;
    }
    let mut result = std::mem::take(&mut *outcome.borrow_mut());
    result.elapsed = started.elapsed();
    result
}

/// Check-in bodies as the app sends them on a quiet day: the three local
/// questions answered, now and then a slight headache or tiredness,
/// nothing that raises an alert. The answers of the saturation phase are
/// kept, so that the storage ceiling inserts the same rows.
#[derive(Clone, Default)]
pub struct Bodies {
    answers: Arc<Mutex<Vec<Value>>>,
}

impl Bodies {
    pub fn checkin(&self, n: usize) -> Value {
        let mut symptoms = json!({"redness": 0, "swelling": 0, "pain": 0});
        match n % 10 {
            0 => symptoms["fatigue"] = json!(1),
            5 => symptoms["headache"] = json!(1),
            _ => {}
        }
        json!({"client_id": format!("load-{n}"), "symptoms": symptoms})
    }

    pub fn keep(&self, answer: Value) {
        if let Ok(mut answers) = self.answers.lock() {
            if answers.len() < 1000 {
                answers.push(answer);
            }
        }
    }

    pub fn kept(&self) -> Vec<Value> {
        self.answers.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

/// The rows one answered check-in stored: the check-in with its answer,
/// its symptoms, its findings and the audit event.
struct Rows {
    checkin: Checkin,
    symptoms: Vec<(String, i32)>,
    findings: Vec<(Rule, Level, String)>,
}

fn rows_of(answer: &Value, patient_id: &str, recorded_by: &str) -> anyhow::Result<Rows> {
    let checkin = &answer["checkin"];
    let symptoms: Vec<(String, i32)> = checkin["symptoms"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        i32::try_from(v.as_i64().unwrap_or(0)).unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Rows {
        checkin: Checkin {
            id: String::new(),
            treatment_id: checkin["treatment_id"]
                .as_str()
                .context("treatment")?
                .to_owned(),
            patient_id: patient_id.to_owned(),
            client_id: String::new(),
            request_hash: format!("{:064x}", 0),
            day: i32::try_from(checkin["day"].as_i64().unwrap_or(0)).unwrap_or(0),
            observed_at: chrono::Utc::now().naive_utc(),
            received_at: chrono::Utc::now().naive_utc(),
            glucose_value: None,
            glucose_unit: None,
            glucose_mg_dl: None,
            systolic_bp: None,
            temperature_c: None,
            missed_normal_activities: None,
            missed_work: None,
            medical_care: None,
            note: None,
            recorded_by: recorded_by.to_owned(),
            recorded_by_role: checkin["recorded_by_role"].as_str().map(str::to_owned),
            triage_level: answer["triage"]["level"]
                .as_str()
                .and_then(Level::parse)
                .unwrap_or(Level::None),
            response: answer.to_string(),
            present_symptoms: checkins::present_symptoms(
                symptoms.iter().map(|(s, v)| (s.as_str(), *v)),
            ),
        },
        symptoms,
        findings: answer["triage"]["findings"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|f| {
                        Some((
                            Rule::parse(f["rule"].as_str()?)?,
                            Level::parse(f["level"].as_str()?)?,
                            f["reasons"].to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The storage's ceiling: the rows the saturation phase's check-ins stored,
/// inserted again (new ids), one transaction per check-in, through a pool
/// like the service's and the same insert functions, from `concurrency`
/// tasks, without HTTP, authentication, reads or triage.
pub async fn storage_ceiling(
    db: &Db,
    clinic: &Clinic,
    answers: &[Value],
    concurrency: usize,
    length: Duration,
) -> anyhow::Result<Outcome> {
    let owners = clinic.treatment_owners();
    let templates: Vec<Rows> = answers
        .iter()
        .filter_map(|answer| {
            let treatment = answer["checkin"]["treatment_id"].as_str()?;
            let recorded_by = answer["checkin"]["recorded_by"].as_str()?;
            let patient = owners.get(treatment)?;
            rows_of(answer, patient, recorded_by).ok()
        })
        .collect();
    anyhow::ensure!(!templates.is_empty(), "no check-in answers to replay");
    let templates = Arc::new(templates);
    let db = db.clone();
    Ok(closed_loop(concurrency, length, move |n| {
        let (db, templates) = (db.clone(), templates.clone());
        async move {
            let template = &templates[n % templates.len()];
            let mut row = template.checkin.clone();
            row.id = uuid::Uuid::new_v4().to_string();
            row.client_id = format!("storage-{n}");
            let now = chrono::Utc::now().naive_utc();
            row.observed_at = now;
            row.received_at = now;
            let symptoms = template.symptoms.clone();
            let findings: Vec<(String, Rule, Level, String)> = template
                .findings
                .iter()
                .map(|(rule, level, reasons)| {
                    (
                        uuid::Uuid::new_v4().to_string(),
                        *rule,
                        *level,
                        reasons.clone(),
                    )
                })
                .collect();
            let event = AuditEvent {
                id: uuid::Uuid::new_v4().to_string(),
                at: now,
                actor_id: row.recorded_by.clone(),
                actor_role: aftercare::domain::accounts::Role::Patient,
                action: "create".to_owned(),
                patient_id: row.patient_id.clone(),
                resource_type: "checkin".to_owned(),
                resource_id: row.id.clone(),
                request_id: Some(uuid::Uuid::new_v4().to_string()),
            };
            db.transaction(move |conn| {
                let symptoms: Vec<(&str, i32)> =
                    symptoms.iter().map(|(s, v)| (s.as_str(), *v)).collect();
                let findings: Vec<NewFinding<'_>> = findings
                    .iter()
                    .map(|(id, rule, level, reasons)| {
                        NewFinding::current(id, &row.id, *rule, *level, reasons, false)
                    })
                    .collect();
                checkins::insert(conn, &row, &symptoms)?;
                findings::insert_finding_rows(conn, &findings)?;
                aftercare::db::audit::append(conn, &[event])
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(true)
        }
    })
    .await)
}

/// The database's own one-row ceiling, measured by the database's own
/// tools, independent of the service: one connection committing one INSERT
/// of a narrow row per transaction, as fast as it can, for `length`.
/// SQLite through Python's sqlite3 (WAL, synchronous=NORMAL), PostgreSQL
/// through pgbench (one client, a one-INSERT script). Commits per second,
/// or why it could not be measured.
pub fn one_row_ceiling(
    url: &str,
    scratch: &std::path::Path,
    length: Duration,
) -> Result<f64, String> {
    let seconds = length.as_secs().max(1);
    let output = if url.starts_with("postgres") {
        let script = scratch.join("one_row.sql");
        std::fs::write(&script, "INSERT INTO ceiling_rows (at) VALUES (now());\n")
            .map_err(|e| e.to_string())?;
        let psql = |sql: &str| {
            std::process::Command::new("psql")
                .args([url, "-q", "-c", sql])
                .status()
                .map_err(|e| format!("psql: {e}"))
        };
        psql("CREATE TABLE ceiling_rows (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL)")?;
        let run = std::process::Command::new("pgbench")
            .args(["-n", "-c", "1", "-T", &seconds.to_string(), "-f"])
            .arg(&script)
            .arg(url)
            .output()
            .map_err(|e| format!("pgbench: {e}"));
        psql("DROP TABLE ceiling_rows")?;
        run?
    } else {
        std::process::Command::new("python3")
            .args(["-c", PYTHON_ONE_ROW])
            .arg(scratch.join("one_row.db"))
            .arg(seconds.to_string())
            .output()
            .map_err(|e| format!("python3: {e}"))?
    };
    let text = String::from_utf8_lossy(&output.stdout);
    // pgbench: "tps = 3085.123456 (without initial connection time)";
    // the script below: "tps = 17565.1".
    text.lines()
        .find_map(|line| line.trim().strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .ok_or_else(|| {
            format!(
                "no rate in: {text}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

/// One INSERT per transaction into a fresh SQLite file for N seconds.
const PYTHON_ONE_ROW: &str = r#"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE ceiling_rows (id INTEGER PRIMARY KEY, at TEXT NOT NULL)")
end = time.monotonic() + float(sys.argv[2])
n = 0
start = time.monotonic()
while time.monotonic() < end:
    db.execute("BEGIN")
    db.execute("INSERT INTO ceiling_rows (at) VALUES ('2026-12-01 00:00:00')")
    db.execute("COMMIT")
    n += 1
print("tps = %.1f" % (n / (time.monotonic() - start)))
"#;
