//! The live event stream's source on this replica. The outbox is the
//! source of truth: every event gets a stream position after it commits
//! (`db::outbox::sequence`), and the hub reads what is new once for all the
//! streams open on this replica and hands it to each of them, which filters
//! it by what its caller may see (api/events.rs). The in-process wake-up
//! only says when to look: after a local commit at once, and, while a stream
//! is open, at the webhook poll interval for what other replicas committed.
//! With no stream open the hub reads nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use tokio::sync::{broadcast, watch};

use crate::clock::now;
use crate::db::outbox::{self, StreamEvent};
use crate::db::Db;
use crate::error::ApiError;
use crate::webhooks::Listener;

/// Events a stream may fall behind by before it reads the rest from the
/// outbox itself: this bounds every connection's memory.
const CAPACITY: usize = 256;
/// Events read per query.
pub const PAGE: i64 = 200;
/// How late an event may commit after it was created and still be handed
/// out by a hub that was idle when it was created (transactions take
/// seconds at most).
const LATE_COMMIT: chrono::Duration = chrono::Duration::minutes(1);

pub struct EventHub {
    sender: broadcast::Sender<Arc<StreamEvent>>,
    /// Turns true when the service shuts down: open streams end, so that
    /// the graceful shutdown does not wait for them.
    closing: watch::Sender<bool>,
}

impl Default for EventHub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            closing: watch::channel(false).0,
        }
    }
}

impl EventHub {
    /// Ends every open stream (at shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Returns once the service is shutting down.
    pub async fn closed(&self) {
        let mut closing = self.closing.subscribe();
        // An error means the hub itself is gone: closed as well.
        let _ = closing.wait_for(|closing| *closing).await;
    }

    /// Subscribe before reading the stream's starting position, so that no
    /// event after it can pass unseen.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StreamEvent>> {
        self.sender.subscribe()
    }

    /// Reads new events until `stop` turns true.
    pub async fn run(
        self: Arc<Self>,
        db: Db,
        mut wake: Listener,
        poll: Duration,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut tail: Option<i64> = None;
        // Since when no stream has been open, if none is.
        let mut idle_since: Option<NaiveDateTime> = Some(now().naive_utc());
        while !*stop.borrow() {
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
                changed = stop.changed() => if changed.is_err() { return },
            }
            if self.sender.receiver_count() == 0 {
                idle_since.get_or_insert_with(|| now().naive_utc());
                continue;
            }
            let since = idle_since.take().map(|at| at - LATE_COMMIT);
            match self.hand_out(&db, tail, since).await {
                Ok(last) => tail = Some(last),
                Err(error) => {
                    tracing::warn!(code = error.code(), "event stream read failed; retrying");
                    idle_since = since.map(|at| at + LATE_COMMIT);
                }
            }
        }
    }

    /// Numbers what committed and sends every event after `tail` (created
    /// since `since`, when the hub was idle); returns the new tail.
    async fn hand_out(
        &self,
        db: &Db,
        tail: Option<i64>,
        since: Option<NaiveDateTime>,
    ) -> Result<i64, ApiError> {
        sequence(db).await?;
        let mut tail = match tail {
            Some(tail) if since.is_none() => tail,
            _ => 0,
        };
        // The epoch: before every event (and within both databases' range).
        let since = since.unwrap_or(chrono::DateTime::UNIX_EPOCH.naive_utc());
        loop {
            let page = db
                .run(move |conn| outbox::after(conn, tail, since, PAGE))
                .await?;
            let full = page.len() as i64 == PAGE;
            for event in page {
                tail = event.seq;
                // No receiver left is not an error: the next poll skips.
                let _ = self.sender.send(Arc::new(event));
            }
            if !full {
                return Ok(tail);
            }
        }
    }
}

/// Gives stream positions to the events that committed without one.
pub async fn sequence(db: &Db) -> Result<(), ApiError> {
    // A read first: an idle poll takes no write turn.
    if db.run(outbox::any_unsequenced).await? {
        db.transaction(outbox::sequence).await?;
    }
    Ok(())
}
