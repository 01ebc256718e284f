//! The rows behind the physician's worklist: the care team's active
//! treatments, their open alerts, last check-ins and check-in days, each
//! loaded in one indexed query for the whole list.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Timestamp};

use super::patients::Patient;
use super::schema::{alerts, care_team_members, patients, treatments};
use super::treatments::Treatment;
use super::DbConnection;
use crate::domain::alerts::Status;
use crate::error::ApiError;

/// Treatments of the physician's patients given at or after `since`, or
/// with an alert that is not resolved, with their patients. Three indexed
/// lookups rather than one query with an OR, which would scan.
pub fn active_treatments(
    conn: &mut DbConnection,
    physician_id: &str,
    since: NaiveDateTime,
) -> Result<Vec<(Treatment, Patient)>, ApiError> {
    let team: Vec<String> = care_team_members::table
        .filter(care_team_members::physician_id.eq(physician_id))
        .select(care_team_members::patient_id)
        .load(conn)?;
    if team.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<(Treatment, Patient)> = treatments::table
        .inner_join(patients::table)
        .filter(treatments::patient_id.eq_any(&team))
        .filter(treatments::administered_at.ge(since))
        .select((Treatment::as_select(), Patient::as_select()))
        .load(conn)?;
    let alerted: Vec<String> = alerts::table
        .filter(alerts::patient_id.eq_any(&team))
        .filter(alerts::status.eq_any(Status::ACTIVE))
        .select(alerts::treatment_id)
        .distinct()
        .load(conn)?;
    let older: Vec<String> = alerted
        .into_iter()
        .filter(|id| rows.iter().all(|(t, _)| &t.id != id))
        .collect();
    if !older.is_empty() {
        rows.extend(
            treatments::table
                .inner_join(patients::table)
                .filter(treatments::id.eq_any(&older))
                .select((Treatment::as_select(), Patient::as_select()))
                .load::<(Treatment, Patient)>(conn)?,
        );
    }
    Ok(rows)
}

/// The last check-in time of each of these treatments that has one.
pub fn last_checkins(
    conn: &mut DbConnection,
    treatment_ids: &[String],
) -> Result<HashMap<String, NaiveDateTime>, ApiError> {
    let rows: Vec<(String, Option<NaiveDateTime>)> = match conn {
        // One probe of the treatment index per treatment: a grouped MAX
        // over a list of treatments reads every check-in of each, and a
        // year of check-ins makes that the worklist's cost.
        DbConnection::Postgres(pg) => diesel::sql_query(
            "SELECT t.id AS treatment_id, \
             (SELECT max(c.observed_at) FROM checkins c WHERE c.treatment_id = t.id) AS last \
             FROM unnest($1::text[]) AS t(id)",
        )
        .bind::<Array<Text>, _>(treatment_ids)
        .load::<LastCheckin>(pg)?
        .into_iter()
        .map(|row| (row.treatment_id, row.last))
        .collect(),
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "SELECT t.value AS treatment_id, \
             (SELECT max(c.observed_at) FROM checkins c WHERE c.treatment_id = t.value) AS last \
             FROM json_each(?) AS t",
        )
        .bind::<Text, _>(serde_json::to_string(treatment_ids).map_err(ApiError::internal)?)
        .load::<LastCheckin>(sqlite)?
        .into_iter()
        .map(|row| (row.treatment_id, row.last))
        .collect(),
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect())
}

#[derive(QueryableByName)]
struct LastCheckin {
    #[diesel(sql_type = Text)]
    treatment_id: String,
    #[diesel(sql_type = Nullable<Timestamp>)]
    last: Option<NaiveDateTime>,
}
