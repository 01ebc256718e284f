//! The service under test, as its release binary in its own process (so
//! that its memory is its own), and a webhook receiver on its own thread.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::load::Latencies;

pub const ADMIN_EMAIL: &str = "admin@bench.example";
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

pub struct Service {
    child: Child,
    pub base: String,
}

/// A field of /proc/<pid>/status, in KiB.
fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

impl Service {
    /// Starts the binary on `url` with the defaults a clinic would run, and
    /// waits until it is ready.
    /// With `profile`, the service runs under `perf record` writing there
    /// (its memory figures are then perf's).
    pub async fn start(url: &str, scratch: &Path, profile: Option<&Path>) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(scratch.join("service.log"))?;
        let binary = env!("CARGO_BIN_EXE_aftercare");
        let mut command = match profile {
            None => Command::new(binary),
            Some(output) => {
                let mut perf = Command::new("perf");
                perf.args(["record", "-F", "499", "-g", "-o"])
                    .arg(output)
                    .arg("--")
                    .arg(binary);
                perf
            }
        };
        // The settings an operator may vary between runs pass through
        // (AFTERCARE_AUDIT_SEAL_SECONDS: how often the audit chain is sealed).
        command.env_clear();
        for name in ["AFTERCARE_AUDIT_SEAL_SECONDS"] {
            if let Ok(value) = std::env::var(name) {
                command.env(name, value);
            }
        }
        let child = command
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", url)
            .env("AFTERCARE_BIND", format!("127.0.0.1:{port}"))
            .env("AFTERCARE_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("AFTERCARE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true")
            .env("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true")
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
        loop {
            if let Ok(response) = client.get(format!("{}/readyz", service.base)).send().await {
                if response.status().is_success() {
                    return Ok(service);
                }
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the service did not become ready"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Resident memory after two quiet seconds.
    pub async fn idle_rss(&self) -> anyhow::Result<u64> {
        actix_web::rt::time::sleep(Duration::from_secs(2)).await;
        status_kib(self.child.id(), "VmRSS:")
    }

    /// The most resident memory the process has had.
    pub fn peak_rss(&self) -> anyhow::Result<u64> {
        status_kib(self.child.id(), "VmHWM:")
    }

    /// Samples resident memory every 100 ms until stopped.
    pub fn sample_rss(&self) -> Sampler {
        let pid = self.child.id();
        let peak = Arc::new(Mutex::new(0));
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = actix_web::rt::spawn({
            let peak = peak.clone();
            async move {
                loop {
                    if let (Ok(kib), Ok(mut peak)) = (status_kib(pid, "VmRSS:"), peak.lock()) {
                        *peak = (*peak).max(kib);
                    }
                    tokio::select! {
                        _ = actix_web::rt::time::sleep(Duration::from_millis(100)) => {}
                        _ = stopped.changed() => break,
                    }
                }
            }
        });
        Sampler { stop, task, peak }
    }

    /// SIGINT (a graceful stop, as SIGTERM; perf passes it on), then waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()?;
        let deadline = Instant::now() + Duration::from_secs(40);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                self.child.kill()?;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

pub struct Sampler {
    stop: tokio::sync::watch::Sender<bool>,
    task: actix_web::rt::task::JoinHandle<()>,
    peak: Arc<Mutex<u64>>,
}

impl Sampler {
    pub async fn stop(self) -> u64 {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        self.peak.lock().map(|p| *p).unwrap_or(0)
    }
}

type Arrivals = Arc<Mutex<HashMap<String, DateTime<Utc>>>>;

/// A webhook receiver that notes when each alert's event arrived.
pub struct Receiver {
    pub url: String,
    arrivals: Arrivals,
}

async fn receive(body: web::Bytes, arrivals: web::Data<Arrivals>) -> HttpResponse {
    let at = Utc::now();
    if let Ok(event) = serde_json::from_slice::<Value>(&body) {
        if let (Some(alert), Ok(mut arrivals)) =
            (event["data"]["alert_id"].as_str(), arrivals.lock())
        {
            arrivals.insert(alert.to_owned(), at);
        }
    }
    HttpResponse::NoContent().finish()
}

impl Receiver {
    pub fn start() -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://127.0.0.1:{}/hook", listener.local_addr()?.port());
        let arrivals: Arrivals = Arc::default();
        let data = web::Data::new(arrivals.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .default_service(web::to(receive))
                })
                .workers(1)
                .listen(listener);
                if let Ok(server) = server {
                    let _ = server.run().await;
                }
            });
        });
        Ok(Self { url, arrivals })
    }

    /// From each check-in's `received_at` to its alert's arrival, waiting at
    /// most `patience` for the last ones.
    pub async fn latencies(
        &self,
        sent: &[(String, DateTime<Utc>)],
        patience: Duration,
    ) -> Latencies {
        latencies_of(&self.arrivals, sent, patience).await
    }
}

/// From each check-in's `received_at` to its alert's arrival, waiting at
/// most `patience` for the last ones.
async fn latencies_of(
    arrivals: &Arrivals,
    sent: &[(String, DateTime<Utc>)],
    patience: Duration,
) -> Latencies {
    let deadline = Instant::now() + patience;
    loop {
        let arrived = arrivals
            .lock()
            .map(|a| sent.iter().all(|(id, _)| a.contains_key(id)))
            .unwrap_or(false);
        if arrived || Instant::now() > deadline {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let mut latencies = Latencies::default();
    if let Ok(arrivals) = arrivals.lock() {
        for (id, received) in sent {
            if let Some(at) = arrivals.get(id) {
                latencies.record((*at - *received).to_std().unwrap_or_default());
            }
        }
    }
    latencies
}

/// A physician's open `GET /v1/events` stream, on its own thread, that
/// notes when each alert's first event arrived.
pub struct StreamListener {
    arrivals: Arrivals,
}

impl StreamListener {
    pub fn start(base: &str, token: &str) -> Self {
        let arrivals: Arrivals = Arc::default();
        let (url, token, noted) = (
            format!("{base}/v1/events"),
            token.to_owned(),
            arrivals.clone(),
        );
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                // The stream ends with the service; what arrived is counted.
                let _ = listen(&url, &token, noted).await;
            });
        });
        Self { arrivals }
    }

    pub async fn latencies(
        &self,
        sent: &[(String, DateTime<Utc>)],
        patience: Duration,
    ) -> Latencies {
        latencies_of(&self.arrivals, sent, patience).await
    }
}

async fn listen(url: &str, token: &str, arrivals: Arrivals) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await?;
    anyhow::ensure!(
        response.status() == 200,
        "the event stream answered {}",
        response.status()
    );
    let mut chunks = response.bytes_stream();
    let mut buffer = String::new();
    while let Some(chunk) = chunks.next().await {
        let at = Utc::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk?));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let data = block.lines().find_map(|line| line.strip_prefix("data: "));
            let event = data.and_then(|data| serde_json::from_str::<Value>(data).ok());
            if let (Some(event), Ok(mut arrivals)) = (event, arrivals.lock()) {
                if let Some(alert) = event["data"]["alert_id"].as_str() {
                    arrivals.entry(alert.to_owned()).or_insert(at);
                }
            }
        }
    }
    Ok(())
}
