//! Patient records, created by physicians before the patient has an account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{care_team_members, patients};
use super::DbConnection;
use crate::domain::accounts::Locale;
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = patients)]
pub struct Patient {
    pub id: String,
    pub display_name: String,
    pub birth_year: Option<i32>,
    pub timezone: String,
    pub locale: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Patient {
    /// The patient's time zone (stored validated; UTC if it ever is not).
    pub fn zone(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The language the patient is answered in.
    pub fn language(&self) -> Locale {
        self.locale.parse().unwrap_or(Locale::Ja)
    }
}

#[derive(Insertable)]
#[diesel(table_name = patients)]
pub struct NewPatient<'a> {
    pub id: &'a str,
    pub display_name: &'a str,
    pub birth_year: Option<i32>,
    pub timezone: &'a str,
    pub locale: &'a str,
    pub created_by: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// Whose patients a list may show.
pub enum Scope<'a> {
    All,
    CareTeamOf(&'a str),
    Only(&'a str),
}

pub fn insert(conn: &mut DbConnection, patient: &NewPatient<'_>) -> Result<(), ApiError> {
    diesel::insert_into(patients::table)
        .values(patient)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Patient>, ApiError> {
    Ok(patients::table
        .find(id)
        .select(Patient::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_preferences(
    conn: &mut DbConnection,
    id: &str,
    timezone: Option<&str>,
    locale: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(timezone) = timezone {
        diesel::update(patients::table.find(id))
            .set(patients::timezone.eq(timezone))
            .execute(conn)?;
        // Every due date moves with the zone.
        super::standings::rebuild_patient(conn, id, crate::clock::now())?;
    }
    if let Some(locale) = locale {
        diesel::update(patients::table.find(id))
            .set(patients::locale.eq(locale))
            .execute(conn)?;
    }
    Ok(())
}

/// One page in (created_at, id) order, starting after `after`.
pub fn list(
    conn: &mut DbConnection,
    scope: Scope<'_>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Patient>, ApiError> {
    let mut query = patients::table
        .select(Patient::as_select())
        .order((patients::created_at.asc(), patients::id.asc()))
        .limit(limit)
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::Only(id) => query = query.filter(patients::id.eq(id.to_owned())),
        Scope::CareTeamOf(physician_id) => {
            let team = care_team_members::table
                .filter(care_team_members::physician_id.eq(physician_id.to_owned()))
                .select(care_team_members::patient_id);
            query = query.filter(patients::id.eq_any(team));
        }
    }
    if let Some((created_at, id)) = after {
        query = query.filter(
            patients::created_at
                .gt(created_at)
                .or(patients::created_at.eq(created_at).and(patients::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}
