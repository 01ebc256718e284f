//! What a triage of a check-in leads to, the same whether the check-in is
//! new or triaged again: the alert changes of its findings, the guidance in
//! the patient's language, and the `triage` member of its answer.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::alerting::{self, AlertChange, Plan};
use crate::clock::utc;
use crate::db::patients::Patient;
use crate::db::treatments::Treatment;
use crate::db::DbConnection;
use crate::domain::guidance::{self, Guidance};
use crate::domain::triage::{Finding, Level, Observation, Thresholds, Triage};
use crate::error::ApiError;

/// The clinic's settings a check-in is triaged and answered with.
pub(super) struct Context {
    pub thresholds: Thresholds,
    pub emergency_number: String,
}

/// The check-in whose findings go to the alerts.
#[derive(Clone, Copy)]
pub(super) struct Subject<'a> {
    pub patient_id: &'a str,
    pub treatment_id: &'a str,
    pub checkin_id: &'a str,
    pub observed_at: DateTime<Utc>,
    /// The findings come from triaging the check-in again.
    pub retriaged: bool,
}

/// One check-in's alert changes, decided before anything is written.
pub(super) struct AlertPlans<'a> {
    plans: Vec<(alerting::Input<'a>, Plan)>,
}

impl<'a> AlertPlans<'a> {
    /// Plans the alert change of every finding at warning or above.
    pub fn decide(
        conn: &mut DbConnection,
        subject: Subject<'a>,
        findings: impl IntoIterator<Item = &'a Finding>,
    ) -> Result<Self, ApiError> {
        let mut plans = Vec::new();
        for finding in findings.into_iter().filter(|f| f.level >= Level::Warning) {
            let input = alerting::Input {
                patient_id: subject.patient_id,
                treatment_id: subject.treatment_id,
                checkin_id: Some(subject.checkin_id),
                observed_at: subject.observed_at,
                retriaged: subject.retriaged,
                rule: finding.rule,
                level: finding.level,
                reasons: &finding.reasons,
            };
            if let Some(plan) = alerting::plan(conn, &input)? {
                plans.push((input, plan));
            }
        }
        Ok(Self { plans })
    }

    /// The alerts as the changes leave them, for the answer.
    pub fn changes(&self) -> Vec<AlertChange> {
        self.plans
            .iter()
            .map(|(input, plan)| plan.change(input))
            .collect()
    }

    /// Whether the clinic hears of it: an alert opens, escalates or reopens.
    pub fn notify(&self) -> bool {
        self.plans.iter().any(|(_, plan)| plan.notifies())
    }

    pub fn carry_out(self, conn: &mut DbConnection, at: DateTime<Utc>) -> Result<(), ApiError> {
        for (input, plan) in self.plans {
            alerting::carry_out(conn, &input, plan, at)?;
        }
        Ok(())
    }
}

/// The guidance for a triage, in the patient's language.
pub(super) fn guidance_for(
    context: &Context,
    patient: &Patient,
    treatment: &Treatment,
    result: &Triage,
    observation: &Observation,
    clinic_notified: bool,
) -> Vec<Guidance> {
    let given_at = utc(treatment.administered_at)
        .with_timezone(&patient.zone())
        .naive_local();
    guidance::for_triage(
        result,
        observation,
        &guidance::Context {
            locale: patient.language(),
            emergency_number: &context.emergency_number,
            given_at,
            clinic_notified,
        },
    )
}

/// The `triage` member of an answer: level, findings (a finding made by
/// triaging again says so) and guidance.
pub(super) fn triage_json(result: &Triage, retriaged: &[bool], guidance: &[Guidance]) -> Value {
    let findings: Vec<Value> = result
        .findings
        .iter()
        .zip(retriaged.iter().chain(std::iter::repeat(&false)))
        .map(|(f, again)| {
            let mut finding =
                json!({"rule": f.rule.as_str(), "level": f.level.as_str(), "reasons": f.reasons});
            if *again {
                finding["retriaged"] = Value::Bool(true);
            }
            finding
        })
        .collect();
    json!({
        "level": result.level.as_str(),
        "findings": findings,
        "guidance": guidance.iter().map(|g| json!({"code": g.code, "text": g.text})).collect::<Vec<_>>(),
    })
}
