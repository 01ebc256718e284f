//! Where each treatment stands on the worklist, one row per treatment,
//! written in the transaction of every change that moves it: a new
//! treatment, a check-in, an alert opened or changed, a patient's new time
//! zone. The one thing that moves by itself, a scheduled day passing, is
//! counted when its instant (`recount_at`) comes, by the periodic job and
//! before a worklist is read. The pure parts are in domain::worklist.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Timestamp};

use super::patients::Patient;
use super::schema::{alerts, patients, treatment_standings as standings, treatments};
use super::treatments::Treatment;
use super::DbConnection;
use crate::clock::utc;
use crate::domain::alerts::Status;
use crate::domain::schedule::SCHEDULE_DAYS;
use crate::domain::worklist::{
    alert_standing, missed_checkins, passed_slots, slot_bit, slot_bits, AlertStanding, AlertState,
    Standing,
};
use crate::error::ApiError;

diesel::infix_operator!(BitAnd, " & ", Integer);
diesel::infix_operator!(BitOr, " | ", Integer);

/// Treatments rebuilt per statement batch: well under either database's
/// limit of bound parameters.
const CHUNK: usize = 500;

#[derive(Clone, Debug, Queryable, Selectable, Insertable, PartialEq, Eq)]
#[diesel(table_name = standings)]
pub struct StandingRow {
    pub treatment_id: String,
    pub patient_id: String,
    pub administered_at: NaiveDateTime,
    pub worst_rank: i32,
    pub waiting_since: Option<NaiveDateTime>,
    pub worst_alert_id: Option<String>,
    pub open_alerts: i32,
    pub active_alerts: i32,
    pub last_checkin_at: Option<NaiveDateTime>,
    pub done_slots: i32,
    pub passed_slots: i32,
    pub missed_checkins: i32,
    pub recount_at: Option<NaiveDateTime>,
}

impl StandingRow {
    /// Its place in the worklist's order (and its cursor).
    pub fn place(&self) -> Standing {
        Standing {
            worst_rank: self.worst_rank,
            oldest_open_alert: self.waiting_since.map(utc),
            missed_checkins: self.missed_checkins,
            administered_at: utc(self.administered_at),
            treatment_id: self.treatment_id.clone(),
        }
    }

    /// The row from what it is made of.
    fn compute(
        treatment: &Treatment,
        patient: &Patient,
        alerts: &AlertStanding,
        last_checkin_at: Option<NaiveDateTime>,
        days_done: &[i64],
        at: DateTime<Utc>,
    ) -> Self {
        let done_slots = slot_bits(days_done);
        let (passed, next) = passed_slots(utc(treatment.administered_at), patient.zone(), at);
        Self {
            treatment_id: treatment.id.clone(),
            patient_id: treatment.patient_id.clone(),
            administered_at: treatment.administered_at,
            worst_rank: alerts.worst_rank,
            waiting_since: alerts.waiting_since.map(|at| at.naive_utc()),
            worst_alert_id: alerts.worst_alert_id.clone(),
            open_alerts: alerts.open_alerts,
            active_alerts: alerts.active_alerts,
            last_checkin_at,
            done_slots,
            passed_slots: passed,
            missed_checkins: missed_checkins(done_slots, passed),
            recount_at: next.map(|at| at.naive_utc()),
        }
    }
}

