//! Storage: one connection type over SQLite or PostgreSQL, the pool, the
//! migrations, and one module per aggregate.

pub mod alert_queries;
pub mod alerts;
pub mod audit;
pub mod audit_chain;
pub mod care_team;
pub mod caregivers;
pub mod checkins;
pub mod findings;
pub mod invites;
pub mod mfa;
pub mod outbox;
pub mod patients;
pub mod photos;
mod pool;
pub mod push_subscriptions;
pub mod reminder_sends;
pub mod reminders;
pub mod replay;
pub mod schema;
pub mod service_settings;
pub mod standings;
pub mod stats;
pub mod throttle;
pub mod timeline;
pub mod tokens;
pub mod treatments;
pub mod types;
pub mod users;
pub mod web_sessions;
pub mod webhooks;
pub mod worklist;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::PooledConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use parking_lot::Mutex;

use crate::config::DatabaseUrl;
use crate::error::ApiError;

/// Rows per multi-row INSERT: a table has at most 32 columns, and SQLite
/// binds at most 32,766 values per statement.
pub const ROWS_PER_INSERT: usize = 1000;

/// Inserts rows; returns how many. On PostgreSQL in multi-row statements,
/// one round trip each (the connection enum would send one per row). On
/// SQLite one prepared statement per row: there is no round trip to save,
/// and diesel would run a batch with a NULL in it as a nested transaction.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let mut inserted = 0usize;
        match &mut *$conn {
            $crate::db::DbConnection::Sqlite(c) => {
                for row in $rows.iter() {
                    inserted += diesel::insert_into($table).values(row).execute(c)?;
                }
            }
            $crate::db::DbConnection::Postgres(c) => {
                for part in $rows.chunks($crate::db::ROWS_PER_INSERT) {
                    inserted += diesel::insert_into($table).values(part).execute(c)?;
                }
            }
        }
        inserted
    }};
}
pub(crate) use insert_rows;

diesel::define_sql_function! {
    /// PostgreSQL's lock for one job at a time across replicas, held until
    /// the transaction ends; false when another holds it.
    fn pg_try_advisory_xact_lock(key: diesel::sql_types::BigInt) -> diesel::sql_types::Bool;
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Either backend; diesel runs portable queries on both through this enum.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

pub use pool::{init_postgres_client, DbPool, Manager};
use pool::{Health, CHECKOUT_SLICE};

/// The handle every handler uses: pool checkout and blocking work off the
/// async workers, in one place.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    url: DatabaseUrl,
    /// SQLite's one writer (see `transaction`); none on PostgreSQL.
    writer: Option<Arc<Writer>>,
    health: Arc<Health>,
    checkout_timeout: Duration,
}

