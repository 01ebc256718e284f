//! The stores the photo tests run against: the local directory, and an
//! S3-compatible server (moto, tests/peers/s3.py) where
//! AFTERCARE_TEST_PEERS_PYTHON names a Python that has it (`.ci/run` makes
//! one). Each lists what it holds, so that a test can tell that a refused
//! upload left nothing behind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::helpers::{spawn_app_with, TestApp};

pub enum Store {
    /// The default: a directory beside the database.
    Local,
    S3(S3Server),
}

pub struct S3Server {
    child: Child,
    pub endpoint: String,
    pub bucket: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// A server with one bucket, or None (with a note) without the peers'
    /// Python.
    pub fn start() -> Option<Self> {
        let Ok(python) = std::env::var("AFTERCARE_TEST_PEERS_PYTHON") else {
            eprintln!("S3 store skipped: AFTERCARE_TEST_PEERS_PYTHON is unset (see tests/peers)");
            return None;
        };
        let bucket = "aftercare-photos".to_owned();
        let mut child = Command::new(python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/s3.py"))
            .arg(&bucket)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the S3 server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut line)
            .expect("the S3 server says where it listens");
        let port: serde_json::Value = serde_json::from_str(&line).expect("its port");
        Some(Self {
            child,
            endpoint: format!("http://127.0.0.1:{}", port["port"]),
            bucket,
        })
    }

    /// The keys the bucket holds under `prefix`.
    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        let listing = reqwest::get(format!(
            "{}/{}?list-type=2&prefix={prefix}",
            self.endpoint, self.bucket
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|part| part.split_once("</Key>").map(|(key, _)| key.to_owned()))
            .collect()
    }
}

/// The local store, and the S3 one where it can run.
pub fn stores() -> Vec<Store> {
    let mut stores = vec![Store::Local];
    stores.extend(S3Server::start().map(Store::S3));
    stores
}

/// The prefix the tests' S3 store keeps photos under.
const PREFIX: &str = "clinic-a";

impl Store {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Local => "local directory",
            Self::S3(_) => "S3",
        }
    }

    /// A service that keeps its photos here; `broken`: a store that
    /// cannot be written (a file where the photos directory goes, a bucket
    /// that does not exist).
    pub async fn app(&self, broken: bool) -> TestApp {
        match self {
            Self::Local => {
                let app = spawn_app_with(&[]).await;
                if broken {
                    let media = local_directory(&app);
                    std::fs::create_dir_all(&media).unwrap();
                    std::fs::write(media.join("photos"), b"in the way").unwrap();
                }
                app
            }
            Self::S3(server) => {
                let bucket = if broken {
                    "no-such-bucket"
                } else {
                    server.bucket.as_str()
                };
                let store = format!("s3://{bucket}/{PREFIX}/");
                spawn_app_with(&[
                    ("AFTERCARE_MEDIA_STORE", &store),
                    ("AWS_ENDPOINT_URL", &server.endpoint),
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_ACCESS_KEY_ID", "testing"),
                    ("AWS_SECRET_ACCESS_KEY", "testing"),
                ])
                .await
            }
        }
    }

    /// The objects the app's store holds, as paths below the store.
    pub async fn objects(&self, app: &TestApp) -> Vec<String> {
        match self {
            Self::Local => {
                let root = local_directory(app);
                let mut found: Vec<String> = walk(&root)
                    .into_iter()
                    .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
                    .collect();
                found.sort();
                found
            }
            Self::S3(server) => {
                let mut found: Vec<String> = server
                    .keys(&format!("{PREFIX}/"))
                    .await
                    .into_iter()
                    .map(|key| key.trim_start_matches(&format!("{PREFIX}/")).to_owned())
                    .collect();
                found.sort();
                found
            }
        }
    }

    /// Makes a broken store work again.
    pub fn mend(&self, app: &TestApp) {
        if let Self::Local = self {
            let _ = std::fs::remove_file(local_directory(app).join("photos"));
        }
    }
}

fn local_directory(app: &TestApp) -> std::path::PathBuf {
    std::path::PathBuf::from(app.media_store.strip_prefix("file://").unwrap())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flat_map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path)
            } else if path.file_name().is_some_and(|name| name == "photos") {
                // The file a broken store has in the way.
                Vec::new()
            } else {
                vec![path]
            }
        })
        .collect()
}
