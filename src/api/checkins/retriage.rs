//! Order-free triage (clinical-rules.md, change 7): a check-in that
//! arrives after later check-ins of its treatment changes their history,
//! so each of them is triaged again, in the same transaction. A finding it
//! gains is stored as `retriaged` and goes to the alerts as any finding
//! does (its evidence marked retriaged); a finding it loses stops being
//! current and is marked superseded on its evidence, and its alert is left
//! for a physician to resolve. The check-in's stored answer is rewritten
//! with its current findings, so that a repeated post answers with them.
//! A finding kept at the same rule and level keeps its alert as it is, its
//! reasons reworded if the new history reads differently.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::assess::{guidance_for, triage_json, AlertPlans, Context, Subject};
use crate::clock::utc;
use crate::db::alerts;
use crate::db::checkins::{self, Checkin};
use crate::db::findings::{self, StoredFinding};
use crate::db::patients::Patient;
use crate::db::treatments::Treatment;
use crate::db::DbConnection;
use crate::domain::triage::{triage_later, Finding, History, Observation, Triage};
use crate::error::ApiError;

/// Triages the check-ins observed after `observed_at` again; `history` is
/// the history that includes the check-in observed then.
pub(super) fn after(
    conn: &mut DbConnection,
    context: &Context,
    treatment: &Treatment,
    patient: &Patient,
    history: History,
    observed_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let rows = checkins::observed_after(conn, &treatment.id, observed_at.naive_utc())?;
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let facts = treatment.facts();
    let observations: Vec<Observation> = rows
        .iter()
        .map(|row| row.observation(facts, treatment.administered_at))
        .collect();
    let results = triage_later(history, &observations, &context.thresholds);
    let mut stored: HashMap<String, Vec<StoredFinding>> = HashMap::new();
    for finding in findings::current_findings(conn, &ids)? {
        stored
            .entry(finding.checkin_id.clone())
            .or_default()
            .push(finding);
    }
    let again = Again {
        context,
        treatment,
        patient,
        at,
    };
    for ((row, observation), result) in rows.iter().zip(&observations).zip(&results) {
        let before = stored.remove(&row.id).unwrap_or_default();
        again.one(conn, row, observation, result, &before)?;
    }
    Ok(())
}

struct Again<'a> {
    context: &'a Context,
    treatment: &'a Treatment,
    patient: &'a Patient,
    at: DateTime<Utc>,
}

/// The same finding: the same rule at the same level. Its reasons may read
/// differently with the new history ("first reported on day 2"); they are
/// rewritten in place, and nobody is notified of a wording.
fn same(stored: &StoredFinding, finding: &Finding) -> bool {
    stored.rule == finding.rule && stored.level == finding.level
}

impl Again<'_> {
    /// One check-in: stores what changed of its findings, and its answer.
    fn one(
        &self,
        conn: &mut DbConnection,
        row: &Checkin,
        observation: &Observation,
        result: &Triage,
        before: &[StoredFinding],
    ) -> Result<(), ApiError> {
        let reasons: Vec<String> = result
            .findings
            .iter()
            .map(findings::stored_reasons)
            .collect();
        // The stored finding each new one repeats, if any.
        let kept: Vec<Option<&StoredFinding>> = result
            .findings
            .iter()
            .map(|f| before.iter().find(|s| same(s, f)))
            .collect();
        let gone: Vec<&StoredFinding> = before
            .iter()
            .filter(|s| !kept.iter().flatten().any(|k| k.id == s.id))
            .collect();
        let reworded: Vec<(&StoredFinding, &String)> = kept
            .iter()
            .zip(&reasons)
            .filter_map(|(k, r)| k.filter(|k| k.reasons != *r).map(|k| (k, r)))
            .collect();
        if gone.is_empty() && reworded.is_empty() && kept.iter().all(Option::is_some) {
            return Ok(());
        }
        for (stored, reasons) in reworded {
            findings::reword_finding(conn, &stored.id, reasons)?;
        }
        let now = self.at.naive_utc();
        let gone_ids: Vec<String> = gone.iter().map(|s| s.id.clone()).collect();
        findings::supersede_findings(conn, &gone_ids, now)?;
        for finding in &gone {
            alerts::supersede_evidence(conn, &row.id, finding.rule)?;
        }
        let gained: Vec<_> = result
            .findings
            .iter()
            .zip(&kept)
            .filter(|(_, kept)| kept.is_none())
            .map(|(finding, _)| finding)
            .collect();
        findings::insert_findings(conn, &row.id, gained.iter().copied(), true)?;
        let subject = Subject {
            patient_id: &row.patient_id,
            treatment_id: &row.treatment_id,
            checkin_id: &row.id,
            observed_at: utc(row.observed_at),
            retriaged: true,
        };
        let plans = AlertPlans::decide(conn, subject, gained)?;
        let mut answer: Value = serde_json::from_str(&row.response).map_err(ApiError::internal)?;
        let notified = plans.notify() || told_the_clinic(&answer);
        plans.carry_out(conn, self.at)?;
        let retriaged: Vec<bool> = kept
            .iter()
            .map(|k| k.is_none_or(|stored| stored.retriaged))
            .collect();
        let guidance = guidance_for(
            self.context,
            self.patient,
            self.treatment,
            result,
            observation,
            notified,
        );
        answer["triage"] = triage_json(result, &retriaged, &guidance);
        checkins::update_triage(conn, &row.id, result.level, &answer.to_string())?;
        Ok(())
    }
}

/// Whether the answer already told the patient the clinic was notified.
fn told_the_clinic(answer: &Value) -> bool {
    answer["triage"]["guidance"]
        .as_array()
        .is_some_and(|g| g.iter().any(|g| g["code"] == "clinic_notified"))
}
