//! GET /v1/events: the live event stream, read as a browser's EventSource
//! would read it.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(5);

/// One block of the stream: an event, or a comment (`: ...`), or a
/// `retry:` field.
#[derive(Debug, Default, Clone)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Option<Value>,
    pub comment: Option<String>,
    pub retry: Option<String>,
}

pub struct EventStream {
    chunks: futures_util::stream::BoxStream<'static, reqwest::Result<actix_web::web::Bytes>>,
    buffer: String,
    pub content_type: String,
}

impl EventStream {
    /// Opens the stream; a refusal is the reply, checked against openapi.yaml.
    pub async fn open(
        app: &TestApp,
        token: Option<&str>,
        last_event_id: Option<&str>,
    ) -> Result<EventStream, Reply> {
        let mut request = app.client.get(format!("{}/v1/events", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.expect("request failed");
        if response.status() != 200 {
            let reply = app.send_received(response).await;
            crate::spec::check_against_spec("GET", "/v1/events", &reply);
            return Err(reply);
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(EventStream {
            chunks: response.bytes_stream().boxed(),
            buffer: String::new(),
            content_type,
        })
    }

    /// The next block within `within`; None when the stream ended or
    /// nothing came.
    pub async fn next(&mut self, within: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(&block));
            }
            let chunk = tokio::time::timeout_at(deadline, self.chunks.next()).await;
            match chunk {
                Ok(Some(Ok(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// The next event, skipping comments and `retry:`.
    pub async fn next_event(&mut self, within: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.next(left).await?;
            if frame.event.is_some() {
                return Some(frame);
            }
        }
    }

    /// Whether the server ended the stream within `within`.
    pub async fn ends_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.chunks.next()).await {
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => {}
                Err(_) => return false,
            }
        }
    }
}

fn parse(block: &str) -> Frame {
    let mut frame = Frame::default();
    for line in block.lines() {
        if let Some(comment) = line.strip_prefix(':') {
            frame.comment = Some(comment.trim().to_owned());
        } else if let Some((field, value)) = line.split_once(": ") {
            match field {
                "id" => frame.id = Some(value.to_owned()),
                "event" => frame.event = Some(value.to_owned()),
                "data" => frame.data = Some(serde_json::from_str(value).expect("data is JSON")),
                "retry" => frame.retry = Some(value.to_owned()),
                other => panic!("unknown field {other} in {block:?}"),
            }
        }
    }
    frame
}

#[actix_web::test]
async fn staff_get_the_alert_events_they_may_see_in_the_clinical_shape() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let mut stream = EventStream::open(app, Some(&clinic.physician), None)
        .await
        .unwrap();
    assert_eq!(stream.content_type, "text/event-stream");
    let first = stream.next(WAIT).await.unwrap();
    assert_eq!(first.retry.as_deref(), Some("5000"));

    let alert_id = clinic.urgent_alert(25).await;
    let event = stream.next_event(WAIT).await.expect("the alert's event");
    assert_eq!(event.event.as_deref(), Some("alert.created"));
    let data = event.data.unwrap();
    assert_eq!(data["type"], "alert.created");
    assert_eq!(data["data"]["alert_id"], alert_id.as_str());
    assert_eq!(data["data"]["patient_id"], clinic.patient_id.as_str());
    assert_eq!(data["data"]["level"], "urgent");
    assert_eq!(data["data"]["rule"], "severe_symptom");
    assert!(event.id.unwrap().chars().all(|c| c.is_ascii_digit()));

    // Another team's patient: not on this physician's stream, on the admin's.
    let admin = app.admin_token().await;
    let mut admins = EventStream::open(app, Some(&admin), None).await.unwrap();
    let (_, other_physician) = app.physician("Dr Other").await;
    let (other_patient, code) = app.patient(&other_physician, "Other Patient").await;
    let other_token = app.register(&code, "other@example.jp").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let treatment = Clinic::give(app, &other_physician, &other_patient, 30).await;
    let reply = app
        .post(
            &format!("/v1/treatments/{treatment}/checkins"),
            Some(&other_token),
            json!({"client_id": "o-1", "symptoms": {"headache": 4}}),
        )
        .await;
    assert_eq!(reply.status, 201);
    let seen = admins.next_event(WAIT).await.expect("the admin sees it");
    assert_eq!(
        seen.data.unwrap()["data"]["patient_id"],
        other_patient.as_str()
    );
    assert!(stream
        .next_event(Duration::from_millis(1500))
        .await
        .is_none());

    // Acting on the alert is an event too.
    let ack = app
        .post(
            &format!("/v1/alerts/{alert_id}/acknowledge"),
            Some(&clinic.physician),
            json!({}),
        )
        .await;
    assert_eq!(ack.status, 200);
    let event = stream.next_event(WAIT).await.unwrap();
    assert_eq!(event.event.as_deref(), Some("alert.acknowledged"));
}

#[actix_web::test]
async fn patients_and_strangers_get_no_stream() {
    let clinic = Clinic::new(30).await;
    let refused = EventStream::open(&clinic.app, Some(&clinic.patient), None).await;
    assert_eq!(refused.err().unwrap().status, 403);
    let anonymous = EventStream::open(&clinic.app, None, None).await;
    assert_eq!(anonymous.err().unwrap().status, 401);
    // Never a token in the query string.
    let reply = clinic
        .app
        .send(clinic.app.client.get(format!(
            "{}/v1/events?access_token={}",
            clinic.app.address, clinic.physician
        )))
        .await;
    assert_eq!(reply.status, 401);
}

/// The connection drops between two alerts; the reconnect names the last
/// event it got and receives the one it missed, then live ones.
#[actix_web::test]
async fn a_reconnect_with_last_event_id_loses_nothing() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let mut stream = EventStream::open(app, Some(&clinic.physician), None)
        .await
        .unwrap();
    let first = clinic.urgent_alert(20).await;
    let got = stream.next_event(WAIT).await.unwrap();
    assert_eq!(got.data.unwrap()["data"]["alert_id"], first.as_str());
    drop(stream);

