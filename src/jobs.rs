//! Periodic work: the `missed_checkins` rule, snoozes that end, alerts
//! that become overdue, reminders that came due and sign-in failure
//! counters that no longer count; and the sealing of the audit trail. Every replica may run it; it is idempotent, so
//! running it twice, or in two places, opens one alert and reports each
//! overdue alert once.

use std::time::Duration;

use chrono::{DateTime, DurationRound, Utc};

use crate::alerting::{self, workflow, AlertChange};
use crate::clock::utc;
use crate::db::alerts::Alert;
use crate::db::audit_chain::{self, Seal};
use crate::db::{self, alerts, checkins, patients, standings, treatments, Db};
use crate::domain::schedule::{day_of, missed_daily_run};
use crate::domain::triage::{Level, Rule};
use crate::error::ApiError;
use crate::webhooks::Wakeup;

/// Treatments old enough to have a passed daily slot and young enough to
/// still have one to miss (day 7 passes on day 8; a day of slack for time
/// zones).
const LOOKBACK_DAYS: i64 = 10;

/// Evaluates every recent treatment once; returns the alerts it opened or
/// changed.
pub async fn check_missed_checkins(
    db: &Db,
    at: DateTime<Utc>,
) -> Result<Vec<AlertChange>, ApiError> {
    let since = (at - chrono::Duration::days(LOOKBACK_DAYS)).naive_utc();
    let recent = db
        .run(move |conn| treatments::given_since(conn, since))
        .await?;
    let mut changes = Vec::new();
    for treatment in recent {
        let outcome = db
            .transaction(move |conn| {
                let patient =
                    patients::find(conn, &treatment.patient_id)?.ok_or(ApiError::NotFound)?;
                let today = day_of(at, utc(treatment.administered_at), patient.zone());
                let done = checkins::days_done_of(conn, &treatment.id)?;
                let Some(run) = missed_daily_run(today, &done) else {
                    return Ok(None);
                };
                let days: Vec<String> = run.iter().map(i64::to_string).collect();
                let reasons = vec![format!(
                    "no check-in on days {}, which have passed",
                    days.join(", ")
                )];
                let stored = serde_json::to_string(&reasons).map_err(ApiError::internal)?;
                if alerts::has_evidence(
                    conn,
                    &treatment.id,
                    Rule::MissedCheckins.as_str(),
                    &stored,
                )? {
                    return Ok(None);
                }
                let input = alerting::Input {
                    patient_id: &patient.id,
                    treatment_id: &treatment.id,
                    checkin_id: None,
                    observed_at: at,
                    rule: Rule::MissedCheckins,
                    level: Level::Warning,
                    reasons: &reasons,
                    retriaged: false,
                };
                alerting::apply(conn, &input, at)
            })
            .await;
        match outcome {
            Ok(change) => changes.extend(change),
            // Another replica opened it at the same moment: nothing to do.
            Err(error) => tracing::warn!(code = error.code(), "missed check-in evaluation skipped"),
        }
    }
    Ok(changes)
}

/// What one turn of the alert clock did.
#[derive(Debug, Default)]
pub struct ClockTurn {
    pub reopened: usize,
    pub overdue: Vec<Alert>,
}

/// Reopens ended snoozes, then reports overdue alerts, in one transaction.
pub async fn turn_alert_clock(
    db: &Db,
    at: DateTime<Utc>,
    overdue_after: chrono::Duration,
) -> Result<ClockTurn, ApiError> {
    db.transaction(move |conn| {
        let reopened = workflow::reopen_ended_snoozes(conn, at)?;
        let overdue = workflow::report_overdue(conn, at, overdue_after)?;
        Ok(ClockTurn { reopened, overdue })
    })
    .await
}

/// Deletes the sign-in and registration failure counters that count for
/// nothing any more; returns how many.
pub async fn forget_stale_throttles(db: &Db, at: DateTime<Utc>) -> Result<usize, ApiError> {
    db.run(move |conn| {
        db::throttle::forget_stale(conn, at.naive_utc(), crate::auth::throttle::LONGEST_WINDOW)
    })
    .await
}

