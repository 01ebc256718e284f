//! A check-in's findings: what the triage rules found in it, current or
//! superseded by a later triage of it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::findings;
use super::DbConnection;
use crate::domain::triage::{Finding, Level, Rule, RULES_VERSION};
use crate::error::ApiError;

#[derive(Insertable)]
#[diesel(table_name = findings)]
pub struct NewFinding<'a> {
    pub id: &'a str,
    pub checkin_id: &'a str,
    pub rule: Rule,
    pub level: Level,
    pub reasons: &'a str,
    pub rules_version: &'a str,
    pub retriaged: bool,
}

impl<'a> NewFinding<'a> {
    /// A finding of the current rules.
    pub fn current(
        id: &'a str,
        checkin_id: &'a str,
        rule: Rule,
        level: Level,
        reasons: &'a str,
        retriaged: bool,
    ) -> Self {
        Self {
            id,
            checkin_id,
            rule,
            level,
            reasons,
            rules_version: RULES_VERSION,
            retriaged,
        }
    }
}

/// A finding a check-in has now (not superseded).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = findings)]
pub struct StoredFinding {
    pub id: String,
    pub checkin_id: String,
    pub rule: Rule,
    pub level: Level,
    pub reasons: String,
    pub retriaged: bool,
}

/// The current findings of these check-ins.
pub fn current_findings(
    conn: &mut DbConnection,
    checkin_ids: &[String],
) -> Result<Vec<StoredFinding>, ApiError> {
    Ok(findings::table
        .filter(findings::checkin_id.eq_any(checkin_ids))
        .filter(findings::superseded_at.is_null())
        .select(StoredFinding::as_select())
        .load(conn)?)
}

/// Marks findings as no longer current.
pub fn supersede_findings(
    conn: &mut DbConnection,
    ids: &[String],
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(findings::table.filter(findings::id.eq_any(ids)))
        .set(findings::superseded_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

/// A finding's reasons as stored: a JSON array of strings.
pub fn stored_reasons(finding: &Finding) -> String {
    serde_json::to_string(&finding.reasons).unwrap_or_default()
}

/// Stores findings of the current rules for a check-in (`retriaged` when
/// they come from triaging it again).
pub fn insert_findings<'f>(
    conn: &mut DbConnection,
    checkin_id: &str,
    new: impl IntoIterator<Item = &'f Finding>,
    retriaged: bool,
) -> Result<(), ApiError> {
    let stored: Vec<(String, &Finding, String)> = new
        .into_iter()
        .map(|f| (uuid::Uuid::now_v7().to_string(), f, stored_reasons(f)))
        .collect();
    let rows: Vec<NewFinding<'_>> = stored
        .iter()
        .map(|(id, f, reasons)| {
            NewFinding::current(id, checkin_id, f.rule, f.level, reasons, retriaged)
        })
        .collect();
    insert_finding_rows(conn, &rows)
}

pub fn insert_finding_rows(
    conn: &mut DbConnection,
    rows: &[NewFinding<'_>],
) -> Result<(), ApiError> {
    super::insert_rows!(conn, findings::table, rows);
    Ok(())
}

/// Rewrites a current finding's reasons (its history reads differently).
pub fn reword_finding(conn: &mut DbConnection, id: &str, reasons: &str) -> Result<(), ApiError> {
    diesel::update(findings::table.find(id))
        .set(findings::reasons.eq(reasons))
        .execute(conn)?;
    Ok(())
}