    let missed = app
        .post(
            &format!("/v1/alerts/{first}/acknowledge"),
            Some(&clinic.physician),
            json!({}),
        )
        .await;
    assert_eq!(missed.status, 200);
    let second = {
        let reply = clinic
            .report(
                26,
                json!({"symptoms": {"throat_tightness": 3, "difficulty_breathing": 3}}),
            )
            .await;
        reply.body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] != first.as_str())
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .unwrap()
    };

    let last_id = got.id.unwrap();
    let mut again = EventStream::open(app, Some(&clinic.physician), Some(&last_id))
        .await
        .unwrap();
    let replayed_ack = again.next_event(WAIT).await.unwrap();
    assert_eq!(replayed_ack.event.as_deref(), Some("alert.acknowledged"));
    assert_eq!(
        replayed_ack.data.unwrap()["data"]["alert_id"],
        first.as_str()
    );
    let replayed = again.next_event(WAIT).await.unwrap();
    assert_eq!(replayed.data.unwrap()["data"]["alert_id"], second.as_str());
    assert!(replayed.id.unwrap() > last_id, "ids sort in stream order");
    // Nothing twice, and live events follow.
    let resolved = app
        .post(
            &format!("/v1/alerts/{first}/resolve"),
            Some(&clinic.physician),
            json!({"outcome": "recovered", "note": "settled"}),
        )
        .await;
    assert_eq!(resolved.status, 200, "{:?}", resolved.body);
    let live = again.next_event(WAIT).await.unwrap();
    assert_eq!(live.event.as_deref(), Some("alert.resolved"));
}

#[actix_web::test]
async fn an_unknown_event_id_is_told_to_resync() {
    let clinic = Clinic::new(30).await;
    let mut stream = EventStream::open(&clinic.app, Some(&clinic.physician), Some("12345"))
        .await
        .unwrap();
    let first = stream.next_event(WAIT).await.unwrap();
    assert_eq!(first.event.as_deref(), Some("resync"));
    let alert = clinic.urgent_alert(25).await;
    let live = stream.next_event(WAIT).await.unwrap();
    assert_eq!(live.data.unwrap()["data"]["alert_id"], alert.as_str());
}

#[actix_web::test]
async fn keep_alive_comments_and_the_stream_ends_with_the_session() {
    let app = spawn_app_with(&[("AFTERCARE_EVENT_KEEPALIVE_SECONDS", "1")]).await;
    let clinic = Clinic::with(app, 30, "Asia/Tokyo", "ja").await;
    let app = &clinic.app;
    let login = app.login("dr.sato@clinic.example", PASSWORD).await;
    let (token, refresh) = (
        login.body["access_token"].as_str().unwrap().to_owned(),
        login.body["refresh_token"].as_str().unwrap().to_owned(),
    );
    let mut stream = EventStream::open(app, Some(&token), None).await.unwrap();
    stream.next(WAIT).await.unwrap();
    let comment = stream.next(Duration::from_secs(3)).await.unwrap();
    assert_eq!(comment.comment.as_deref(), Some("keep-alive"));
    // Signing out ends the stream.
    let out = app
        .post("/v1/auth/logout", None, json!({"refresh_token": refresh}))
        .await;
    assert_eq!(out.status, 204, "{:?}", out.body);
    assert!(stream.ends_within(Duration::from_secs(4)).await);
}

/// Each replica streams what every replica commits: the outbox is the
/// source, not the process that wrote it.
#[actix_web::test]
async fn a_replica_streams_the_events_another_replica_commits() {
    let clinic = Clinic::new(30).await;
    let other = clinic
        .app
        .replica(&[("AFTERCARE_WEBHOOK_POLL_MS", "100")])
        .await;
    let mut stream = EventStream::open(&other, Some(&clinic.physician), None)
        .await
        .unwrap();
    let alert = clinic.urgent_alert(25).await;
    let event = stream
        .next_event(WAIT)
        .await
        .expect("the other replica's event");
    assert_eq!(event.data.unwrap()["data"]["alert_id"], alert.as_str());
}
