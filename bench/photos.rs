//! Photos from a phone camera: a 12-megapixel JPEG of about 4 MB (EXIF
//! with an orientation and a GPS position, as a camera writes it) is
//! processed as the service keeps it (decoded, turned upright, at most
//! 2048 px, encoded again, a thumbnail), first on the bench's own thread,
//! then uploaded to the release binary pinned to one core, one upload at a
//! time; then eight uploads at once to the binary on every core, with its
//! resident memory sampled throughout.
//!
//! `cargo bench --bench photos` (SQLite in a temporary directory);
//! `-- --uploads 5 --rounds 1` for a short run.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aftercare::photos::process::process;
use anyhow::Context;
use clap::Parser;
use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, Rgb, RgbImage};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "Photo uploads: processing time on one core and memory under concurrent uploads")]
struct Args {
    /// Uploads timed one at a time (and in-process runs).
    #[arg(long, default_value_t = 15)]
    uploads: usize,
    /// Rounds of concurrent uploads.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Uploads at once in each round.
    #[arg(long, default_value_t = 8)]
    concurrent: usize,
}

const WIDTH: u32 = 4032;
const HEIGHT: u32 = 3024;
const PASSWORD: &str = "bench photo password";

/// A camera's picture: smooth light with sensor noise (which is what makes
/// a camera JPEG big), as quality 92 with an EXIF block in front.
fn camera_jpeg(seed: u32) -> anyhow::Result<Vec<u8>> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let mut noise = move || {
        // xorshift32: cheap, deterministic grain.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        i32::try_from(state % 25).unwrap_or(0) - 12
    };
    let image = RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let base = [
            150 + i32::try_from(x * 60 / WIDTH).unwrap_or(0),
            90 + i32::try_from(y * 50 / HEIGHT).unwrap_or(0),
            80,
        ];
        let grain = noise();
        Rgb(base.map(|c| u8::try_from((c + grain).clamp(0, 255)).unwrap_or(0)))
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 92).write_image(
        image.as_raw(),
        WIDTH,
        HEIGHT,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(with_exif(&jpeg))
}

/// The JPEG with an APP1 EXIF segment (orientation 6, a GPS IFD) after
/// its SOI.
fn with_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

struct Service {
    child: Child,
    base: String,
}

impl Service {
    /// The release binary on a SQLite file in `dir`, on the given cores
    /// (`taskset`), or on all of them.
    async fn start(dir: &std::path::Path, cores: Option<&str>) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::File::create(dir.join("service.log"))?;
        let binary = env!("CARGO_BIN_EXE_aftercare");
        let mut command = match cores {
            Some(cores) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", cores, binary]);
                taskset
            }
            None => Command::new(binary),
        };
        let child = command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.join("photos.db").display()),
            )
            .env("AFTERCARE_BIND", format!("127.0.0.1:{port}"))
            .env("AFTERCARE_ADMIN_EMAIL", "admin@bench.example")
            .env("AFTERCARE_ADMIN_PASSWORD", "bench-admin-password")
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
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("the service did not become ready")
    }

    /// A field of /proc/<pid>/status in KiB (VmRSS:, VmHWM:). Under
    /// taskset the service is the child's own process (taskset execs).
    fn status_kib(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {field}"))
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

/// A patient with a treatment, through the API; the patient's token and
/// the treatment.
async fn clinic(client: &reqwest::Client, base: &str) -> anyhow::Result<(String, String)> {
    let post = |path: &str, token: Option<&str>, body: Value| {
        let path = path.to_owned();
        let mut request = client.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await?;
            let status = response.status();
            let body: Value = response.json().await?;
            anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
            anyhow::Ok(body)
        }
    };
    let admin = post(
        "/v1/auth/login",
        None,
        json!({"email": "admin@bench.example", "password": "bench-admin-password"}),
    )
    .await?["access_token"]
        .as_str()
        .context("no token")?
        .to_owned();
    post(
        "/v1/users",
        Some(&admin),
        json!({"email": "dr@bench.example", "password": PASSWORD, "role": "physician",
               "display_name": "Dr Bench"}),
    )
    .await?;
    let physician = post(
        "/v1/auth/login",
        None,
        json!({"email": "dr@bench.example", "password": PASSWORD}),
    )
    .await?["access_token"]
        .as_str()
        .context("no token")?
        .to_owned();
    let patient = post(
        "/v1/patients",
        Some(&physician),
        json!({"display_name": "Photo Patient", "timezone": "Asia/Tokyo", "locale": "ja"}),
    )
    .await?;
    let code = patient["invite"]["code"].as_str().context("no invite")?;
    let token = post(
        "/v1/auth/register",
        None,
        json!({"invite_code": code, "email": "patient@bench.example", "password": PASSWORD}),
    )
    .await?["access_token"]
        .as_str()
        .context("no token")?
        .to_owned();
    let given = chrono::Utc::now() - chrono::Duration::hours(30);
    let treatment = post(
        &format!(
            "/v1/patients/{}/treatments",
            patient["id"].as_str().unwrap_or_default()
        ),
        Some(&physician),
        json!({"kind": "injection", "sites": ["face"], "product": "Exo-X", "administered_at": given,
               "screening": {"cancer_treatment": false, "pregnant": false, "breastfeeding": false,
                             "planning_pregnancy": false}}),
    )
    .await?["id"]
        .as_str()
        .context("no treatment")?
        .to_owned();
    Ok((token, treatment))
}

