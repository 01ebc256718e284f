//! Reminders of scheduled check-ins (api-contract.md, "Reminders"). Every
//! replica's job queues the slots that came due (`queue_due`): a slot is
//! recorded once, with one message per channel the patient chose (Web
//! Push, e-mail) and the `checkin.due` webhook deliveries, in one
//! transaction; the sender then sends the messages under leases, like the
//! webhook dispatcher. A slot already done, or done before its message
//! goes out, is not reminded; none is reminded twice.

pub mod email;
pub mod sender;
pub mod texts;

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::json;

use crate::clock::utc;
use crate::db::reminder_sends::{self, Candidate, ReminderSlot, Send};
use crate::db::{checkins, webhooks as webhook_rows, Db};
use crate::domain::reminders::{
    end_of_day, fire_at, is_due, parse_time, Channel, SendStatus, Slot, DEFAULT_TIME,
};
use crate::domain::schedule::{day_of, local_date, SCHEDULE_DAYS};
use crate::error::ApiError;
use crate::webhooks;

/// The webhook event of a due check-in.
pub const EVENT: &str = "checkin.due";

/// Treatments young enough to have a scheduled day left (the last is day
/// 90), with slack for zones.
const LOOKBACK_DAYS: i64 = 92;

/// Slots recorded per transaction: short write turns beside check-ins.
const CHUNK: usize = 50;

/// A slot whose reminder is due now, with the channels it goes out on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub treatment_id: String,
    pub patient_id: String,
    pub user_id: Option<String>,
    pub day: i32,
    pub due_date: NaiveDate,
    /// The end of the patient's local day.
    pub expires_at: DateTime<Utc>,
    pub web_push: bool,
    pub email: bool,
}

/// The slots due at `at` among the candidates, whether done or not (the
/// caller asks the database which are): today is a scheduled day in the
/// patient's zone, its reminder time has come since the treatment was
/// given and since the time was chosen, and the day has not ended.
pub fn due_slots(
    candidates: Vec<Candidate>,
    subscribed: &HashSet<String>,
    email_on: bool,
    at: DateTime<Utc>,
) -> Vec<Due> {
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let zone: Tz = candidate.timezone.parse().unwrap_or(chrono_tz::UTC);
            let administered = utc(candidate.administered_at);
            let day = day_of(at, administered, zone);
            if !SCHEDULE_DAYS.contains(&day) {
                return None;
            }
            let due_date = local_date(at, zone);
            let time = candidate
                .local_time
                .as_deref()
                .and_then(|raw| parse_time(raw).ok())
                .unwrap_or(DEFAULT_TIME);
            let chosen = candidate.chosen_at.map_or(DateTime::<Utc>::MIN_UTC, utc);
            let slot = Slot {
                due_date,
                done: false,
            };
            if !is_due(&slot, time, zone, chosen, at)
                || fire_at(due_date, time, zone) < administered
            {
                return None;
            }
            let account = candidate.user_id.as_ref();
            Some(Due {
                web_push: candidate.web_push.unwrap_or(true)
                    && account.is_some_and(|user| subscribed.contains(user)),
                email: email_on && account.is_some() && candidate.email.is_some(),
                treatment_id: candidate.treatment_id,
                patient_id: candidate.patient_id,
                user_id: candidate.user_id,
                day: i32::try_from(day).ok()?,
                due_date,
                expires_at: end_of_day(due_date, zone),
            })
        })
        .collect()
}

/// The `checkin.due` event id of a slot: one per (treatment, day), the
/// same on every replica.
pub fn event_id(treatment_id: &str, day: i32) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("aftercare:checkin.due:{treatment_id}:{day}").as_bytes(),
    )
    .to_string()
}

/// The `checkin.due` body: identifiers and dates only.
fn event_payload(due: &Due, at: DateTime<Utc>) -> String {
    json!({
        "type": EVENT,
        "timestamp": at,
        "data": {
            "patient_id": due.patient_id,
            "treatment_id": due.treatment_id,
            "day": due.day,
            "due_date": due.due_date.to_string(),
        },
    })
    .to_string()
}

