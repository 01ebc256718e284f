//! The reminder tests' loopback peers (tests/peers/peers.py): a Web Push
//! service that decrypts what it is sent and checks the VAPID token, and
//! an SMTP server that records every message. They run on the Python
//! named by AFTERCARE_TEST_PEERS_PYTHON, which has the packages of
//! tests/peers/requirements.txt (`.ci/run` makes it).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub struct Peers {
    child: Child,
    pub http: String,
    pub smtp_port: u16,
    client: reqwest::Client,
}

impl Peers {
    /// The peers, or None (with a note) where AFTERCARE_TEST_PEERS_PYTHON
    /// is unset: a machine without their Python packages.
    pub fn start() -> Option<Self> {
        let Ok(python) = std::env::var("AFTERCARE_TEST_PEERS_PYTHON") else {
            eprintln!("skipped: AFTERCARE_TEST_PEERS_PYTHON is unset (see tests/peers)");
            return None;
        };
        let mut child = Command::new(python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/peers.py"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("the peers start");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("the peers' stdout"))
            .read_line(&mut line)
            .expect("the peers say where they listen");
        let ports: Value = serde_json::from_str(&line).expect("the peers' ports");
        Some(Self {
            child,
            http: format!("http://127.0.0.1:{}", ports["http_port"]),
            smtp_port: u16::try_from(ports["smtp_port"].as_u64().unwrap()).unwrap(),
            client: reqwest::Client::new(),
        })
    }

    /// A new subscription, as a browser's `PushSubscription.toJSON()`.
    pub async fn subscription(&self) -> Value {
        self.client
            .post(format!("{}/subscriptions", self.http))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The next answers of the push endpoint (then 201).
    pub async fn script(&self, endpoint: &str, statuses: &[u16]) {
        let id = endpoint.rsplit('/').next().unwrap();
        self.client
            .post(format!("{}/script/{id}", self.http))
            .json(statuses)
            .send()
            .await
            .unwrap();
    }

    async fn list(&self, what: &str) -> Vec<Value> {
        self.client
            .get(format!("{}/{what}", self.http))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Every push received, decrypted and checked.
    pub async fn pushes(&self) -> Vec<Value> {
        self.list("pushes").await
    }

    pub async fn mail(&self) -> Vec<Value> {
        self.list("mail").await
    }

    /// Waits (up to `within`) for at least `count` pushes and `mails`
    /// messages.
    pub async fn wait_for(&self, pushes: usize, mails: usize, within: Duration) {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if self.pushes().await.len() >= pushes && self.mail().await.len() >= mails {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Peers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
