//! `GET /v1/stats/symptoms`: for treatments administered in a date range
//! (UTC dates, both ends included) and optionally of one kind, per day since
//! treatment, how many patients checked in and how many reported each
//! symptom, at any severity and at moderate or worse. Physicians count their
//! care team's patients, admins everyone's.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::clock::now;
use crate::db::stats::{self, Cohort};
use crate::domain::accounts::Role;
use crate::domain::treatments::Kind;
use crate::error::ApiError;
use crate::state::AppState;

/// The default range: the last 90 days.
const DEFAULT_DAYS: i64 = 90;
/// Moderate on the 0..4 scale.
const MODERATE: i32 = 2;

#[derive(Deserialize, Default)]
pub struct StatsQuery {
    #[serde(default, deserialize_with = "super::instants::optional_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::instants::optional_date")]
    pub to: Option<NaiveDate>,
    pub kind: Option<String>,
}

#[derive(Serialize, Default, Clone, Copy)]
struct Counts {
    any: i64,
    moderate_or_worse: i64,
}

#[derive(Serialize)]
struct Day {
    day: i32,
    reporting: i64,
    symptoms: BTreeMap<String, Counts>,
}

#[derive(Serialize)]
pub struct Stats {
    from: NaiveDate,
    to: NaiveDate,
    kind: Option<String>,
    treatments: i64,
    days: Vec<Day>,
}

#[tracing::instrument(skip_all)]
pub async fn symptoms(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, user, query.into_inner()).await?))
}

/// The cohort's counts by day since treatment, as the query asks.
pub async fn load(state: &AppState, user: AuthUser, query: StatsQuery) -> Result<Stats, ApiError> {
    user.require(&[Role::Physician, Role::Nurse, Role::Admin])?;
    let to = query.to.unwrap_or_else(|| now().date_naive());
    let from = query.from.unwrap_or(to - Duration::days(DEFAULT_DAYS));
    if from > to {
        return Err(ApiError::InvalidQuery("from must not be after to".into()));
    }
    let kinds: Vec<String> = match query.kind.as_deref() {
        None | Some("") => Kind::ALL.iter().map(|k| k.as_str().to_owned()).collect(),
        Some(raw) => vec![Kind::parse(raw)
            .ok_or_else(|| {
                ApiError::InvalidQuery("kind must be injection, iv_drip or iv_push".into())
            })?
            .as_str()
            .to_owned()],
    };
    let until = to
        .succ_opt()
        .ok_or_else(|| ApiError::InvalidQuery("to is out of range".into()))?;
    let cohort = Cohort {
        from: from.and_time(chrono::NaiveTime::MIN),
        until: until.and_time(chrono::NaiveTime::MIN),
        kinds,
        physician_id: user.role.is_care_team().then(|| user.id.clone()),
    };
    let kind = query.kind.clone().filter(|k| !k.is_empty());
    let body = state
        .db
        .run(move |conn| {
            let treatments = stats::treatments(conn, &cohort)?;
            let mut days: BTreeMap<i32, Day> = BTreeMap::new();
            for (day, reporting) in stats::reporting(conn, &cohort)? {
                days.insert(
                    day,
                    Day {
                        day,
                        reporting,
                        symptoms: BTreeMap::new(),
                    },
                );
            }
            for (min, moderate) in [(1, false), (MODERATE, true)] {
                for (day, symptom, patients) in stats::symptoms(conn, &cohort, min)? {
                    if let Some(entry) = days.get_mut(&day) {
                        let counts = entry.symptoms.entry(symptom).or_default();
                        if moderate {
                            counts.moderate_or_worse = patients;
                        } else {
                            counts.any = patients;
                        }
                    }
                }
            }
            Ok(Stats {
                from,
                to,
                kind,
                treatments,
                days: days.into_values().collect(),
            })
        })
        .await?;
    Ok(body)
}
