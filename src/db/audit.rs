//! The audit trail: who read or changed which patient's data. Rows are only
//! ever inserted; triggers in both databases refuse updates and deletes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamp};

use super::schema::audit_events;
use super::DbConnection;
use crate::domain::accounts::Role;
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: String,
    pub actor_role: Role,
    pub action: String,
    pub patient_id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: Option<String>,
}

/// Rows per statement (SQLite binds at most 32,766 values).
const ROWS_PER_STATEMENT: usize = 1000;

/// Appends the rows in one statement: a list view that touched fifty
/// patients' records writes fifty rows. One row (a change's) goes through
/// the statement prepared once per connection.
pub fn append(conn: &mut DbConnection, events: &[AuditEvent]) -> Result<(), ApiError> {
    if let [event] = events {
        diesel::insert_into(audit_events::table)
            .values(event)
            .execute(conn)?;
        return Ok(());
    }
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        match conn {
            DbConnection::Postgres(pg) => {
                diesel::insert_into(audit_events::table)
                    .values(chunk)
                    .execute(pg)?;
            }
            // diesel inserts a slice into SQLite one row per statement, so
            // the statement is spelled out here.
            DbConnection::Sqlite(sqlite) => {
                let sql = format!(
                    "INSERT INTO audit_events (id, at, actor_id, actor_role, action, patient_id, \
                     resource_type, resource_id, request_id) VALUES {}",
                    vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
                );
                let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
                for event in chunk {
                    query = query
                        .bind::<Text, _>(&event.id)
                        .bind::<Timestamp, _>(event.at)
                        .bind::<Text, _>(&event.actor_id)
                        .bind::<Text, _>(event.actor_role)
                        .bind::<Text, _>(&event.action)
                        .bind::<Text, _>(&event.patient_id)
                        .bind::<Text, _>(&event.resource_type)
                        .bind::<Text, _>(&event.resource_id)
                        .bind::<Nullable<Text>, _>(&event.request_id);
                }
                query.execute(sqlite)?;
            }
        }
    }
    Ok(())
}

#[derive(Default)]
pub struct Filter {
    pub patient_id: Option<String>,
    pub actor_id: Option<String>,
}

/// Newest first, `limit` rows before the (at, id) key.
pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<AuditEvent>, ApiError> {
    let mut query = audit_events::table
        .select(AuditEvent::as_select())
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(patient_id) = &filter.patient_id {
        query = query.filter(audit_events::patient_id.eq(patient_id.clone()));
    }
    if let Some(actor_id) = &filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor_id.clone()));
    }
    if let Some((at, id)) = before {
        query = query.filter(
            audit_events::at
                .lt(at)
                .or(audit_events::at.eq(at).and(audit_events::id.lt(id))),
        );
    }
    Ok(query.load(conn)?)
}