/// The URL as diesel's connection enum reads it.
fn raw_url(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// SQLite's write turn and the connection that writes: a writer never waits
/// for a connection held by a reader while others wait for its turn.
struct Writer {
    turn: Mutex<()>,
    connection: DbPool,
    /// Writers waiting for the turn that a background writer lets first.
    waiting: AtomicUsize,
}

impl Db {
    pub fn connect(
        url: &DatabaseUrl,
        size: u32,
        checkout_timeout: Duration,
    ) -> anyhow::Result<Self> {
        if matches!(url, DatabaseUrl::Postgres(_)) {
            init_postgres_client();
        }
        let raw = raw_url(url);
        let sqlite = matches!(url, DatabaseUrl::Sqlite(_));
        let health = Arc::new(Health::default());
        let pool = pool::build(&raw, size, checkout_timeout, &health)?;
        let writer = match sqlite {
            true => Some(Arc::new(Writer {
                turn: Mutex::new(()),
                connection: pool::build(&raw, 1, checkout_timeout, &health)?,
                waiting: AtomicUsize::new(0),
            })),
            false => None,
        };
        Ok(Self {
            pool,
            url: url.clone(),
            writer,
            health,
            checkout_timeout,
        })
    }

    /// The same database through a pool of its own of `size` connections,
    /// for work that must not queue behind the handlers' (SQLite's writer
    /// is still the one writer).
    pub fn with_own_pool(&self, size: u32) -> anyhow::Result<Self> {
        Ok(Self {
            pool: pool::build(
                &raw_url(&self.url),
                size,
                self.checkout_timeout,
                &self.health,
            )?,
            ..self.clone()
        })
    }

    /// A pooled connection, or 503 at once while the database is away.
    fn checkout(&self) -> Result<PooledConnection<Manager>, ApiError> {
        self.checkout_from(&self.pool)
    }

    fn checkout_from(&self, pool: &DbPool) -> Result<PooledConnection<Manager>, ApiError> {
        let started = Instant::now();
        loop {
            if self.health.down.load(Ordering::Acquire) {
                return Err(ApiError::Unavailable);
            }
            match pool.get_timeout(CHECKOUT_SLICE) {
                Ok(conn) => return Ok(conn),
                Err(error) if started.elapsed() >= self.checkout_timeout => {
                    return Err(error.into())
                }
                Err(_) => {}
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.url, DatabaseUrl::Postgres(_))
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Runs `work` on a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || {
            let mut conn = db.checkout()?;
            work(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `work` inside one transaction: all of it commits, or none.
    ///
    /// SQLite lets one writer in at a time. Its busy handler makes the
    /// others poll the file lock, sleeping 1, 2, 5, 10... ms between tries,
    /// so the database sits idle while writers queue and the unlucky ones
    /// wait long. This process's writers take turns here instead, on a
    /// connection of their own (readers are not held up, nor do they hold
    /// a writer up); writers of other processes still meet busy_timeout.
    pub async fn transaction<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.transaction_blocking(work))
            .await
            .map_err(ApiError::internal)?
    }

    /// `transaction` on the calling thread, for threads of their own.
    pub fn transaction_blocking<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        match &self.writer {
            Some(writer) => {
                writer.waiting.fetch_add(1, Ordering::AcqRel);
                let turn = writer.turn.try_lock_for(self.checkout_timeout);
                writer.waiting.fetch_sub(1, Ordering::AcqRel);
                let _turn = turn.ok_or(ApiError::Unavailable)?;
                let mut conn = self.checkout_from(&writer.connection)?;
                transaction(&mut conn, work)
            }
            None => {
                let mut conn = self.checkout()?;
                transaction(&mut conn, work)
            }
        }
    }

    /// `transaction` for work nobody is waiting on (reminders going out):
    /// on SQLite it takes the write turn only when no other writer waits
    /// for it, so that a patient's check-in never queues behind a batch of
    /// them. Keep such transactions short: one that has the turn is not
    /// interrupted.
    pub async fn background_transaction<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let Some(writer) = self.writer.clone() else {
            return self.transaction(work).await;
        };
        let started = Instant::now();
        let mut work = work;
        // Yields for as long as a foreground writer may wait, then queues
        // like one: background work is slowed, never starved.
        while started.elapsed() < self.checkout_timeout {
            if writer.waiting.load(Ordering::Acquire) == 0 {
                let (db, writer) = (self.clone(), writer.clone());
                let attempt = actix_web::web::block(move || {
                    let Some(turn) = writer.turn.try_lock() else {
                        return Err(work);
                    };
                    if writer.waiting.load(Ordering::Acquire) > 0 {
                        drop(turn);
                        return Err(work);
                    }
                    Ok(db
                        .checkout_from(&writer.connection)
                        .and_then(|mut conn| transaction(&mut conn, work)))
                })
                .await
                .map_err(ApiError::internal)?;
                match attempt {
                    Ok(result) => return result,
                    Err(unrun) => work = unrun,
                }
            }
            actix_web::rt::time::sleep(Duration::from_millis(1)).await;
        }
        self.transaction(work).await
    }

    /// Applies pending migrations; safe to call from several replicas.
    pub fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get().context("cannot connect to the database")?;
        run_migrations(&mut conn)
    }
}

fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<()> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            sqlite
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(|error| anyhow::anyhow!("SQLite migrations failed: {error}"))?;
        }
        DbConnection::Postgres(pg) => {
            // Replicas starting together take turns instead of racing.
            pg.batch_execute("SELECT pg_advisory_lock(727274)")?;
            let result = pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ())
                .map_err(|error| anyhow::anyhow!("PostgreSQL migrations failed: {error}"));
            pg.batch_execute("SELECT pg_advisory_unlock(727274)")?;
            result?;
        }
    }
    Ok(())
}

/// One transaction on this connection. SQLite's starts with BEGIN IMMEDIATE:
/// a deferred transaction that reads and then writes fails at once with
/// "database is locked" when another writer is active, instead of waiting
/// its turn through busy_timeout.
pub fn transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match conn {
        DbConnection::Sqlite(_) => {
            conn.batch_execute("BEGIN IMMEDIATE")?;
            match work(conn) {
                Ok(value) => match conn.batch_execute("COMMIT") {
                    Ok(()) => Ok(value),
                    Err(error) => {
                        let _ = conn.batch_execute("ROLLBACK");
                        Err(error.into())
                    }
                },
                Err(error) => {
                    let _ = conn.batch_execute("ROLLBACK");
                    Err(error)
                }
            }
        }
        DbConnection::Postgres(_) => conn.transaction(work),
    }
}

/// Lets the current PostgreSQL transaction commit without waiting for its
/// WAL flush. Only for transactions whose loss in a crash costs nothing but
/// a new login (a login's refresh token), so that a flood of logins does not
/// queue check-ins behind its disk flushes. SQLite already
/// commits with synchronous=NORMAL.
pub fn relaxed_commit(conn: &mut DbConnection) -> Result<(), ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::RunQueryDsl::execute(diesel::sql_query("SET LOCAL synchronous_commit = off"), pg)?;
    }
    Ok(())
}

/// Answers whether the database takes queries right now.
pub async fn ping(db: &Db) -> bool {
    db.run(|conn| conn.batch_execute("SELECT 1").map_err(ApiError::from))
        .await
        .is_ok()
}

impl From<diesel::ConnectionError> for ApiError {
    fn from(error: diesel::ConnectionError) -> Self {
        tracing::warn!(error = %error, "database connection failed");
        ApiError::Unavailable
    }
}
