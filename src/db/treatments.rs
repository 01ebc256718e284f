//! Treatments: one exosome administration, with its screening.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::patients::Patient;
use super::schema::{care_team_members, patients, treatments};
use super::DbConnection;
use crate::domain::treatments::{facts, Kind};
use crate::domain::triage::TreatmentFacts;
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = treatments)]
pub struct Treatment {
    pub id: String,
    pub patient_id: String,
    pub physician_id: String,
    pub kind: String,
    /// JSON array of site codes.
    pub sites: String,
    pub product: String,
    pub lot: Option<String>,
    pub administered_at: NaiveDateTime,
    pub cancer_treatment: bool,
    pub pregnant: bool,
    pub breastfeeding: bool,
    pub planning_pregnancy: bool,
    pub override_reason: Option<String>,
    /// JSON array of warning codes.
    pub warnings: String,
    pub created_at: NaiveDateTime,
    pub baseline_systolic_bp: Option<i32>,
}

impl Treatment {
    pub fn site_codes(&self) -> Vec<String> {
        serde_json::from_str(&self.sites).unwrap_or_default()
    }

    /// What the triage rules need of it.
    pub fn facts(&self) -> TreatmentFacts {
        let kind = Kind::parse(&self.kind).unwrap_or(Kind::Injection);
        facts(kind, &self.site_codes(), self.baseline_systolic_bp)
    }
}

/// Stores the treatment of this patient, with its standing on the worklist.
pub fn insert(
    conn: &mut DbConnection,
    treatment: &Treatment,
    patient: &Patient,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    diesel::insert_into(treatments::table)
        .values(treatment)
        .execute(conn)?;
    super::standings::open(conn, treatment, patient, at)
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Treatment>, ApiError> {
    Ok(treatments::table
        .find(id)
        .select(Treatment::as_select())
        .first(conn)
        .optional()?)
}

/// A page of the patient's treatments in (administered_at, id) order.
pub fn list_for_patient(
    conn: &mut DbConnection,
    patient_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Treatment>, ApiError> {
    let mut query = treatments::table
        .filter(treatments::patient_id.eq(patient_id.to_owned()))
        .select(Treatment::as_select())
        .order((treatments::administered_at.asc(), treatments::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            treatments::administered_at
                .gt(at)
                .or(treatments::administered_at
                    .eq(at)
                    .and(treatments::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Every treatment of the patient, oldest first.
pub fn all_for_patient(
    conn: &mut DbConnection,
    patient_id: &str,
) -> Result<Vec<Treatment>, ApiError> {
    Ok(treatments::table
        .filter(treatments::patient_id.eq(patient_id))
        .select(Treatment::as_select())
        .order((treatments::administered_at.asc(), treatments::id.asc()))
        .load(conn)?)
}

/// Treatments given since `since`, for the periodic jobs.
pub fn given_since(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> Result<Vec<Treatment>, ApiError> {
    Ok(treatments::table
        .filter(treatments::administered_at.ge(since))
        .select(Treatment::as_select())
        .load(conn)?)
}

pub fn on_care_team(
    conn: &mut DbConnection,
    treatment: &Treatment,
    physician_id: &str,
) -> Result<bool, ApiError> {
    let count: i64 = care_team_members::table
        .filter(care_team_members::patient_id.eq(&treatment.patient_id))
        .filter(care_team_members::physician_id.eq(physician_id))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// The treatment a check-in is recorded against, with its patient. On
/// PostgreSQL its row stays locked until the transaction ends, so that
/// check-ins of one treatment are recorded one at a time, each triaged with
/// the history of the one before (SQLite's writers already take turns).
pub fn find_for_checkin(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<(Treatment, Patient)>, ApiError> {
    // FOR NO KEY UPDATE also holds the patient's row: check-ins of one
    // patient's treatments take turns too, which costs nothing in practice.
    Ok(match conn {
        DbConnection::Postgres(pg) => treatments::table
            .inner_join(patients::table)
            .filter(treatments::id.eq(id))
            .select((Treatment::as_select(), Patient::as_select()))
            .for_no_key_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => treatments::table
            .inner_join(patients::table)
            .filter(treatments::id.eq(id))
            .select((Treatment::as_select(), Patient::as_select()))
            .first(sqlite)
            .optional()?,
    })
}
