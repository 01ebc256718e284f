//! Failure counters by key (see `auth::throttle` for the keys and limits),
//! kept in the database so that every replica sees the same counts.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::login_throttle;
use super::DbConnection;
use crate::error::ApiError;

/// How many failures within `window` block a key, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub max_failures: i32,
    pub window: Duration,
    pub block_for: Duration,
}

/// One key's count, as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
pub struct Counter {
    failures: i32,
    window_started_at: NaiveDateTime,
    blocked_until: Option<NaiveDateTime>,
}

impl Counter {
    /// Seconds until the key may try again, if it is blocked now.
    pub fn blocked_for(&self, now: NaiveDateTime) -> Option<u64> {
        self.blocked_until
            .filter(|until| *until > now)
            .map(|until| retry_after_seconds(until - now))
    }

    /// Whether the key has counted a failure since `since` (or is blocked now).
    pub fn failed_since(&self, since: NaiveDateTime, now: NaiveDateTime) -> bool {
        self.window_started_at >= since || self.blocked_for(now).is_some()
    }
}

/// The key's count, if it has one.
pub fn counter(conn: &mut DbConnection, key: &str) -> Result<Option<Counter>, ApiError> {
    Ok(login_throttle::table
        .find(key)
        .select(Counter::as_select())
        .first(conn)
        .optional()?)
}

fn retry_after_seconds(wait: Duration) -> u64 {
    u64::try_from(wait.num_seconds()).unwrap_or(0).max(1)
}

/// The key's count, locked on PostgreSQL until the transaction ends, so
/// that failures counted at the same moment add up (SQLite's writers
/// already take turns).
fn counter_for_update(conn: &mut DbConnection, key: &str) -> Result<Counter, ApiError> {
    Ok(match conn {
        DbConnection::Postgres(pg) => login_throttle::table
            .find(key)
            .select(Counter::as_select())
            .for_update()
            .first(pg)?,
        DbConnection::Sqlite(sqlite) => login_throttle::table
            .find(key)
            .select(Counter::as_select())
            .first(sqlite)?,
    })
}

/// A key that has not counted yet: no failures, no block.
fn insert_if_missing(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let fresh = (
        login_throttle::key.eq(key),
        login_throttle::failures.eq(0),
        login_throttle::window_started_at.eq(now),
        login_throttle::blocked_until.eq(None::<NaiveDateTime>),
    );
    let insert = diesel::insert_into(login_throttle::table).values(fresh);
    match conn {
        DbConnection::Postgres(pg) => insert.on_conflict_do_nothing().execute(pg)?,
        DbConnection::Sqlite(sqlite) => insert.on_conflict_do_nothing().execute(sqlite)?,
    };
    Ok(())
}

/// Counts one failure; returns the block in seconds if this one starts it.
/// Run it in a transaction: the count is read and written under a lock.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    policy: Policy,
    now: NaiveDateTime,
) -> Result<Option<u64>, ApiError> {
    insert_if_missing(conn, key, now)?;
    let c = counter_for_update(conn, key)?;
    // A block runs its course: failures while it lasts (possible only for a
    // counter that does not refuse on its own, the account's) neither lift
    // nor lengthen it.
    if c.blocked_for(now).is_some() {
        return Ok(None);
    }
    let (failures, window_started_at) = if now - c.window_started_at < policy.window {
        (c.failures + 1, c.window_started_at)
    } else {
        (1, now)
    };
    let blocked_until = (failures >= policy.max_failures).then(|| now + policy.block_for);
    diesel::update(login_throttle::table.find(key))
        .set((
            login_throttle::failures.eq(if blocked_until.is_some() { 0 } else { failures }),
            login_throttle::window_started_at.eq(window_started_at),
            login_throttle::blocked_until.eq(blocked_until),
        ))
        .execute(conn)?;
    Ok(blocked_until.map(|until| retry_after_seconds(until - now)))
}

pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), ApiError> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Deletes the counters that no longer count: no failure within `window`
/// (the longest policy window) and no block in force. Returns how many.
pub fn forget_stale(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    window: Duration,
) -> Result<usize, ApiError> {
    let stale = login_throttle::window_started_at.lt(now - window).and(
        login_throttle::blocked_until
            .is_null()
            .or(login_throttle::blocked_until.le(now)),
    );
    Ok(diesel::delete(login_throttle::table.filter(stale)).execute(conn)?)
}
