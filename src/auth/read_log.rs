//! Reads of health data are audited in commits shared by many requests.
//!
//! A read's rows go to one writer thread, which takes whatever has queued
//! while it was committing, appends it in one transaction (on SQLite one
//! turn of the single writer, not one per request) and then lets each
//! request go on. A request answers only after the commit that holds its
//! rows: reads stay audited durably, and readers wait for one shared commit
//! rather than for their own turn among the writers.

use tokio::sync::{mpsc, oneshot};

use super::audit::Unaudited;
use crate::db::audit::{self, AuditEvent};
use crate::db::Db;
use crate::error::ApiError;

/// Requests whose rows may wait for the writer at once; more wait to queue.
const QUEUE: usize = 1024;
/// Rows per shared commit at most.
const ROWS_PER_COMMIT: usize = 5000;

type Waiter = oneshot::Sender<Result<(), ApiError>>;

#[derive(Clone)]
pub struct ReadLog {
    queue: mpsc::Sender<(Vec<AuditEvent>, Waiter)>,
}

impl ReadLog {
    /// Starts the writer thread; it ends when the last handle is dropped.
    /// On PostgreSQL it writes through a connection of its own, so that its
    /// commits never queue behind the handlers for one (SQLite's single
    /// writer has its own already).
    pub fn start(db: &Db) -> anyhow::Result<Self> {
        let db = match db.is_postgres() {
            true => db.with_own_pool(1)?,
            false => db.clone(),
        };
        let (queue, incoming) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("audit-reads".to_owned())
            .spawn(move || write_until_closed(&db, incoming))?;
        Ok(Self { queue })
    }

    /// The read's value, once its rows are committed.
    pub async fn audit<T>(&self, read: Unaudited<T>) -> Result<T, ApiError> {
        let (value, rows) = read.into_parts();
        if rows.is_empty() {
            return Ok(value);
        }
        let (done, committed) = oneshot::channel();
        self.queue
            .send((rows, done))
            .await
            .map_err(|_| ApiError::Unavailable)?;
        committed.await.map_err(|_| ApiError::Unavailable)??;
        Ok(value)
    }
}

fn write_until_closed(db: &Db, mut incoming: mpsc::Receiver<(Vec<AuditEvent>, Waiter)>) {
    while let Some(first) = incoming.blocking_recv() {
        let mut batch = vec![first];
        let mut rows = batch[0].0.len();
        while rows < ROWS_PER_COMMIT {
            match incoming.try_recv() {
                Ok(next) => {
                    rows += next.0.len();
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        let all: Vec<AuditEvent> = batch
            .iter()
            .flat_map(|(rows, _)| rows.iter().cloned())
            .collect();
        let written = db.transaction_blocking(|conn| audit::append(conn, &all));
        let unavailable = matches!(written, Err(ApiError::Unavailable));
        if let Err(error) = &written {
            tracing::warn!(
                code = error.code(),
                requests = batch.len(),
                "reads not audited"
            );
        }
        for (_, waiter) in batch {
            // Each request answers for itself: 503 while the database is
            // away, 500 otherwise.
            let _ = waiter.send(match (&written, unavailable) {
                (Ok(()), _) => Ok(()),
                (Err(_), true) => Err(ApiError::Unavailable),
                (Err(_), false) => Err(ApiError::internal(anyhow::anyhow!("reads not audited"))),
            });
        }
    }
}
