//! Check-ins, their symptoms (one row each, for queries) and findings.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{checkin_symptoms, checkins};
use super::treatments::Treatment;
use super::DbConnection;
use crate::domain::schedule::SCHEDULE_DAYS;
use crate::domain::symptoms::{Severities, Symptom};
use crate::domain::triage::{
    Glucose, GlucoseUnit, History, Level, MedicalCare, Observation, TreatmentFacts, Vitals,
};
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = checkins)]
pub struct Checkin {
    pub id: String,
    pub treatment_id: String,
    pub patient_id: String,
    pub client_id: String,
    pub request_hash: String,
    pub day: i32,
    pub observed_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub glucose_value: Option<f64>,
    pub glucose_unit: Option<String>,
    pub glucose_mg_dl: Option<f64>,
    pub systolic_bp: Option<f64>,
    pub temperature_c: Option<f64>,
    pub missed_normal_activities: Option<bool>,
    pub missed_work: Option<bool>,
    pub medical_care: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub triage_level: Level,
    /// The answer given when it was recorded, replayed for duplicates.
    pub response: String,
    /// The symptoms reported above 0, as `present_symptoms` spells them.
    pub present_symptoms: String,
    /// The role of whoever recorded it (`None` only for rows older than
    /// the column whose recorder is gone).
    pub recorded_by_role: Option<String>,
}

impl Checkin {
    /// The check-in as the triage rules read it.
    pub fn observation(
        &self,
        treatment: TreatmentFacts,
        administered_at: NaiveDateTime,
    ) -> Observation {
        Reported {
            day: self.day,
            observed_at: self.observed_at,
            present_symptoms: &self.present_symptoms,
            glucose_value: self.glucose_value,
            glucose_unit: self.glucose_unit.as_deref(),
            systolic_bp: self.systolic_bp,
            temperature_c: self.temperature_c,
            medical_care: self.medical_care.as_deref(),
        }
        .observation(treatment, administered_at)
    }
}

/// What a check-in reported, as the triage rules read it (from a whole
/// row or from the columns a replay reads).
pub struct Reported<'a> {
    pub day: i32,
    pub observed_at: NaiveDateTime,
    pub present_symptoms: &'a str,
    pub glucose_value: Option<f64>,
    pub glucose_unit: Option<&'a str>,
    pub systolic_bp: Option<f64>,
    pub temperature_c: Option<f64>,
    pub medical_care: Option<&'a str>,
}

impl Reported<'_> {
    pub fn observation(
        &self,
        treatment: TreatmentFacts,
        administered_at: NaiveDateTime,
    ) -> Observation {
        let glucose = self
            .glucose_value
            .zip(self.glucose_unit.and_then(GlucoseUnit::parse))
            .map(|(value, unit)| Glucose { value, unit });
        Observation {
            day: i64::from(self.day),
            elapsed: self.observed_at - administered_at,
            treatment,
            severities: severities(self.present_symptoms),
            vitals: Vitals {
                glucose,
                systolic_bp: self.systolic_bp,
                temperature_c: self.temperature_c,
            },
            medical_care: self
                .medical_care
                .and_then(MedicalCare::parse)
                .unwrap_or_default(),
        }
    }
}

/// The severities of a `present_symptoms` value.
fn severities(present: &str) -> Severities {
    let mut severities = Severities::default();
    for (code, severity) in parse_present(present) {
        if let Some(symptom) = Symptom::from_code(code) {
            severities.set(symptom, u8::try_from(severity).unwrap_or(0));
        }
    }
    severities
}

/// One check-in of a treatment's course, with what its history needs.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = checkins)]
pub struct CourseEntry {
    pub id: String,
    pub day: i32,
    pub observed_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub present_symptoms: String,
    pub systolic_bp: Option<f64>,
}

impl CourseEntry {
    /// The check-in as an earlier one in a history: what it reported and
    /// the blood pressure that can make an allergic pattern.
    pub fn observation(
        &self,
        treatment: TreatmentFacts,
        administered_at: NaiveDateTime,
    ) -> Observation {
        Observation {
            day: i64::from(self.day),
            elapsed: self.observed_at - administered_at,
            treatment,
            severities: severities(&self.present_symptoms),
            vitals: Vitals {
                systolic_bp: self.systolic_bp,
                ..Vitals::default()
            },
            medical_care: MedicalCare::None,
        }
    }
}

