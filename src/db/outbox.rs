//! The outbox: one row per alert event, written in the alert's transaction,
//! from which webhook deliveries are made and the live event stream reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::outbox_events;
use super::{pg_try_advisory_xact_lock, DbConnection};
use crate::error::ApiError;

#[derive(Insertable)]
#[diesel(table_name = outbox_events)]
pub struct NewOutboxEvent<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
    pub alert_id: &'a str,
    pub patient_id: &'a str,
    pub treatment_id: &'a str,
    /// The webhook body, exactly as receivers get it.
    pub payload: &'a str,
    /// The body in its clinical shape (also the rule), as the stream sends it.
    pub clinical_payload: &'a str,
    pub created_at: NaiveDateTime,
    /// When its deliveries were created (in the same transaction).
    pub dispatched_at: Option<NaiveDateTime>,
}

/// Writes the event; its deliveries are made in the same transaction.
pub fn add(conn: &mut DbConnection, event: &NewOutboxEvent<'_>) -> Result<(), ApiError> {
    diesel::insert_into(outbox_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

/// An event as the live stream sends it.
#[derive(Queryable, Clone, Debug)]
pub struct StreamEvent {
    pub seq: i64,
    pub event_type: String,
    pub patient_id: String,
    /// The webhook body in its clinical shape.
    pub data: String,
    pub created_at: NaiveDateTime,
}

/// Numbers the committed events that have no stream position yet, in
/// (created_at, id) order after the highest position given: one sequencer
/// at a time (an advisory lock on PostgreSQL, the write turn on SQLite),
/// so that positions grow in the order events became visible. Returns how
/// many were numbered.
pub fn sequence(conn: &mut DbConnection) -> Result<usize, ApiError> {
    let numbered = match conn {
        DbConnection::Postgres(pg) => {
            let locked: bool =
                diesel::select(pg_try_advisory_xact_lock(STREAM_SEQUENCER_LOCK)).get_result(pg)?;
            if !locked {
                // Another replica is numbering them right now.
                return Ok(0);
            }
            diesel::sql_query(NUMBER_UNSEQUENCED).execute(pg)?
        }
        DbConnection::Sqlite(lite) => diesel::sql_query(NUMBER_UNSEQUENCED).execute(lite)?,
    };
    Ok(numbered)
}

/// The advisory lock the stream's sequencers share (any constant not used
/// elsewhere: migrations take 727274).
const STREAM_SEQUENCER_LOCK: i64 = 727_275;

/// Portable SQL (PostgreSQL, SQLite 3.33+): the next positions, in
/// (created_at, id) order, for every event without one.
const NUMBER_UNSEQUENCED: &str = "\
    UPDATE outbox_events SET stream_seq = numbered.seq \
    FROM (SELECT id, (SELECT COALESCE(MAX(stream_seq), 0) FROM outbox_events) \
                     + ROW_NUMBER() OVER (ORDER BY created_at, id) AS seq \
          FROM outbox_events WHERE stream_seq IS NULL) AS numbered \
    WHERE outbox_events.id = numbered.id";

/// Whether some committed event waits for its stream position.
pub fn any_unsequenced(conn: &mut DbConnection) -> Result<bool, ApiError> {
    let found = outbox_events::table
        .filter(outbox_events::stream_seq.is_null())
        .select(outbox_events::id)
        .first::<String>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The highest stream position given, 0 for none.
pub fn last_seq(conn: &mut DbConnection) -> Result<i64, ApiError> {
    let last = outbox_events::table
        .select(diesel::dsl::max(outbox_events::stream_seq))
        .first::<Option<i64>>(conn)?;
    Ok(last.unwrap_or(0))
}

/// Up to `limit` events after position `after`, created at or after
/// `since`, in stream order.
pub fn after(
    conn: &mut DbConnection,
    after: i64,
    since: NaiveDateTime,
    limit: i64,
) -> Result<Vec<StreamEvent>, ApiError> {
    let rows = outbox_events::table
        .filter(outbox_events::stream_seq.gt(after))
        .filter(outbox_events::created_at.ge(since))
        .order(outbox_events::stream_seq)
        .limit(limit)
        .select((
            outbox_events::stream_seq.assume_not_null(),
            outbox_events::event_type,
            outbox_events::patient_id,
            diesel::dsl::sql::<diesel::sql_types::Text>("COALESCE(clinical_payload, payload)"),
            outbox_events::created_at,
        ))
        .load(conn)?;
    Ok(rows)
}

/// When the event at position `seq` was created, if there is one.
pub fn created_at_of(conn: &mut DbConnection, seq: i64) -> Result<Option<NaiveDateTime>, ApiError> {
    let at = outbox_events::table
        .filter(outbox_events::stream_seq.eq(seq))
        .select(outbox_events::created_at)
        .first(conn)
        .optional()?;
    Ok(at)
}
