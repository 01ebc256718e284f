//! The reads of a rule replay (`domain::replay`): the treatments with a
//! check-in in the range, a page at a time, and for a page their check-ins
//! up to the end of the range, the current findings of those in the range
//! and the verdicts on their alerts. Reads only; memory is one page's.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::checkins::Reported;
use super::schema::{alerts, checkins, findings, treatments};
use super::treatments::Treatment;
use super::DbConnection;
use crate::domain::replay::{Replayed, Stored, Verdicts, UNRESOLVED};
use crate::domain::triage::{Level, Rule, TreatmentFacts, RULES_VERSION};
use crate::error::ApiError;

/// Treatments per page.
pub const PAGE: i64 = 500;

/// Check-ins observed in `[from, until)`.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub from: NaiveDateTime,
    pub until: NaiveDateTime,
}

/// The columns of a check-in that its triage reads.
#[derive(Queryable, Selectable)]
#[diesel(table_name = checkins)]
struct Row {
    id: String,
    treatment_id: String,
    day: i32,
    observed_at: NaiveDateTime,
    present_symptoms: String,
    glucose_value: Option<f64>,
    glucose_unit: Option<String>,
    systolic_bp: Option<f64>,
    temperature_c: Option<f64>,
    medical_care: Option<String>,
}

impl Row {
    fn reported(&self) -> Reported<'_> {
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
    }
}

/// Up to `PAGE` treatments after `after` (by id) with a check-in observed
/// in the range.
pub fn treatments_after(
    conn: &mut DbConnection,
    range: Range,
    after: &str,
) -> Result<Vec<Treatment>, ApiError> {
    let in_range = checkins::table
        .filter(checkins::treatment_id.eq(treatments::id))
        .filter(checkins::observed_at.ge(range.from))
        .filter(checkins::observed_at.lt(range.until));
    Ok(treatments::table
        .filter(treatments::administered_at.lt(range.until))
        .filter(treatments::id.gt(after))
        .filter(diesel::dsl::exists(in_range))
        .order(treatments::id.asc())
        .select(Treatment::as_select())
        .limit(PAGE)
        .load(conn)?)
}

/// One treatment's course for the replay and the verdicts on its alerts.
pub struct Course {
    pub checkins: Vec<Replayed>,
    pub verdicts: Verdicts,
}

/// The courses of these treatments: their check-ins observed before the
/// end of the range, in history order (observed_at, received_at, id).
pub fn courses(
    conn: &mut DbConnection,
    page: &[Treatment],
    range: Range,
) -> Result<Vec<Course>, ApiError> {
    let ids: Vec<&str> = page.iter().map(|t| t.id.as_str()).collect();
    let rows: Vec<Row> = checkins::table
        .filter(checkins::treatment_id.eq_any(&ids))
        .filter(checkins::observed_at.lt(range.until))
        .order((
            checkins::treatment_id.asc(),
            checkins::observed_at.asc(),
            checkins::received_at.asc(),
            checkins::id.asc(),
        ))
        .select(Row::as_select())
        .load(conn)?;
    let mut stored = stored_findings(conn, &ids, range)?;
    let mut verdicts = verdicts(conn, &ids)?;
    let mut courses: HashMap<&str, Vec<Replayed>> = HashMap::new();
    // What the rules need from each treatment, read from its row once.
    let by_id: HashMap<&str, (&Treatment, TreatmentFacts)> = page
        .iter()
        .map(|t| (t.id.as_str(), (t, t.facts())))
        .collect();
    for row in &rows {
        let Some((treatment, facts)) = by_id.get(row.treatment_id.as_str()) else {
            continue;
        };
        let in_range = row.observed_at >= range.from;
        let findings = match in_range {
            true => stored
                .remove(&row.id)
                .unwrap_or(Stored::Current(Vec::new())),
            false => Stored::Current(Vec::new()),
        };
        courses
            .entry(treatment.id.as_str())
            .or_default()
            .push(Replayed {
                observation: row
                    .reported()
                    .observation(*facts, treatment.administered_at),
                observed_at: row.observed_at,
                in_range,
                stored: findings,
            });
    }
    Ok(page
        .iter()
        .map(|t| Course {
            checkins: courses.remove(t.id.as_str()).unwrap_or_default(),
            verdicts: verdicts.remove(t.id.as_str()).unwrap_or_default(),
        })
        .collect())
}

/// The current findings of the treatments' check-ins in the range, by
/// check-in; a check-in with a finding of another rules version is not
/// comparable.
fn stored_findings(
    conn: &mut DbConnection,
    ids: &[&str],
    range: Range,
) -> Result<HashMap<String, Stored>, ApiError> {
    let rows: Vec<(String, Rule, Level, String)> = findings::table
        .inner_join(checkins::table)
        .filter(checkins::treatment_id.eq_any(ids))
        .filter(checkins::observed_at.ge(range.from))
        .filter(checkins::observed_at.lt(range.until))
        .filter(findings::superseded_at.is_null())
        .select((
            findings::checkin_id,
            findings::rule,
            findings::level,
            findings::rules_version,
        ))
        .load(conn)?;
    let mut stored: HashMap<String, Stored> = HashMap::new();
    for (checkin_id, rule, level, version) in rows {
        let entry = stored
            .entry(checkin_id)
            .or_insert_with(|| Stored::Current(Vec::new()));
        match (entry, version == RULES_VERSION) {
            (Stored::Current(found), true) => found.push((rule, level)),
            (entry, _) => *entry = Stored::OtherVersion,
        }
    }
    Ok(stored)
}

/// The verdict on each treatment's latest alert per rule: how it was
/// resolved, or `unresolved`.
fn verdicts(conn: &mut DbConnection, ids: &[&str]) -> Result<HashMap<String, Verdicts>, ApiError> {
    let rows: Vec<(String, Rule, Option<NaiveDateTime>, Option<String>)> = alerts::table
        .filter(alerts::treatment_id.eq_any(ids))
        .order((alerts::created_at.asc(), alerts::id.asc()))
        .select((
            alerts::treatment_id,
            alerts::rule,
            alerts::resolved_at,
            alerts::resolution_outcome,
        ))
        .load(conn)?;
    let mut verdicts: HashMap<String, Verdicts> = HashMap::new();
    for (treatment_id, rule, resolved_at, outcome) in rows {
        let verdict = match (resolved_at, outcome) {
            (Some(_), Some(outcome)) => outcome,
            (Some(_), None) => "resolved".to_owned(),
            (None, _) => UNRESOLVED.to_owned(),
        };
        verdicts
            .entry(treatment_id)
            .or_default()
            .insert(rule, verdict);
    }
    Ok(verdicts)
}