/// Runs the periodic jobs until the process stops.
pub fn spawn(db: Db, every: Duration, overdue_after: chrono::Duration, deliveries: Wakeup) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(every);
        loop {
            ticker.tick().await;
            let at = crate::clock::now();
            if let Err(error) = turn_alert_clock(&db, at, overdue_after).await {
                tracing::warn!(code = error.code(), "alert clock failed");
            }
            if let Err(error) = check_missed_checkins(&db, at).await {
                tracing::warn!(code = error.code(), "periodic job failed");
            }
            if let Err(error) = standings::recount_due(&db, at).await {
                tracing::warn!(code = error.code(), "worklist standings not counted");
            }
            if let Err(error) = forget_stale_throttles(&db, at).await {
                tracing::warn!(code = error.code(), "stale throttle counters kept");
            }
            deliveries.notify();
        }
    });
}

/// Queues the reminders that came due at the start of every minute (a
/// reminder time is a minute), and rings the sender, until the process
/// stops; `email` says whether reminders go out by e-mail too.
pub fn spawn_reminders(db: Db, email: bool, sender: Wakeup) {
    actix_web::rt::spawn(async move {
        loop {
            let at = crate::clock::now();
            match crate::reminders::queue_due(&db, at, email).await {
                Ok(0) => {}
                Ok(slots) => {
                    tracing::info!(slots, "reminders queued");
                    sender.notify();
                }
                Err(error) => tracing::warn!(code = error.code(), "reminders not queued"),
            }
            let next = at
                .duration_trunc(chrono::Duration::minutes(1))
                .unwrap_or(at)
                + chrono::Duration::minutes(1);
            let wait = (next - crate::clock::now()).to_std().unwrap_or_default();
            actix_web::rt::time::sleep(wait).await;
        }
    });
}

/// Audit rows sealed per transaction: a short hold of SQLite's write turn.
const SEAL_BATCH: i64 = 500;

/// Seals every audit row written so far, a batch at a time; with `sweep`,
/// first those that committed after later rows were sealed. Each batch is
/// read and hashed outside the write transaction, which only inserts it
/// (and lets a waiting writer go first on SQLite). Returns the newest seal
/// it made, if any; none also when another replica is sealing.
pub async fn seal_audit_trail(
    db: &Db,
    at: DateTime<Utc>,
    sweep: bool,
) -> Result<Option<Seal>, ApiError> {
    let mut newest = None;
    let passes: &[bool] = if sweep { &[true, false] } else { &[false] };
    for &late in passes {
        loop {
            let (head_seq, seals) = db
                .run(move |conn| {
                    let position = audit_chain::position(conn)?;
                    let events = match late {
                        true => audit_chain::late(conn, &position, SEAL_BATCH)?,
                        false => audit_chain::fresh(conn, &position, SEAL_BATCH)?,
                    };
                    let head = position.head.as_ref();
                    Ok((
                        head.map_or(0, |h| h.seq),
                        audit_chain::seals_after_head(head, &events, at.naive_utc()),
                    ))
                })
                .await?;
            let Some(last) = seals.last().cloned() else {
                break;
            };
            let full = seals.len() == SEAL_BATCH as usize;
            let stored = db
                .background_transaction(move |conn| audit_chain::store(conn, head_seq, &seals))
                .await?;
            if !stored {
                return Ok(newest);
            }
            newest = Some(last);
            if !full {
                break;
            }
        }
    }
    Ok(newest)
}

/// How often at most the chain's head goes out as `audit.sealed`: each
/// seal covers every row before it, so one a minute anchors them all.
const ANCHOR_EVERY: Duration = Duration::from_secs(60);

/// Seals the audit trail every `every` until the process stops, and sends
/// a new head, at most once a minute, to the webhook endpoints that asked
/// for it.
pub fn spawn_sealer(db: Db, every: Duration, deliveries: Wakeup) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(every);
        let mut anchored: Option<std::time::Instant> = None;
        let mut swept: Option<std::time::Instant> = None;
        loop {
            ticker.tick().await;
            let at = crate::clock::now();
            let sweep = swept.is_none_or(|at| at.elapsed() >= audit_chain::SWEEP_EVERY);
            if sweep {
                swept = Some(std::time::Instant::now());
            }
            match seal_audit_trail(&db, at, sweep).await {
                Ok(Some(head)) if anchored.is_none_or(|sent| sent.elapsed() >= ANCHOR_EVERY) => {
                    match db
                        .transaction(move |conn| crate::webhooks::fan_out_seal(conn, &head, at))
                        .await
                    {
                        Ok(true) => {
                            anchored = Some(std::time::Instant::now());
                            deliveries.notify();
                        }
                        Ok(false) => {}
                        Err(error) => {
                            tracing::warn!(code = error.code(), "audit seal not sent out")
                        }
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(code = error.code(), "audit trail not sealed"),
            }
        }
    });
}
