//! The audit trail: who read or changed which patient's data. Rows are only
//! ever inserted; triggers in both databases refuse updates and deletes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_events;
use super::DbConnection;
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: String,
    pub actor_role: String,
    pub action: String,
    pub patient_id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: Option<String>,
}

pub fn append(conn: &mut DbConnection, events: &[AuditEvent]) -> Result<(), ApiError> {
    // One statement per row: batch inserts are not portable across the
    // connection enum's two backends.
    for event in events {
        diesel::insert_into(audit_events::table)
            .values(event)
            .execute(conn)?;
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