/// A new treatment: nothing done, nothing alerted.
pub fn open(
    conn: &mut DbConnection,
    treatment: &Treatment,
    patient: &Patient,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row = StandingRow::compute(treatment, patient, &AlertStanding::default(), None, &[], at);
    diesel::insert_into(standings::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// A check-in of `day`, observed at `observed_at`: one statement, no read.
/// A scheduled day that had passed without one is missed no longer.
pub fn checked_in(
    conn: &mut DbConnection,
    treatment_id: &str,
    day: i64,
    observed_at: NaiveDateTime,
) -> Result<(), ApiError> {
    // Statements of the DSL, not SQL text: each is prepared once per
    // connection. Every right-hand side reads the row as it was.
    let observed = observed_at.into_sql::<Timestamp>().nullable();
    let later = case_when(
        standings::last_checkin_at
            .is_null()
            .or(standings::last_checkin_at.lt(observed_at)),
        observed,
    )
    .otherwise(standings::last_checkin_at);
    let target = standings::table.find(treatment_id);
    let bit = slot_bit(day);
    let updated = match SCHEDULE_DAYS.iter().position(|d| *d == day) {
        None => diesel::update(target)
            .set(standings::last_checkin_at.eq(later))
            .execute(conn)?,
        Some(slot) => {
            let slot = i32::try_from(slot).unwrap_or(i32::MAX);
            let bit = bit.into_sql::<Integer>();
            let newly_done = standings::passed_slots
                .gt(slot)
                .and(BitAnd::new(standings::done_slots, bit).eq(0));
            let missed = standings::missed_checkins.into_sql::<Integer>()
                - case_when(newly_done, 1.into_sql::<Integer>()).otherwise(0.into_sql::<Integer>());
            diesel::update(target)
                .set((
                    standings::missed_checkins.eq(missed),
                    standings::done_slots.eq(BitOr::new(standings::done_slots, bit)),
                    standings::last_checkin_at.eq(later),
                ))
                .execute(conn)?
        }
    };
    if updated == 0 {
        return Err(ApiError::internal(anyhow::anyhow!(
            "treatment without a standing"
        )));
    }
    Ok(())
}

/// The alert's treatment counted again, after the alert opened or changed.
pub fn alert_changed(conn: &mut DbConnection, alert_id: &str) -> Result<(), ApiError> {
    let treatment_id: String = alerts::table
        .find(alert_id)
        .select(alerts::treatment_id)
        .first(conn)?;
    recount_alerts(conn, &treatment_id)
}

/// The treatment's alerts counted again. On PostgreSQL the row is locked
/// first, so that of two transactions changing alerts of one treatment the
/// second counts after the first has committed.
pub fn recount_alerts(conn: &mut DbConnection, treatment_id: &str) -> Result<(), ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        standings::table
            .find(treatment_id)
            .select(standings::treatment_id)
            .for_no_key_update()
            .first::<String>(pg)?;
    }
    let active = active_alerts(conn, &[treatment_id.to_owned()])?;
    let counted = standing_of(&active);
    diesel::update(standings::table.find(treatment_id))
        .set((
            standings::worst_rank.eq(counted.worst_rank),
            standings::waiting_since.eq(counted.waiting_since.map(|at| at.naive_utc())),
            standings::worst_alert_id.eq(counted.worst_alert_id),
            standings::open_alerts.eq(counted.open_alerts),
            standings::active_alerts.eq(counted.active_alerts),
        ))
        .execute(conn)?;
    Ok(())
}

/// (treatment id, alert id, rank, created at, status) of the alerts not
/// resolved of these treatments.
type ActiveAlert = (String, String, i32, NaiveDateTime, Status);

fn active_alerts(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<ActiveAlert>, ApiError> {
    Ok(alerts::table
        .filter(alerts::treatment_id.eq_any(ids))
        .filter(alerts::status.eq_any(Status::ACTIVE))
        .select((
            alerts::treatment_id,
            alerts::id,
            alerts::level_rank,
            alerts::created_at,
            alerts::status,
        ))
        .load(conn)?)
}

fn standing_of<'a>(alerts: impl IntoIterator<Item = &'a ActiveAlert>) -> AlertStanding {
    let states: Vec<AlertState<'_>> = alerts
        .into_iter()
        .map(|(_, id, rank, created_at, status)| AlertState {
            id,
            rank: *rank,
            created_at: utc(*created_at),
            status: *status,
        })
        .collect();
    alert_standing(&states)
}

/// Whether a scheduled day has passed for any treatment since it was last
/// counted.
pub fn any_recount_due(conn: &mut DbConnection, at: DateTime<Utc>) -> Result<bool, ApiError> {
    Ok(diesel::select(diesel::dsl::exists(
        standings::table.filter(standings::recount_at.le(at.naive_utc())),
    ))
    .get_result(conn)?)
}

/// Counts the passed days again of every treatment whose next scheduled
/// day has passed; returns how many rows changed. A row a check-in changed
/// meanwhile is left for the next run (its `recount_at` is still due).
pub fn recount_passed_days(conn: &mut DbConnection, at: DateTime<Utc>) -> Result<usize, ApiError> {
    let due: Vec<(String, NaiveDateTime, i32, String)> = standings::table
        .inner_join(patients::table)
        .filter(standings::recount_at.le(at.naive_utc()))
        .select((
            standings::treatment_id,
            standings::administered_at,
            standings::done_slots,
            patients::timezone,
        ))
        .order(standings::recount_at.asc())
        .limit(i64::try_from(CHUNK).unwrap_or(i64::MAX))
        .load(conn)?;
    let mut changed = 0;
    for (treatment_id, administered_at, done, timezone) in due {
        let zone = timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let (passed, next) = passed_slots(utc(administered_at), zone, at);
        changed += diesel::update(
            standings::table
                .find(&treatment_id)
                .filter(standings::done_slots.eq(done)),
        )
        .set((
            standings::passed_slots.eq(passed),
            standings::missed_checkins.eq(missed_checkins(done, passed)),
            standings::recount_at.eq(next.map(|at| at.naive_utc())),
        ))
        .execute(conn)?;
    }
    Ok(changed)
}

