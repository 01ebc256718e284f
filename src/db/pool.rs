//! The connection pool: connections set up for their backend, and the
//! database's health as the last connection attempt saw it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, ManageConnection, Pool};

use anyhow::Context;

use super::DbConnection;

/// A pool of `size` connections to `url`, set up for their backend.
pub(super) fn build(
    url: &str,
    size: u32,
    checkout_timeout: Duration,
    health: &Arc<Health>,
) -> anyhow::Result<DbPool> {
    let manager = Manager {
        inner: ConnectionManager::<DbConnection>::new(url),
        url: url.to_owned(),
        health: health.clone(),
    };
    Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(checkout_timeout)
        .connection_customizer(Box::new(ConnectionSetup))
        .build(manager)
        .context("cannot open the database")
}

pub type DbPool = Pool<Manager>;

/// Whether the database answered the last connection attempt. After a
/// failed attempt every checkout answers 503 at once, instead of each
/// request waiting out the checkout timeout, until a probe connects again.
#[derive(Debug, Default)]
pub(super) struct Health {
    pub(super) down: AtomicBool,
}

/// How often a probe tries to connect while the database is away.
const PROBE_INTERVAL: Duration = Duration::from_millis(250);
/// How often a waiting checkout looks whether the database went away.
pub(super) const CHECKOUT_SLICE: Duration = Duration::from_millis(25);

/// The pool's connection manager, which notes every failed connection
/// attempt in `Health`.
#[derive(Debug)]
pub struct Manager {
    inner: ConnectionManager<DbConnection>,
    url: String,
    health: Arc<Health>,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let connected = self.inner.connect();
        if connected.is_err() {
            self.went_down();
        }
        connected
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        self.inner.is_valid(conn)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        self.inner.has_broken(conn)
    }
}

impl Manager {
    /// Marks the database away and, the first time, starts a probe that
    /// connects every `PROBE_INTERVAL` until it succeeds.
    fn went_down(&self) {
        if self.health.down.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::warn!("the database is unreachable; answering 503 until it is back");
        let probe = ConnectionManager::<DbConnection>::new(self.url.clone());
        let health = self.health.clone();
        let spawned = std::thread::Builder::new()
            .name("db-probe".into())
            .spawn(move || loop {
                std::thread::sleep(PROBE_INTERVAL);
                if probe.connect().is_ok() {
                    health.down.store(false, Ordering::Release);
                    tracing::info!("the database is reachable again");
                    return;
                }
            });
        if spawned.is_err() {
            // No probe: let checkouts try (and wait) again.
            self.health.down.store(false, Ordering::Release);
        }
    }
}

#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(sqlite) = conn {
            sqlite
                .batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Initialises the TLS library libpq links before the first connection,
/// without OpenSSL's exit-time cleanup: that cleanup races with threads
/// still holding connections and crashes the process as it exits.
pub fn init_postgres_client() {
    openssl_sys::init();
}
