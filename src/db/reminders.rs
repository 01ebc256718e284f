//! Patients' reminder preferences: one row per patient who chose them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::reminder_preferences;
use super::DbConnection;
use crate::error::ApiError;

#[derive(Insertable, Queryable, Selectable, Clone, Debug, PartialEq)]
#[diesel(table_name = reminder_preferences)]
pub struct Preferences {
    pub user_id: String,
    /// "HH:MM", local to the patient's zone.
    pub local_time: String,
    pub web_push: bool,
    pub email: Option<String>,
    pub chosen_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, user_id: &str) -> Result<Option<Preferences>, ApiError> {
    Ok(reminder_preferences::table
        .find(user_id)
        .select(Preferences::as_select())
        .first(conn)
        .optional()?)
}

/// Replaces the user's preferences (in the caller's transaction).
pub fn replace(conn: &mut DbConnection, preferences: &Preferences) -> Result<(), ApiError> {
    diesel::delete(reminder_preferences::table.find(&preferences.user_id)).execute(conn)?;
    diesel::insert_into(reminder_preferences::table)
        .values(preferences)
        .execute(conn)?;
    Ok(())
}