/// History order (clinical-rules.md, "Time"): observed_at, ties broken by
/// received_at, then id.
#[allow(clippy::type_complexity)]
fn history_order() -> (
    diesel::dsl::Asc<checkins::observed_at>,
    diesel::dsl::Asc<checkins::received_at>,
    diesel::dsl::Asc<checkins::id>,
) {
    (
        checkins::observed_at.asc(),
        checkins::received_at.asc(),
        checkins::id.asc(),
    )
}

/// The check-ins of the treatment that a history is made of, in history
/// order (observed_at, then received_at, then id), from one index range:
/// those that reported a symptom or a blood pressure, and the first one
/// from day 1 on whatever it reported (a quiet day is a baseline for the
/// worsening rule). The other quiet days change no finding.
fn course(conn: &mut DbConnection, treatment_id: &str) -> Result<Vec<CourseEntry>, ApiError> {
    let first = diesel::alias!(checkins as first_from_day_1);
    let first_from_day_1 = first
        .filter(first.field(checkins::treatment_id).eq(treatment_id))
        .filter(first.field(checkins::day).ge(1))
        .order((
            first.field(checkins::observed_at).asc(),
            first.field(checkins::received_at).asc(),
            first.field(checkins::id).asc(),
        ))
        .select(first.field(checkins::id))
        .limit(1)
        .single_value();
    Ok(checkins::table
        .filter(checkins::treatment_id.eq(treatment_id))
        .filter(
            checkins::present_symptoms
                .ne("")
                .or(checkins::systolic_bp.is_not_null())
                .or(checkins::id.nullable().eq(first_from_day_1)),
        )
        .select(CourseEntry::as_select())
        .order(history_order())
        .load(conn)?)
}

/// The treatment's course at a new check-in: the history of the new one,
/// and whether check-ins whose findings depend on history were observed
/// after it (usually not; they were when it arrives late, from an offline
/// device).
pub struct Course {
    pub history: History,
    pub later: bool,
}

/// The course of `treatment` at a check-in observed at `observed_at`. Ties
/// in observed_at go to the stored check-in: it was received first.
pub fn course_at(
    conn: &mut DbConnection,
    treatment: &Treatment,
    observed_at: NaiveDateTime,
) -> Result<Course, ApiError> {
    let facts = treatment.facts();
    let mut history = History::default();
    let mut later = false;
    for entry in course(conn, &treatment.id)? {
        if entry.observed_at <= observed_at {
            history.add(&entry.observation(facts, treatment.administered_at));
        } else {
            later |= entry.depends_on_history();
        }
    }
    Ok(Course { history, later })
}

impl CourseEntry {
    /// Whether triaging the treatment again can change this check-in's
    /// findings: only what it reported depends on history.
    pub fn depends_on_history(&self) -> bool {
        !self.present_symptoms.is_empty() || self.systolic_bp.is_some()
    }
}

