//! The rows behind a patient's timeline: every check-in of the patient's
//! treatments with its vitals and symptoms, and the alerts each day fed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::alerts::Alert;
use super::schema::{alert_evidence, alerts, checkin_symptoms, checkins};
use super::DbConnection;
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = checkins)]
pub struct CheckinVitals {
    pub id: String,
    pub treatment_id: String,
    pub day: i32,
    pub observed_at: NaiveDateTime,
    pub glucose_mg_dl: Option<f64>,
    pub systolic_bp: Option<f64>,
    pub temperature_c: Option<f64>,
}

pub fn checkins_of(
    conn: &mut DbConnection,
    treatment_ids: &[String],
) -> Result<Vec<CheckinVitals>, ApiError> {
    Ok(checkins::table
        .filter(checkins::treatment_id.eq_any(treatment_ids))
        .select(CheckinVitals::as_select())
        .order((checkins::observed_at.asc(), checkins::id.asc()))
        .load(conn)?)
}

/// (check-in id, symptom, severity) of the symptoms of these treatments'
/// check-ins answered at `min_severity` or above (0 for every answer).
pub fn symptoms_of(
    conn: &mut DbConnection,
    treatment_ids: &[String],
    min_severity: i32,
) -> Result<Vec<(String, String, i32)>, ApiError> {
    Ok(checkin_symptoms::table
        .inner_join(checkins::table)
        .filter(checkins::treatment_id.eq_any(treatment_ids))
        .filter(checkin_symptoms::severity.ge(min_severity))
        .select((
            checkin_symptoms::checkin_id,
            checkin_symptoms::symptom,
            checkin_symptoms::severity,
        ))
        .order((
            checkin_symptoms::checkin_id.asc(),
            checkin_symptoms::symptom.asc(),
        ))
        .load(conn)?)
}

/// Each alert of these treatments with the time of each piece of its
/// evidence.
pub fn alert_evidence_of(
    conn: &mut DbConnection,
    treatment_ids: &[String],
) -> Result<Vec<(Alert, NaiveDateTime)>, ApiError> {
    Ok(alert_evidence::table
        .inner_join(alerts::table)
        .filter(alerts::treatment_id.eq_any(treatment_ids))
        .select((Alert::as_select(), alert_evidence::observed_at))
        .order((alert_evidence::observed_at.asc(), alert_evidence::id.asc()))
        .load(conn)?)
}
