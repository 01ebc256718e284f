//! `POST /v1/triage/replay` (admins): the stored check-ins of a date range
//! triaged again with proposed settings, beside what is stored, per day
//! and rule, with how physicians resolved the alerts that would disappear
//! or appear. Read-only and in aggregates only (no patient or alert id);
//! each run is an audit row.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::Body;
use crate::auth::audit::{record, Action, NO_PATIENT};
use crate::auth::AuthUser;
use crate::clock::now;
use crate::db::replay::{self, Range};
use crate::domain::accounts::Role;
use crate::domain::replay::{Changed, DayCounts, Pair, Precision, Tally};
use crate::domain::triage::{Rule, Thresholds, RULES_VERSION};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

/// The longest range a replay covers, in days (both ends included).
pub const MAX_DAYS: i64 = 92;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// UTC dates, both included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub settings: ProposedSettings,
}

/// The settings a replay may change; any other is refused.
#[derive(Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct ProposedSettings {
    pub persistence_days: Option<i64>,
}

#[derive(Serialize, Clone, Copy)]
pub struct SettingsView {
    persistence_days: i64,
}

#[derive(Serialize)]
pub struct SettingsPair {
    current: SettingsView,
    proposed: SettingsView,
}

#[derive(Serialize)]
pub struct RuleView {
    rule: Rule,
    findings: Pair,
    alerts: Pair,
    disappearing: Changed,
    appearing: Changed,
    precision: Precision,
}

#[derive(Serialize)]
pub struct DayRuleView {
    rule: Rule,
    #[serde(flatten)]
    counts: DayCounts,
}

#[derive(Serialize)]
pub struct DayView {
    date: NaiveDate,
    rules: Vec<DayRuleView>,
}

#[derive(Serialize)]
pub struct ReplayView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rules_version: &'static str,
    pub settings: SettingsPair,
    pub checkins: u64,
    pub not_comparable: u64,
    pub differing: u64,
    pub rules: Vec<RuleView>,
    pub days: Vec<DayView>,
}

#[tracing::instrument(skip_all)]
pub async fn replay(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<ReplayRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(run(&state, user, body).await?))
}

/// The settings in force and the proposed ones, checked.
fn settings(state: &AppState, body: &ReplayRequest) -> Result<(Thresholds, Thresholds), ApiError> {
    let mut errors = FieldErrors::new();
    for (field, date) in [("from", body.from), ("to", body.to)] {
        if !super::instants::YEARS.contains(&date.year()) {
            errors.add(field, "must be a date in the years 1900 to 9999");
        }
    }
    if body.to < body.from {
        errors.add("to", "must not be before from");
    }
    let current = Thresholds {
        persistence_days: i64::from(state.settings.persistence_days),
    };
    let mut proposed = current;
    if let Some(days) = body.settings.persistence_days {
        let range = Thresholds::PERSISTENCE_DAYS;
        if !range.contains(&days) {
            errors.add(
                "settings.persistence_days",
                format!("must be {} to {} days", range.start(), range.end()),
            );
        }
        proposed.persistence_days = days;
    }
    errors.into_result()?;
    if (body.to - body.from).num_days() + 1 > MAX_DAYS {
        return Err(ApiError::RangeTooLarge(format!(
            "a replay covers at most {MAX_DAYS} days; ask for several"
        )));
    }
    Ok((current, proposed))
}

/// Audits the run, then replays the range.
pub async fn run(
    state: &AppState,
    user: AuthUser,
    body: ReplayRequest,
) -> Result<ReplayView, ApiError> {
    user.require(&[Role::Admin])?;
    let (current, proposed) = settings(state, &body)?;
    let (from, to) = (body.from, body.to);
    let until = to
        .succ_opt()
        .ok_or_else(|| ApiError::InvalidQuery("to is out of range".into()))?;
    let range = Range {
        from: from.and_time(chrono::NaiveTime::MIN),
        until: until.and_time(chrono::NaiveTime::MIN),
    };
    let at = now();
    let resource = format!("{from}/{to}");
    state
        .db
        .transaction(move |conn| {
            record(
                conn,
                &user,
                Action::Read,
                &[(NO_PATIENT, "triage_replay", &resource)],
                at,
            )
        })
        .await?;
    let tally = state
        .db
        .run(move |conn| tally(conn, range, &proposed))
        .await?;
    Ok(view(from, to, current, proposed, tally))
}

/// Folds every course of the range into one tally, a page of treatments
/// at a time.
pub fn tally(
    conn: &mut crate::db::DbConnection,
    range: Range,
    proposed: &Thresholds,
) -> Result<Tally, ApiError> {
    let mut tally = Tally::default();
    let mut after = String::new();
    loop {
        let page = replay::treatments_after(conn, range, &after)?;
        let Some(last) = page.last() else {
            return Ok(tally);
        };
        after = last.id.clone();
        for course in replay::courses(conn, &page, range)? {
            tally.add_course(&course.checkins, &course.verdicts, proposed);
        }
        if page.len() < replay::PAGE as usize {
            return Ok(tally);
        }
    }
}

fn view(
    from: NaiveDate,
    to: NaiveDate,
    current: Thresholds,
    proposed: Thresholds,
    tally: Tally,
) -> ReplayView {
    let mut days: BTreeMap<NaiveDate, Vec<DayRuleView>> = BTreeMap::new();
    for ((date, rule), counts) in tally.days {
        days.entry(date)
            .or_default()
            .push(DayRuleView { rule, counts });
    }
    let settings = |t: Thresholds| SettingsView {
        persistence_days: t.persistence_days,
    };
    ReplayView {
        from,
        to,
        rules_version: RULES_VERSION,
        settings: SettingsPair {
            current: settings(current),
            proposed: settings(proposed),
        },
        checkins: tally.checkins,
        not_comparable: tally.not_comparable,
        differing: tally.differing,
        rules: tally
            .rules
            .into_iter()
            .map(|(rule, counts)| RuleView {
                rule,
                precision: counts.precision(),
                findings: counts.findings,
                alerts: counts.alerts,
                disappearing: counts.disappearing,
                appearing: counts.appearing,
            })
            .collect(),
        days: days
            .into_iter()
            .map(|(date, rules)| DayView { date, rules })
            .collect(),
    }
}
