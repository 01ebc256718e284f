//! `GET /v1/events`: the live event stream for staff (text/event-stream),
//! with a bearer token or the dashboard's session cookie.
//! Each alert event of the outbox that the caller may see, checked as it is
//! sent, with its stream position as `id`; a reconnect with `Last-Event-ID`
//! gets what it missed (up to a day) from the outbox before the live ones.
//! Memory per connection is bounded: the hub's channel holds at most its
//! capacity, and a stream that falls behind reads the rest from the
//! outbox page by page.

use std::sync::Arc;

use actix_web::web::Bytes;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};

use crate::auth::extractor::{session_revoked, Signed};
use crate::auth::web_session::Session;
use crate::auth::{access, AuthUser};
use crate::clock::now;
use crate::db::outbox::{self, StreamEvent};
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::stream::{sequence, PAGE};

/// How far back a reconnect is answered from the outbox.
const REPLAY: chrono::Duration = chrono::Duration::hours(24);
/// Frames waiting for a slow client before the stream waits for it.
const FRAMES: usize = 16;

pub async fn stream(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let signed = Caller::of(&req, &state).await?;
    signed
        .user
        .require(&[Role::Physician, Role::Nurse, Role::Admin])?;
    // Subscribed before the starting position is read: nothing after it
    // can pass unseen.
    let live = state.events.subscribe();
    let resume = req
        .headers()
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let (frames, rx) = mpsc::channel::<Bytes>(FRAMES);
    actix_web::rt::spawn(async move {
        let mut connection = Connection {
            state,
            caller: signed,
            frames,
            cursor: 0,
        };
        if let Err(error) = connection.serve(live, resume).await {
            tracing::debug!(code = error.code(), "event stream ended");
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|frame| (Ok::<_, std::convert::Infallible>(frame), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-store"))
        // Proxies such as nginx would buffer the stream otherwise.
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}

/// Who reads the stream, and with what: a bearer token (API clients) or
/// the dashboard's session cookie (a browser's EventSource cannot send a
/// header).
struct Caller {
    user: AuthUser,
    expires_at: chrono::DateTime<chrono::Utc>,
    credential: Credential,
}

enum Credential {
    /// The token's session (refresh-token family).
    Token(String),
    /// The hash the dashboard session is stored under.
    Cookie(String),
}

impl Caller {
    async fn of(req: &HttpRequest, state: &AppState) -> Result<Caller, ApiError> {
        if req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION)
        {
            let signed = Signed::from_request(req, &mut actix_web::dev::Payload::None).await?;
            return Ok(Caller {
                user: signed.user,
                expires_at: signed.expires_at,
                credential: Credential::Token(signed.session),
            });
        }
        let session = Session::of(state, req)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        let user = session.caller();
        crate::auth::extractor::require_second_factor(state, &user, req.path())?;
        Ok(Caller {
            user,
            expires_at: session.expires_at,
            credential: Credential::Cookie(session.id_hash),
        })
    }

    /// Whether the sign-in is still valid (not signed out, not revoked).
    async fn still_valid(&self, state: &AppState) -> Result<bool, ApiError> {
        match &self.credential {
            Credential::Token(session) => Ok(!session_revoked(state, session).await?),
            Credential::Cookie(id_hash) => Session::is_live(state, id_hash).await,
        }
    }
}

/// Why a stream stopped sending.
enum End {
    /// The client went away, or its sign-in ended.
    Gone,
    Failed(ApiError),
}

impl From<ApiError> for End {
    fn from(error: ApiError) -> Self {
        End::Failed(error)
    }
}

struct Connection {
    state: web::Data<AppState>,
    caller: Caller,
    frames: mpsc::Sender<Bytes>,
    /// The position of the last event handled (sent or not visible).
    cursor: i64,
}

impl Connection {
    async fn serve(
        &mut self,
        mut live: broadcast::Receiver<Arc<StreamEvent>>,
        resume: Option<String>,
    ) -> Result<(), ApiError> {
        match self.run(&mut live, resume).await {
            Ok(()) | Err(End::Gone) => Ok(()),
            Err(End::Failed(error)) => Err(error),
        }
    }

    async fn run(
        &mut self,
        live: &mut broadcast::Receiver<Arc<StreamEvent>>,
        resume: Option<String>,
    ) -> Result<(), End> {
        self.send(Bytes::from_static(b"retry: 5000\n\n")).await?;
        sequence(&self.state.db).await?;
        self.start(resume).await?;
        let keepalive = self.state.settings.event_keepalive;
        let mut ticks =
            tokio::time::interval_at(tokio::time::Instant::now() + keepalive, keepalive);
        loop {
            let expires_in = (self.caller.expires_at - now())
                .to_std()
                .unwrap_or_default();
            tokio::select! {
                received = live.recv() => match received {
                    Ok(event) => {
                        if event.seq > self.cursor {
                            self.handle(&event).await?;
                        }
                    }
                    // Fell behind the hub: the outbox has the rest.
                    Err(RecvError::Lagged(_)) => self.catch_up().await?,
                    Err(RecvError::Closed) => return Err(End::Gone),
                },
                _ = ticks.tick() => {
                    if !self.caller.still_valid(&self.state).await? {
                        return Err(End::Gone);
                    }
                    self.send(Bytes::from_static(b": keep-alive\n\n")).await?;
                }
                () = tokio::time::sleep(expires_in) => return Err(End::Gone),
                () = self.frames.closed() => return Err(End::Gone),
                () = self.state.events.closed() => return Err(End::Gone),
            }
        }
    }

    /// Where the stream starts: after the event the client names, if it is
    /// known and at most a day old (then what it missed is sent first);
    /// otherwise now, after `event: resync` for a client that named one.
    async fn start(&mut self, resume: Option<String>) -> Result<(), End> {
        let since = now() - REPLAY;
        if let Some(resume) = resume {
            let named = resume.trim().parse::<i64>().ok();
            let created = match named {
                Some(seq) => {
                    self.state
                        .db
                        .run(move |conn| outbox::created_at_of(conn, seq))
                        .await?
                }
                None => None,
            };
            if let (Some(seq), Some(created)) = (named, created) {
                if created >= since.naive_utc() {
                    self.cursor = seq;
                    return self.catch_up().await;
                }
            }
            self.send(Bytes::from_static(b"event: resync\ndata: {}\n\n"))
                .await?;
        }
        self.cursor = self.state.db.run(outbox::last_seq).await?;
        Ok(())
    }

    /// Sends, page by page, what the outbox holds after the cursor.
    async fn catch_up(&mut self) -> Result<(), End> {
        let since = (now() - REPLAY).naive_utc();
        loop {
            let cursor = self.cursor;
            let page = self
                .state
                .db
                .run(move |conn| outbox::after(conn, cursor, since, PAGE))
                .await?;
            let full = page.len() as i64 == PAGE;
            for event in &page {
                self.handle(event).await?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Sends the event if the caller may see its patient, checked now.
    async fn handle(&mut self, event: &StreamEvent) -> Result<(), End> {
        self.cursor = event.seq;
        let (user, patient) = (self.caller.user.clone(), event.patient_id.clone());
        // Admins see every patient: no query for them.
        let visible = user.role == Role::Admin
            || self
                .state
                .db
                .run(move |conn| access::can_see_patient(conn, &user, &patient))
                .await?;
        if visible {
            self.send(frame(event)).await?;
        }
        Ok(())
    }

    async fn send(&self, frame: Bytes) -> Result<(), End> {
        self.frames.send(frame).await.map_err(|_| End::Gone)
    }
}

/// One event as the stream sends it: its position (zero-padded, so that
/// ids sort as text in stream order too), its type and the webhook body in
/// its clinical shape (one line of JSON).
fn frame(event: &StreamEvent) -> Bytes {
    Bytes::from(format!(
        "id: {:019}\nevent: {}\ndata: {}\n\n",
        event.seq, event.event_type, event.data
    ))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;

    #[test]
    fn a_frame_is_one_event_of_the_event_stream_format() {
        let event = StreamEvent {
            seq: 42,
            event_type: "alert.created".to_owned(),
            patient_id: "p".to_owned(),
            data: r#"{"type":"alert.created"}"#.to_owned(),
            created_at: DateTime::<Utc>::UNIX_EPOCH.naive_utc(),
        };
        assert_eq!(
            frame(&event),
            Bytes::from("id: 0000000000000000042\nevent: alert.created\ndata: {\"type\":\"alert.created\"}\n\n")
        );
    }
}