/// Counts the passed days of every row due, in transactions of their own
/// (SQLite's write turn) and only when some are due, so that a read before
/// which it runs writes nothing in the common case. For the periodic job
/// and before a worklist is read.
pub async fn recount_due(db: &super::Db, at: DateTime<Utc>) -> Result<(), ApiError> {
    while db.run(move |conn| any_recount_due(conn, at)).await? {
        if db
            .transaction(move |conn| recount_passed_days(conn, at))
            .await?
            == 0
        {
            // Each due row was changed by a check-in meanwhile: counted on
            // the next read or run.
            break;
        }
    }
    Ok(())
}

/// The rows of these treatments made again from the check-ins and alerts:
/// after a patient's time zone changed, and for rows written around the
/// service (bulk loads).
pub fn rebuild(
    conn: &mut DbConnection,
    treatment_ids: &[String],
    at: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let mut rebuilt = 0;
    for ids in treatment_ids.chunks(CHUNK) {
        let given: Vec<(Treatment, Patient)> = treatments::table
            .inner_join(patients::table)
            .filter(treatments::id.eq_any(ids))
            .select((Treatment::as_select(), Patient::as_select()))
            .load(conn)?;
        let ids: Vec<String> = given.iter().map(|(t, _)| t.id.clone()).collect();
        let mut alerts: HashMap<String, Vec<ActiveAlert>> = HashMap::new();
        for alert in active_alerts(conn, &ids)? {
            alerts.entry(alert.0.clone()).or_default().push(alert);
        }
        let mut last = super::worklist::last_checkins(conn, &ids)?;
        let mut days = super::checkins::days_done(conn, &ids)?;
        let rows: Vec<StandingRow> = given
            .iter()
            .map(|(treatment, patient)| {
                let counted = standing_of(alerts.get(&treatment.id).into_iter().flatten());
                let done = days.remove(&treatment.id).unwrap_or_default();
                StandingRow::compute(
                    treatment,
                    patient,
                    &counted,
                    last.remove(&treatment.id),
                    &done,
                    at,
                )
            })
            .collect();
        diesel::delete(standings::table.filter(standings::treatment_id.eq_any(&ids)))
            .execute(conn)?;
        rebuilt += super::insert_rows!(conn, standings::table, rows);
    }
    Ok(rebuilt)
}

/// The next treatments without a row (up to a batch), oldest id first.
fn without_standing(conn: &mut DbConnection) -> Result<Vec<String>, ApiError> {
    Ok(treatments::table
        .left_join(standings::table)
        .filter(standings::treatment_id.nullable().is_null())
        .select(treatments::id)
        .order(treatments::id.asc())
        .limit(i64::try_from(CHUNK).unwrap_or(i64::MAX))
        .load(conn)?)
}

/// Makes the rows of treatments that have none (those stored before the
/// table existed), a batch per transaction; returns how many.
pub fn fill_missing(conn: &mut DbConnection, at: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut filled = 0;
    loop {
        let done = super::transaction(conn, |conn| {
            let ids = without_standing(conn)?;
            rebuild(conn, &ids, at)
        })?;
        if done == 0 {
            return Ok(filled);
        }
        filled += done;
    }
}

/// Every row made again, a batch per transaction: for a database loaded
/// around the service.
pub fn rebuild_all(conn: &mut DbConnection, at: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut after = String::new();
    let mut rebuilt = 0;
    loop {
        let ids: Vec<String> = treatments::table
            .filter(treatments::id.gt(&after))
            .select(treatments::id)
            .order(treatments::id.asc())
            .limit(i64::try_from(CHUNK).unwrap_or(i64::MAX))
            .load(conn)?;
        let Some(last) = ids.last() else {
            return Ok(rebuilt);
        };
        after = last.clone();
        rebuilt += super::transaction(conn, |conn| rebuild(conn, &ids, at))?;
    }
}

/// The rows of one patient's treatments made again (a new time zone moves
/// every due date).
pub fn rebuild_patient(
    conn: &mut DbConnection,
    patient_id: &str,
    at: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let ids: Vec<String> = treatments::table
        .filter(treatments::patient_id.eq(patient_id))
        .select(treatments::id)
        .load(conn)?;
    rebuild(conn, &ids, at)
}
