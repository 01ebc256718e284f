//! The rows behind the physician's worklist: a page of the care team's
//! standings in the worklist's order, then the treatments, patients and
//! alerts of that page only.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Timestamp};

use super::patients::Patient;
use super::schema::{care_team_members, patients, treatment_standings as standings, treatments};
use super::standings::StandingRow;
use super::treatments::Treatment;
use super::DbConnection;
use crate::domain::worklist::Standing;
use crate::error::ApiError;

/// The standings of the physician's active treatments (given at or after
/// `since`, or with an alert not resolved), most urgent first
/// (domain::worklist::urgency), after `after`: one read of the care team's
/// rows, at most `limit`.
pub fn page(
    conn: &mut DbConnection,
    physician_id: &str,
    since: NaiveDateTime,
    after: Option<&Standing>,
    limit: i64,
) -> Result<Vec<StandingRow>, ApiError> {
    let team = care_team_members::table
        .filter(care_team_members::physician_id.eq(physician_id.to_owned()))
        .select(care_team_members::patient_id);
    let mut query = standings::table
        .filter(standings::patient_id.eq_any(team))
        .filter(
            standings::administered_at
                .ge(since)
                .or(standings::active_alerts.gt(0)),
        )
        .select(StandingRow::as_select())
        // Rows of one rank either all wait since an alert (rank above 0)
        // or none does, so where each database sorts NULLs is immaterial.
        .order((
            standings::worst_rank.desc(),
            standings::waiting_since.asc(),
            standings::missed_checkins.desc(),
            standings::administered_at.asc(),
            standings::treatment_id.asc(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        let (rank, missed) = (after.worst_rank, after.missed_checkins);
        let (given, id) = (
            after.administered_at.naive_utc(),
            after.treatment_id.clone(),
        );
        let after_within_missed =
            standings::missed_checkins
                .lt(missed)
                .or(standings::missed_checkins.eq(missed).and(
                    standings::administered_at
                        .gt(given)
                        .or(standings::administered_at
                            .eq(given)
                            .and(standings::treatment_id.gt(id))),
                ));
        let later_rank = standings::worst_rank.lt(rank);
        let same_rank = standings::worst_rank.eq(rank);
        query = match after.oldest_open_alert.map(|at| at.naive_utc()) {
            Some(waiting) => {
                let since = standings::waiting_since.assume_not_null();
                query.filter(
                    later_rank.or(same_rank.and(
                        since
                            .gt(waiting)
                            .or(since.eq(waiting).and(after_within_missed)),
                    )),
                )
            }
            None => query.filter(later_rank.or(same_rank.and(after_within_missed))),
        };
    }
    Ok(query.load(conn)?)
}

/// The treatments and their patients of these ids.
pub fn treatments_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, (Treatment, Patient)>, ApiError> {
    Ok(treatments::table
        .inner_join(patients::table)
        .filter(treatments::id.eq_any(ids))
        .select((Treatment::as_select(), Patient::as_select()))
        .load::<(Treatment, Patient)>(conn)?
        .into_iter()
        .map(|(t, p)| (t.id.clone(), (t, p)))
        .collect())
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
