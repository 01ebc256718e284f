//! Cohort counts for the symptom statistics: distinct patients per day
//! since treatment, counted in the database with indexed joins.

use chrono::NaiveDateTime;
use diesel::dsl::count;
use diesel::prelude::*;

use super::schema::{care_team_members, checkin_symptoms, checkins, treatments};
use super::DbConnection;
use crate::error::ApiError;

/// Treatments administered in [from, until), of these kinds, of the
/// physician's patients (all patients when `physician_id` is `None`).
pub struct Cohort {
    pub from: NaiveDateTime,
    pub until: NaiveDateTime,
    pub kinds: Vec<String>,
    pub physician_id: Option<String>,
}

/// The cohort's filters on a query that joins treatments (grouped or not).
macro_rules! cohort_filter {
    ($query:expr, $cohort:expr) => {{
        let mut query = $query
            .filter(treatments::administered_at.ge($cohort.from))
            .filter(treatments::administered_at.lt($cohort.until))
            .filter(treatments::kind.eq_any($cohort.kinds.clone()))
            .into_boxed();
        if let Some(physician_id) = &$cohort.physician_id {
            let team = care_team_members::table
                .filter(care_team_members::physician_id.eq(physician_id.clone()))
                .select(care_team_members::patient_id);
            query = query.filter(treatments::patient_id.eq_any(team));
        }
        query
    }};
}

pub fn treatments(conn: &mut DbConnection, cohort: &Cohort) -> Result<i64, ApiError> {
    Ok(cohort_filter!(treatments::table, cohort)
        .count()
        .get_result(conn)?)
}

/// (day, patients with a check-in that day).
pub fn reporting(conn: &mut DbConnection, cohort: &Cohort) -> Result<Vec<(i32, i64)>, ApiError> {
    let grouped = checkins::table
        .inner_join(treatments::table)
        .group_by(checkins::day)
        .select((
            checkins::day,
            count(checkins::patient_id).aggregate_distinct(),
        ));
    Ok(cohort_filter!(grouped, cohort).load(conn)?)
}

/// (day, symptom, patients who reported it at `min_severity` or worse).
pub fn symptoms(
    conn: &mut DbConnection,
    cohort: &Cohort,
    min_severity: i32,
) -> Result<Vec<(i32, String, i64)>, ApiError> {
    let grouped = checkin_symptoms::table
        .inner_join(checkins::table.inner_join(treatments::table))
        .filter(checkin_symptoms::severity.ge(min_severity))
        .group_by((checkins::day, checkin_symptoms::symptom))
        .select((
            checkins::day,
            checkin_symptoms::symptom,
            count(checkins::patient_id).aggregate_distinct(),
        ));
    Ok(cohort_filter!(grouped, cohort).load(conn)?)
}
