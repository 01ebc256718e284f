//! The audit chain's seals (see `domain::audit_chain`): sealing the audit
//! rows not sealed yet, a batch at a time, and reading the chain back in
//! order. Writers of audit rows never wait for it: rows are sealed after
//! they commit; a batch is stored only on the head it was made after (and
//! under an advisory lock on PostgreSQL), so replicas make one chain.

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

/// How often the sealer looks back for rows that committed late.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// How far behind the latest sealed row a sweep looks: the 60 s between
/// sweeps and 30 s for a row to commit after its time (a transaction that
/// waited for the write turn, a read log's shared commit), so that a row
/// that commits late is within it at the next sweep. A row older than that
/// and not sealed was put in behind the sealer's back.
pub const HORIZON: chrono::Duration = chrono::Duration::seconds(90);

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

/// Where the sealer stands: the newest seal (by seq), and the key (time,
/// id) of the latest row sealed, which is not the newest seal's when a row
/// that committed late was sealed after later ones.
#[derive(Clone, Debug, Default)]
pub struct Position {
    pub head: Option<Seal>,
    pub cursor: Option<(NaiveDateTime, String)>,
}

pub fn position(conn: &mut DbConnection) -> Result<Position, ApiError> {
    let cursor = audit_chain::table
        .order((audit_chain::event_at.desc(), audit_chain::event_id.desc()))
        .select((audit_chain::event_at, audit_chain::event_id))
        .first(conn)
        .optional()?;
    Ok(Position {
        head: head(conn)?,
        cursor,
    })
}

/// Up to `limit` rows after the cursor, in (at, id) order: those written
/// since the last batch. An index range, however long the trail.
pub fn fresh(
    conn: &mut DbConnection,
    position: &Position,
    limit: i64,
) -> Result<Vec<AuditEvent>, ApiError> {
    let mut query = audit_events::table
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .select(AuditEvent::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = &position.cursor {
        query = query
            .filter(audit_events::at.ge(*at))
            .filter(audit_events::at.gt(*at).or(audit_events::id.gt(id.clone())));
    }
    Ok(query.load(conn)?)
}

/// Up to `limit` rows at or before the cursor, within the horizon, that
/// have no seal: rows that committed after later ones were sealed.
pub fn late(
    conn: &mut DbConnection,
    position: &Position,
    limit: i64,
) -> Result<Vec<AuditEvent>, ApiError> {
    let Some((at, id)) = &position.cursor else {
        return Ok(Vec::new());
    };
    let sealed = audit_chain::table.filter(audit_chain::event_id.eq(audit_events::id));
    Ok(audit_events::table
        .filter(audit_events::at.ge(*at - HORIZON))
        .filter(
            audit_events::at.lt(*at).or(audit_events::at
                .eq(*at)
                .and(audit_events::id.le(id.clone()))),
        )
        .filter(diesel::dsl::not(diesel::dsl::exists(sealed)))
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .select(AuditEvent::as_select())
        .limit(limit)
        .load(conn)?)
}

/// The seals of `events`, in their order, after `head`.
pub fn seals_after_head(
    head: Option<&Seal>,
    events: &[AuditEvent],
    at: NaiveDateTime,
) -> Vec<Seal> {
    let (mut seq, mut prev_hash) = match head {
        Some(head) => (head.seq, head.hash.clone()),
        None => (0, GENESIS.to_owned()),
    };
    events
        .iter()
        .map(|event| {
            seq += 1;
            let hash = link(&prev_hash, &chain_row(event, seq));
            Seal {
                seq,
                event_id: event.id.clone(),
                event_at: event.at,
                prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
                hash,
                sealed_at: at,
            }
        })
        .collect()
}

/// Stores seals made after the head at `head_seq` (0 for none), unless
/// another sealer moved the head since or is storing now (the advisory
/// lock on PostgreSQL): then nothing, and false. Run it in a transaction;
/// it only inserts, so it holds SQLite's write turn briefly.
pub fn store(conn: &mut DbConnection, head_seq: i64, seals: &[Seal]) -> Result<bool, ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        let locked: bool = diesel::select(pg_try_advisory_xact_lock(SEALER_LOCK)).get_result(pg)?;
        if !locked {
            return Ok(false);
        }
    }
    let now = audit_chain::table
        .select(diesel::dsl::max(audit_chain::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    if now != head_seq {
        return Ok(false);
    }
    super::insert_rows!(conn, audit_chain::table, seals);
    Ok(true)
}

/// Audit rows older than the horizon before the latest sealed row that
/// have no seal: rows no sweep will see, written behind the sealer's back.
pub fn behind_the_chain(conn: &mut DbConnection) -> Result<Vec<String>, ApiError> {
    let Some((cursor, _)) = position(conn)?.cursor else {
        return Ok(Vec::new());
    };
    let sealed = audit_chain::table.filter(audit_chain::event_id.eq(audit_events::id));
    Ok(audit_events::table
        .filter(audit_events::at.lt(cursor - HORIZON))
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