/// "swelling=2;redness=1": the symptoms reported above 0.
pub fn present_symptoms<'a>(reported: impl IntoIterator<Item = (&'a str, i32)>) -> String {
    reported
        .into_iter()
        .filter(|(_, severity)| *severity > 0)
        .map(|(symptom, severity)| format!("{symptom}={severity}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// The (symptom, severity) pairs of a `present_symptoms` value; anything
/// malformed is skipped.
pub fn parse_present(present: &str) -> impl Iterator<Item = (&str, i32)> {
    present
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(symptom, severity)| Some((symptom, severity.parse().ok()?)))
}

/// Stores a check-in's triage again: its level and its answer.
pub fn update_triage(
    conn: &mut DbConnection,
    id: &str,
    level: Level,
    response: &str,
) -> Result<(), ApiError> {
    diesel::update(checkins::table.find(id))
        .set((
            checkins::triage_level.eq(level),
            checkins::response.eq(response),
        ))
        .execute(conn)?;
    Ok(())
}

/// The treatment's check-ins observed after `after`, whole, in history
/// order.
pub fn observed_after(
    conn: &mut DbConnection,
    treatment_id: &str,
    after: NaiveDateTime,
) -> Result<Vec<Checkin>, ApiError> {
    Ok(checkins::table
        .filter(checkins::treatment_id.eq(treatment_id))
        .filter(checkins::observed_at.gt(after))
        .select(Checkin::as_select())
        .order(history_order())
        .load(conn)?)
}

/// The stored check-in with this client id, if the patient sent it before.
pub fn find_by_client_id(
    conn: &mut DbConnection,
    patient_id: &str,
    client_id: &str,
) -> Result<Option<Checkin>, ApiError> {
    Ok(checkins::table
        .filter(checkins::patient_id.eq(patient_id))
        .filter(checkins::client_id.eq(client_id))
        .select(Checkin::as_select())
        .first(conn)
        .optional()?)
}

/// The check-in with its symptoms (its findings are stored apart, by
/// `insert_findings`); `IdempotencyConflict` if its client_id is taken.
pub fn insert(
    conn: &mut DbConnection,
    checkin: &Checkin,
    symptoms: &[(&str, i32)],
) -> Result<(), ApiError> {
    diesel::insert_into(checkins::table)
        .values(checkin)
        .execute(conn)
        .map_err(|error| match error {
            // The same client_id committed concurrently.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => ApiError::IdempotencyConflict,
            other => other.into(),
        })?;
    if !symptoms.is_empty() {
        let rows: Vec<_> = symptoms
            .iter()
            .map(|(symptom, severity)| {
                (
                    checkin_symptoms::checkin_id.eq(&checkin.id),
                    checkin_symptoms::symptom.eq(*symptom),
                    checkin_symptoms::severity.eq(*severity),
                )
            })
            .collect();
        super::insert_rows!(conn, checkin_symptoms::table, rows);
    }
    super::standings::checked_in(
        conn,
        &checkin.treatment_id,
        i64::from(checkin.day),
        checkin.observed_at,
    )
}

/// The scheduled days with at least one check-in, per treatment: all the
/// missed-slot count needs, and at most 14 rows per treatment however often
/// its patient checks in.
pub fn days_done(
    conn: &mut DbConnection,
    treatment_ids: &[String],
) -> Result<HashMap<String, Vec<i64>>, ApiError> {
    let scheduled: Vec<i32> = SCHEDULE_DAYS
        .iter()
        .filter_map(|day| i32::try_from(*day).ok())
        .collect();
    let rows: Vec<(String, i32)> = checkins::table
        .filter(checkins::treatment_id.eq_any(treatment_ids))
        .filter(checkins::day.eq_any(scheduled))
        .select((checkins::treatment_id, checkins::day))
        .distinct()
        .load(conn)?;
    let mut days: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, day) in rows {
        days.entry(id).or_default().push(i64::from(day));
    }
    Ok(days)
}

/// The scheduled days on which one treatment has a check-in.
pub fn days_done_of(conn: &mut DbConnection, treatment_id: &str) -> Result<Vec<i64>, ApiError> {
    let id = treatment_id.to_owned();
    Ok(days_done(conn, std::slice::from_ref(&id))?
        .remove(&id)
        .unwrap_or_default())
}

/// A page of the treatment's check-ins in (observed_at, id) order.
pub fn list(
    conn: &mut DbConnection,
    treatment_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Checkin>, ApiError> {
    let mut query = checkins::table
        .filter(checkins::treatment_id.eq(treatment_id.to_owned()))
        .select(Checkin::as_select())
        .order((checkins::observed_at.asc(), checkins::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            checkins::observed_at
                .gt(at)
                .or(checkins::observed_at.eq(at).and(checkins::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Every check-in of these treatments, oldest first.
pub fn all_of_treatments(
    conn: &mut DbConnection,
    treatment_ids: &[String],
) -> Result<Vec<Checkin>, ApiError> {
    Ok(checkins::table
        .filter(checkins::treatment_id.eq_any(treatment_ids))
        .select(Checkin::as_select())
        .order((checkins::observed_at.asc(), checkins::id.asc()))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_symptoms_keep_only_those_above_zero_and_read_back() {
        let stored = present_symptoms([("redness", 1), ("pain", 0), ("swelling", 3)]);
        assert_eq!(stored, "redness=1;swelling=3");
        assert_eq!(
            parse_present(&stored).collect::<Vec<_>>(),
            vec![("redness", 1), ("swelling", 3)]
        );
        assert_eq!(present_symptoms([("pain", 0)]), "");
        assert_eq!(parse_present("").count(), 0);
    }

    #[test]
    fn malformed_present_symptoms_are_skipped() {
        assert_eq!(
            parse_present("redness;swelling=x;pain=2;=").collect::<Vec<_>>(),
            vec![("pain", 2)]
        );
    }
}
