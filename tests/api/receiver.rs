//! A webhook receiver on loopback: records every request and answers as
//! scripted (a status, a delay, a Retry-After), then 200.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct Received {
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    pub at: DateTime<Utc>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Verified by the Standard Webhooks reference library.
    pub fn verifies_with(&self, secret: &str) -> bool {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&self.body, &self.headers)
            .is_ok()
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Answer {
    pub status: u16,
    pub delay: Duration,
    pub retry_after: Option<u64>,
}

impl Answer {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            delay: Duration::ZERO,
            retry_after: None,
        }
    }
}

#[derive(Default)]
struct Shared {
    seen: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Answer>>,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
}

async fn record(
    req: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Arc<Shared>>,
) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    shared.seen.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
        at: Utc::now(),
    });
    let answer = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Answer::status(200));
    if !answer.delay.is_zero() {
        actix_web::rt::time::sleep(answer.delay).await;
    }
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(answer.status).unwrap());
    if let Some(seconds) = answer.retry_after {
        response.insert_header(("retry-after", seconds.to_string()));
    }
    response.finish()
}

impl Receiver {
    /// Listens on 127.0.0.1; `host` names it in the URL (an address or
    /// `localhost`).
    pub fn start(host: &str, script: Vec<Answer>) -> Self {
        let shared = Arc::new(Shared::default());
        shared.script.lock().unwrap().extend(script);
        let data = web::Data::new(shared.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(record))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        Self {
            url: format!("http://{host}:{port}/hook"),
            shared,
        }
    }

    pub fn seen(&self) -> Vec<Received> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// Waits (up to `within`) until at least `count` requests arrived.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = std::time::Instant::now() + within;
        loop {
            let seen = self.seen();
            if seen.len() >= count || std::time::Instant::now() > deadline {
                return seen;
            }
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
