//! The outbox: one row per alert event, written in the alert's transaction,
//! from which webhook deliveries are made.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::outbox_events;
use super::DbConnection;
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