/// A new check-in of the treatment (each upload gets its own, so that
/// none is a repeat of another).
async fn checkin(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    treatment: &str,
) -> anyhow::Result<String> {
    let response = client
        .post(format!("{base}/v1/treatments/{treatment}/checkins"))
        .bearer_auth(token)
        .json(&json!({"client_id": uuid::Uuid::new_v4().to_string(), "symptoms": {"redness": 1}}))
        .send()
        .await?;
    let body: Value = response.json().await?;
    Ok(body["checkin"]["id"]
        .as_str()
        .with_context(|| format!("no check-in: {body}"))?
        .to_owned())
}

/// One upload, timed from the first byte sent to the answer.
async fn upload(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    checkin: &str,
    photo: Vec<u8>,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/v1/checkins/{checkin}/photos"))
        .bearer_auth(token)
        .header("Content-Type", "image/jpeg")
        .body(photo)
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await?;
    anyhow::ensure!(status.as_u16() == 201, "upload: {status} {body}");
    Ok(started.elapsed())
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse_from(std::env::args().filter(|a| a != "--bench"));
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let made = Instant::now();
    let photos: Vec<Vec<u8>> = (0..2).map(camera_jpeg).collect::<Result<_, _>>()?;
    let size = photos[0].len();
    println!(
        "a {WIDTH}x{HEIGHT} camera JPEG of {:.1} MB (made in {})",
        size as f64 / 1e6,
        ms(made.elapsed())
    );

    // The processing alone, on this thread.
    let mut alone = Vec::new();
    for _ in 0..args.uploads {
        let started = Instant::now();
        let kept = process(&photos[0]).map_err(|r| anyhow::anyhow!("refused: {r:?}"))?;
        alone.push(started.elapsed());
        anyhow::ensure!(
            (kept.full.width, kept.full.height) == (1536, 2048),
            "turned upright and 2048 px high"
        );
    }
    alone.sort();

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;

    // One upload at a time to the service on one core.
    let dir = tempfile::tempdir()?;
    let one = {
        let service = Service::start(dir.path(), Some("0")).await?;
        let (token, treatment) = clinic(&client, &service.base).await?;
        let mut times = Vec::new();
        for index in 0..args.uploads {
            let id = checkin(&client, &service.base, &token, &treatment).await?;
            let photo = photos[index % photos.len()].clone();
            times.push(upload(&client, &service.base, &token, &id, photo).await?);
        }
        times.sort();
        times
    };

    // Uploads at once to the service on every core, memory sampled.
    let dir = tempfile::tempdir()?;
    let service = Service::start(dir.path(), None).await?;
    let (token, treatment) = clinic(&client, &service.base).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = service.status_kib("VmRSS:")?;
    let peak = Arc::new(Mutex::new(idle));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        let path = format!("/proc/{}/status", service.child.id());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(status) = std::fs::read_to_string(&path) {
                    let rss = status
                        .lines()
                        .find_map(|l| l.strip_prefix("VmRSS:"))
                        .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
                    if let (Some(rss), Ok(mut peak)) = (rss, peak.lock()) {
                        *peak = (*peak).max(rss);
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut together = Vec::new();
    for _ in 0..args.rounds {
        let mut ids = Vec::new();
        for _ in 0..args.concurrent {
            ids.push(checkin(&client, &service.base, &token, &treatment).await?);
        }
        let started = Instant::now();
        let uploads = ids.iter().enumerate().map(|(index, id)| {
            let photo = photos[index % photos.len()].clone();
            let (client, base, token) = (&client, &service.base, &token);
            async move { upload(client, base, token, id, photo).await }
        });
        for result in futures_util::future::join_all(uploads).await {
            result?;
        }
        together.push(started.elapsed());
    }
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.await?;
    let sampled = peak.lock().map(|p| *p).unwrap_or(0);
    let high_water = service.status_kib("VmHWM:")?;
    let peak_rss = sampled.max(high_water);
    together.sort();

    let mib = |kib: u64| format!("{:.0} MiB", kib as f64 / 1024.0);
    let verdict = |ok: bool| if ok { "yes" } else { "NO" };
    println!();
    println!("| figure | value | target | met |");
    println!("|---|---|---|---|");
    println!(
        "| processing alone, one thread, p50 ({} runs) | {} (min {}, max {}) | | |",
        alone.len(),
        ms(percentile(&alone, 0.5)),
        ms(alone[0]),
        ms(alone[alone.len() - 1])
    );
    let p50 = percentile(&one, 0.5);
    println!(
        "| upload accepted and processed, service on one core, p50 ({} uploads) | {} (p90 {}) | under 400 ms | {} |",
        one.len(),
        ms(p50),
        ms(percentile(&one, 0.9)),
        verdict(p50 < Duration::from_millis(400))
    );
    println!(
        "| {} uploads at once, all answered, median round ({} rounds) | {} | | |",
        args.concurrent,
        together.len(),
        ms(percentile(&together, 0.5))
    );
    println!("| resident memory, idle | {} | | |", mib(idle));
    println!(
        "| resident memory, peak during the rounds | {} | under 256 MiB | {} |",
        mib(peak_rss),
        verdict(peak_rss < 256 * 1024)
    );
    Ok(())
}