/// Records every slot due at `at` that is neither done nor recorded, and
/// queues its messages and webhook deliveries; returns how many slots it
/// recorded. Safe to run anywhere at any time: a slot another replica
/// records first is left to it.
pub async fn queue_due(db: &Db, at: DateTime<Utc>, email_on: bool) -> Result<usize, ApiError> {
    let since = (at - Duration::days(LOOKBACK_DAYS)).naive_utc();
    let (candidates, subscribed) = db
        .run(move |conn| {
            Ok((
                reminder_sends::candidates(conn, since)?,
                reminder_sends::subscribed_users(conn)?,
            ))
        })
        .await?;
    let due = due_slots(candidates, &subscribed, email_on, at);
    if due.is_empty() {
        return Ok(0);
    }
    // Once a clinic's evening is recorded, every minute until midnight
    // finds the same slots due again: one read of the slots recorded for
    // those dates tells them apart, and a minute with nothing new writes
    // nothing.
    let dates: Vec<String> = due
        .iter()
        .map(|d| d.due_date.to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let known = db
        .run(move |conn| reminder_sends::recorded_on(conn, &dates))
        .await?;
    let due: Vec<Due> = due
        .into_iter()
        .filter(|d| !known.contains(&(d.treatment_id.clone(), d.day)))
        .collect();
    let mut recorded = 0;
    for chunk in due.chunks(CHUNK) {
        let chunk = chunk.to_vec();
        // The day may have been done before its time came.
        let fresh = db
            .run(move |conn| {
                let ids: Vec<String> = chunk.iter().map(|d| d.treatment_id.clone()).collect();
                let done = checkins::days_done(conn, &ids)?;
                Ok(chunk
                    .into_iter()
                    .filter(|d| {
                        !done
                            .get(&d.treatment_id)
                            .is_some_and(|days| days.contains(&i64::from(d.day)))
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        if fresh.is_empty() {
            continue;
        }
        recorded += db
            .background_transaction(move |conn| record(conn, &fresh, at))
            .await?;
    }
    Ok(recorded)
}

/// Records the slots not recorded meanwhile, with their messages and
/// webhook deliveries, in the caller's transaction.
fn record(
    conn: &mut crate::db::DbConnection,
    slots: &[Due],
    at: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let endpoints: Vec<_> = webhook_rows::enabled_endpoints(conn)?
        .into_iter()
        .filter(|endpoint| endpoint.wants(EVENT))
        .collect();
    let rows: Vec<ReminderSlot> = slots
        .iter()
        .map(|due| ReminderSlot {
            treatment_id: due.treatment_id.clone(),
            day: due.day,
            patient_id: due.patient_id.clone(),
            due_date: due.due_date.to_string(),
            queued_at: at.naive_utc(),
        })
        .collect();
    let recorded = reminder_sends::record_slots(conn, &rows)?;
    let mine: Vec<&Due> = slots
        .iter()
        .filter(|due| recorded.contains(&(due.treatment_id.clone(), due.day)))
        .collect();
    let mut sends = Vec::new();
    for due in &mine {
        let channels = [
            (Channel::WebPush, due.web_push),
            (Channel::Email, due.email),
        ];
        for (channel, wanted) in channels {
            let (true, Some(user_id)) = (wanted, &due.user_id) else {
                continue;
            };
            sends.push(Send {
                id: uuid::Uuid::now_v7().to_string(),
                treatment_id: due.treatment_id.clone(),
                day: due.day,
                channel,
                user_id: user_id.clone(),
                status: SendStatus::Pending,
                attempts: 0,
                next_attempt_at: at.naive_utc(),
                expires_at: due.expires_at.naive_utc(),
                leased_until: None,
                lease_owner: None,
                last_error: None,
                created_at: at.naive_utc(),
                sent_at: None,
            });
        }
    }
    reminder_sends::insert_sends(conn, &sends)?;
    if !endpoints.is_empty() {
        for due in &mine {
            let payload = event_payload(due, at);
            webhooks::fan_out_to(
                conn,
                &endpoints,
                &webhooks::Event {
                    id: &event_id(&due.treatment_id, due.day),
                    event_type: EVENT,
                    patient_id: &due.patient_id,
                    payload: &payload,
                    clinical_payload: &payload,
                },
                at,
            )?;
        }
    }
    Ok(mine.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn at(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    fn naive(raw: &str) -> NaiveDateTime {
        at(raw).naive_utc()
    }

    fn candidate(administered: &str, time: Option<&str>, chosen: Option<&str>) -> Candidate {
        Candidate {
            treatment_id: "t1".into(),
            patient_id: "p1".into(),
            administered_at: naive(administered),
            timezone: "Asia/Tokyo".into(),
            user_id: Some("u1".into()),
            local_time: time.map(str::to_owned),
            web_push: Some(true),
            email: Some("patient@example.org".into()),
            chosen_at: chosen.map(naive),
        }
    }

    fn subscribed() -> HashSet<String> {
        ["u1".to_owned()].into()
    }

    #[test]
    fn a_scheduled_day_is_due_from_its_time_to_the_end_of_the_local_day() {
        // Given on 1 December at 10:00 in Tokyo; day 1 is 2 December, 19:00
        // there is 10:00 UTC and the day ends at 15:00 UTC.
        let given = "2026-12-01T01:00:00Z";
        let due = |now: &str| {
            due_slots(
                vec![candidate(given, None, None)],
                &subscribed(),
                true,
                at(now),
            )
        };
        assert!(due("2026-12-02T09:59:00Z").is_empty());
        let found = due("2026-12-02T10:00:00Z");
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].day, found[0].due_date.to_string()),
            (1, "2026-12-02".into())
        );
        assert_eq!(found[0].expires_at, at("2026-12-02T15:00:00Z"));
        assert!(found[0].web_push && found[0].email);
        assert!(due("2026-12-02T15:00:00Z").is_empty());
    }

    #[test]
    fn days_off_the_schedule_and_times_before_the_treatment_or_the_choice_are_not_due() {
        // Day 8 is not scheduled.
        let given = "2026-12-01T01:00:00Z";
        let late = due_slots(
            vec![candidate(given, None, None)],
            &subscribed(),
            true,
            at("2026-12-09T11:00:00Z"),
        );
        assert!(late.is_empty());
        // Day 0: the treatment was given after the day's reminder time.
        let evening = due_slots(
            vec![candidate("2026-12-01T11:00:00Z", None, None)],
            &subscribed(),
            true,
            at("2026-12-01T12:00:00Z"),
        );
        assert!(evening.is_empty());
        // A time chosen after it passed today takes effect tomorrow.
        let chosen_late = due_slots(
            vec![candidate(
                given,
                Some("08:00"),
                Some("2026-12-02T00:30:00Z"),
            )],
            &subscribed(),
            true,
            at("2026-12-02T01:00:00Z"),
        );
        assert!(chosen_late.is_empty());
    }

    #[test]
    fn channels_follow_the_choices_the_subscriptions_and_the_mail_setting() {
        let mut c = candidate("2026-12-01T01:00:00Z", None, None);
        c.web_push = Some(false);
        let now = at("2026-12-02T10:30:00Z");
        let found = due_slots(vec![c], &subscribed(), false, now);
        assert!(!found[0].web_push && !found[0].email);
        let found = due_slots(
            vec![candidate("2026-12-01T01:00:00Z", None, None)],
            &HashSet::new(),
            true,
            now,
        );
        assert!(!found[0].web_push && found[0].email);
        let mut unregistered = candidate("2026-12-01T01:00:00Z", None, None);
        unregistered.user_id = None;
        let found = due_slots(vec![unregistered], &subscribed(), true, now);
        assert!(
            !found[0].web_push && !found[0].email,
            "the webhook event only"
        );
    }

    #[test]
    fn a_time_a_spring_forward_skips_is_due_from_the_first_valid_instant() {
        // New York skips 02:00-03:00 on 14 March 2027: a 02:30 reminder
        // fires at 03:00 EDT, 07:00 UTC.
        let mut c = candidate("2027-03-12T15:00:00Z", Some("02:30"), None);
        c.timezone = "America/New_York".into();
        let due = |now: &str| due_slots(vec![c.clone()], &subscribed(), true, at(now));
        assert!(due("2027-03-14T06:59:00Z").is_empty());
        let found = due("2027-03-14T07:00:00Z");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].due_date.to_string(), "2027-03-14");
        // A repeated time (01:30 on 7 November 2027) fires at the first one.
        let mut c = candidate("2027-11-05T15:00:00Z", Some("01:30"), None);
        c.timezone = "America/New_York".into();
        assert!(due_slots(
            vec![c.clone()],
            &subscribed(),
            true,
            at("2027-11-07T05:29:00Z")
        )
        .is_empty());
        assert_eq!(
            due_slots(vec![c], &subscribed(), true, at("2027-11-07T05:30:00Z")).len(),
            1
        );
    }

    #[test]
    fn the_event_id_is_one_per_treatment_and_day() {
        assert_eq!(event_id("t1", 3), event_id("t1", 3));
        assert_ne!(event_id("t1", 3), event_id("t1", 4));
        assert_ne!(event_id("t1", 3), event_id("t2", 3));
    }
}
