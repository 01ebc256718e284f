//! The audit chain's seals (see `domain::audit_chain`): sealing the audit
//! rows not sealed yet, a batch at a time, and reading the chain back in
//! order. Writers of audit rows never wait for it: rows are sealed after
//! they commit, by one sealer at a time (an advisory lock on PostgreSQL,
//! the write turn on SQLite).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use super::audit::AuditEvent;
use super::schema::{audit_chain, audit_events};
use super::{pg_try_advisory_xact_lock, DbConnection};
use crate::auth::audit::NO_PATIENT;
use crate::domain::accounts::Role;
use crate::domain::audit_chain::{link, Sealed, GENESIS, HASH, PREV_HASH};
use crate::error::ApiError;

/// How long after its time an audit row may still commit and be sealed:
/// the sealer looks this far back before the newest sealed row for rows
/// that committed late (a transaction that took long). A row older than
/// that and not sealed was put in behind the chain's back.
pub const HORIZON: chrono::Duration = chrono::Duration::minutes(2);

/// The advisory lock the sealers share (see `outbox::STREAM_SEQUENCER_LOCK`).
const SEALER_LOCK: i64 = 727_276;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_chain)]
pub struct Seal {
    pub seq: i64,
    pub event_id: String,
    pub event_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
    pub sealed_at: NaiveDateTime,
}

/// An audit row as the chain seals it and the export shows it: the fields
/// of `GET /v1/audit`, and its place in the chain.
#[derive(Serialize)]
struct ChainRow<'a> {
    seq: i64,
    id: &'a str,
    at: DateTime<Utc>,
    actor_id: &'a str,
    actor_role: Role,
    action: &'a str,
    /// None for account events.
    patient_id: Option<&'a str>,
    resource_type: &'a str,
    resource_id: &'a str,
    request_id: Option<&'a str>,
}

/// The fields of `event` that its hash covers, at `seq`.
pub fn chain_row(event: &AuditEvent, seq: i64) -> Map<String, Value> {
    let row = ChainRow {
        seq,
        id: &event.id,
        at: event.at.and_utc(),
        actor_id: &event.actor_id,
        actor_role: event.actor_role,
        action: &event.action,
        patient_id: Some(event.patient_id.as_str()).filter(|id| *id != NO_PATIENT),
        resource_type: &event.resource_type,
        resource_id: &event.resource_id,
        request_id: event.request_id.as_deref(),
    };
    match serde_json::to_value(row) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// A sealed row as a copy of the chain holds it.
pub fn sealed(seal: &Seal, event: &AuditEvent) -> Sealed {
    Sealed {
        seq: seal.seq,
        prev_hash: seal.prev_hash.clone(),
        hash: seal.hash.clone(),
        row: chain_row(event, seal.seq),
    }
}

/// The export line of a sealed row: its fields and its seal.
pub fn line(sealed: Sealed) -> Map<String, Value> {
    let mut line = sealed.row;
    line.insert(PREV_HASH.into(), Value::String(sealed.prev_hash));
    line.insert(HASH.into(), Value::String(sealed.hash));
    line
}

/// The newest seal, if any.
pub fn head(conn: &mut DbConnection) -> Result<Option<Seal>, ApiError> {
    Ok(audit_chain::table
        .order(audit_chain::seq.desc())
        .select(Seal::as_select())
        .first(conn)
        .optional()?)
}

/// Seals up to `limit` rows not sealed yet, oldest first, after the newest
/// seal; returns how many and the new head, or none when there was nothing
/// to seal (or another replica is sealing). Run it in a transaction.
pub fn seal_next(
    conn: &mut DbConnection,
    limit: i64,
    at: NaiveDateTime,
) -> Result<Option<(usize, Seal)>, ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        let locked: bool = diesel::select(pg_try_advisory_xact_lock(SEALER_LOCK)).get_result(pg)?;
        if !locked {
            return Ok(None);
        }
    }
    let head = head(conn)?;
    let events = unsealed(conn, head.as_ref().map(|h| h.event_at - HORIZON), limit)?;
    let (mut seq, mut prev_hash) = match head {
        Some(head) => (head.seq, head.hash),
        None => (0, GENESIS.to_owned()),
    };
    let mut seals = Vec::with_capacity(events.len());
    for event in &events {
        seq += 1;
        let hash = link(&prev_hash, &chain_row(event, seq));
        seals.push(Seal {
            seq,
            event_id: event.id.clone(),
            event_at: event.at,
            prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
            hash,
            sealed_at: at,
        });
    }
    super::insert_rows!(conn, audit_chain::table, seals);
    let count = seals.len();
    Ok(seals.pop().map(|head| (count, head)))
}

/// Audit rows at or after `since` (all when none) that have no seal, in
/// (at, id) order.
fn unsealed(
    conn: &mut DbConnection,
    since: Option<NaiveDateTime>,
    limit: i64,
) -> Result<Vec<AuditEvent>, ApiError> {
    let sealed = audit_chain::table.filter(audit_chain::event_id.eq(audit_events::id));
    let mut query = audit_events::table
        .filter(diesel::dsl::not(diesel::dsl::exists(sealed)))
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .select(AuditEvent::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(audit_events::at.ge(since));
    }
    Ok(query.load(conn)?)
}

/// Audit rows older than the horizon before the newest seal that have no
/// seal: rows the sealer will never see, written behind its back.
pub fn behind_the_chain(conn: &mut DbConnection) -> Result<Vec<String>, ApiError> {
    let Some(head) = head(conn)? else {
        return Ok(Vec::new());
    };
    let sealed = audit_chain::table.filter(audit_chain::event_id.eq(audit_events::id));
    Ok(audit_events::table
        .filter(audit_events::at.lt(head.event_at - HORIZON))
        .filter(diesel::dsl::not(diesel::dsl::exists(sealed)))
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .select(audit_events::id)
        .limit(10)
        .load(conn)?)
}

/// The seqs of the first and the last sealed row whose time is in
/// `[from, until)`: the stretch of the chain an export of that range holds
/// (with any row sealed among them whose time is just outside, so that the
/// stretch has no gap).
pub fn stretch(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Option<(i64, i64)>, ApiError> {
    let (first, last) = audit_chain::table
        .filter(audit_chain::event_at.ge(from))
        .filter(audit_chain::event_at.lt(until))
        .select((
            diesel::dsl::min(audit_chain::seq),
            diesel::dsl::max(audit_chain::seq),
        ))
        .first::<(Option<i64>, Option<i64>)>(conn)?;
    Ok(first.zip(last))
}

/// Up to `limit` seals after `after` up to `last`, in seq order, each with
/// its audit row (none when the row is gone).
pub fn seals_after(
    conn: &mut DbConnection,
    after: i64,
    last: i64,
    limit: i64,
) -> Result<Vec<(Seal, Option<AuditEvent>)>, ApiError> {
    Ok(audit_chain::table
        .left_join(audit_events::table)
        .filter(audit_chain::seq.gt(after))
        .filter(audit_chain::seq.le(last))
        .order(audit_chain::seq.asc())
        .select((Seal::as_select(), Option::<AuditEvent>::as_select()))
        .limit(limit)
        .load(conn)?)
}
