//! The worklist's order: the treatment with the worst open alert first,
//! then the one whose open alert has waited longest, then the one with the
//! most missed check-ins; ties by the oldest treatment.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::alerts::Status;
use super::schedule::{local_date, schedule, SCHEDULE_DAYS};

/// Where a treatment stands, as the order needs it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Standing {
    /// 0 without an open alert, else 2 warning, 3 urgent, 4 emergency.
    pub worst_rank: i32,
    pub oldest_open_alert: Option<DateTime<Utc>>,
    pub missed_checkins: i32,
    pub administered_at: DateTime<Utc>,
    pub treatment_id: String,
}

/// Most urgent first.
pub fn urgency(a: &Standing, b: &Standing) -> Ordering {
    b.worst_rank
        .cmp(&a.worst_rank)
        .then_with(|| match (a.oldest_open_alert, b.oldest_open_alert) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| b.missed_checkins.cmp(&a.missed_checkins))
        .then_with(|| a.administered_at.cmp(&b.administered_at))
        .then_with(|| a.treatment_id.cmp(&b.treatment_id))
}

/// The bit of a scheduled day in a treatment's set of days done; 0 for a
/// day that is not on the schedule.
pub fn slot_bit(day: i64) -> i32 {
    SCHEDULE_DAYS
        .iter()
        .position(|scheduled| *scheduled == day)
        .map_or(0, |slot| 1 << slot)
}

/// The set of days done, as bits, of these days.
pub fn slot_bits(days: &[i64]) -> i32 {
    days.iter().fold(0, |bits, day| bits | slot_bit(*day))
}

/// How many scheduled days have passed at `at` (their local date is before
/// today's), and the instant the next one will have: the first moment of
/// the local day after it.
pub fn passed_slots(
    administered_at: DateTime<Utc>,
    zone: Tz,
    at: DateTime<Utc>,
) -> (i32, Option<DateTime<Utc>>) {
    let today = local_date(at, zone);
    let slots = schedule(administered_at, zone);
    let passed = slots.iter().filter(|(_, due)| *due < today).count();
    let next = slots
        .get(passed)
        .map(|(_, due)| start_of_day(*due + Duration::days(1), zone));
    (i32::try_from(passed).unwrap_or(i32::MAX), next)
}

/// Scheduled check-ins whose day has passed without one: the first
/// `passed` slots whose bit is not in `done`.
pub fn missed_checkins(done: i32, passed: i32) -> i32 {
    (0..passed.clamp(0, 31))
        .filter(|slot| done & (1 << slot) == 0)
        .count()
        .try_into()
        .unwrap_or(i32::MAX)
}

/// The first instant of a local date: midnight, or the first valid time
/// after it where a daylight-saving change skips midnight.
fn start_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    (0..24 * 4)
        .find_map(|quarter| {
            let time = date.and_time(NaiveTime::MIN) + Duration::minutes(quarter * 15);
            zone.from_local_datetime(&time).earliest()
        })
        .map_or_else(
            // No zone skips a whole day's quarters; were one to, recounting
            // early is harmless.
            || date.and_time(NaiveTime::MIN).and_utc() - Duration::days(1),
            |local| local.with_timezone(&Utc),
        )
}

/// An alert as the standing of its treatment counts it.
pub struct AlertState<'a> {
    pub id: &'a str,
    pub rank: i32,
    pub created_at: DateTime<Utc>,
    pub status: Status,
}

/// What a treatment's alerts make of its standing.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AlertStanding {
    /// Of the open and acknowledged alerts: the highest rank (0 for none),
    /// when the oldest was opened, the one a row shows (most severe, then
    /// oldest) and how many.
    pub worst_rank: i32,
    pub waiting_since: Option<DateTime<Utc>>,
    pub worst_alert_id: Option<String>,
    pub open_alerts: i32,
    /// Alerts not resolved, snoozed ones too.
    pub active_alerts: i32,
}

/// Open and acknowledged alerts count; a snoozed one is set aside until its
/// end, a resolved one is done.
const COUNTED: [Status; 2] = [Status::Open, Status::Acknowledged];

pub fn alert_standing(alerts: &[AlertState<'_>]) -> AlertStanding {
    let active: Vec<&AlertState<'_>> = alerts
        .iter()
        .filter(|a| a.status != Status::Resolved)
        .collect();
    let counted: Vec<&AlertState<'_>> = active
        .iter()
        .copied()
        .filter(|a| COUNTED.contains(&a.status))
        .collect();
    let worst = counted.iter().min_by(|a, b| {
        b.rank
            .cmp(&a.rank)
            .then(a.created_at.cmp(&b.created_at))
            .then(a.id.cmp(b.id))
    });
    AlertStanding {
        worst_rank: worst.map_or(0, |a| a.rank),
        waiting_since: counted.iter().map(|a| a.created_at).min(),
        worst_alert_id: worst.map(|a| a.id.to_owned()),
        open_alerts: i32::try_from(counted.len()).unwrap_or(i32::MAX),
        active_alerts: i32::try_from(active.len()).unwrap_or(i32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(rank: i32, oldest: Option<i64>, missed: i32, id: &str) -> Standing {
        let at = |m: i64| DateTime::from_timestamp(m * 60, 0).unwrap();
        Standing {
            worst_rank: rank,
            oldest_open_alert: oldest.map(at),
            missed_checkins: missed,
            administered_at: at(0),
            treatment_id: id.to_owned(),
        }
    }

    #[test]
    fn worst_alert_then_oldest_alert_then_missed_check_ins() {
        let mut rows = [
            standing(0, None, 3, "quiet-but-missing"),
            standing(2, Some(5), 0, "warning-older"),
            standing(4, Some(10), 0, "emergency"),
            standing(2, Some(9), 0, "warning-newer"),
            standing(0, None, 0, "quiet"),
            standing(3, Some(1), 0, "urgent"),
        ];
        rows.sort_by(urgency);
        let order: Vec<&str> = rows.iter().map(|r| r.treatment_id.as_str()).collect();
        assert_eq!(
            order,
            vec![
                "emergency",
                "urgent",
                "warning-older",
                "warning-newer",
                "quiet-but-missing",
                "quiet"
            ]
        );
    }

    #[test]
    fn only_passed_days_without_a_check_in_are_missed() {
        let zone: Tz = "Asia/Tokyo".parse().unwrap();
        // Given at 10:00 local on 1 November.
        let given = "2026-11-01T01:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // On day 3 (4 November local), days 0, 1 and 2 have passed.
        let (passed, next) = passed_slots(given, zone, at("2026-11-04T03:00:00Z"));
        assert_eq!(passed, 3);
        // Day 3 passes at local midnight of 5 November.
        assert_eq!(next, Some(at("2026-11-04T15:00:00Z")));
        let done = slot_bits(&[0]);
        assert_eq!(missed_checkins(done, passed), 2);
        assert_eq!(missed_checkins(slot_bits(&[0, 1, 2]), passed), 0);
        assert_eq!(missed_checkins(0, 0), 0);
        // A day off the schedule counts for nothing.
        assert_eq!(slot_bit(8), 0);
        // After day 90 nothing is left to pass.
        let (passed, next) = passed_slots(given, zone, at("2027-03-01T00:00:00Z"));
        assert_eq!((passed, next), (14, None));
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_its_first_valid_instant() {
        // Santiago moved its clocks from 00:00 to 01:00 on 6 September 2026.
        let zone: Tz = "America/Santiago".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = start_of_day(date, zone);
        assert_eq!(start.with_timezone(&zone).date_naive(), date);
        assert_eq!(
            start,
            "2026-09-06T04:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn open_and_acknowledged_alerts_stand_snoozed_ones_only_keep_the_row() {
        let at = |m: i64| DateTime::from_timestamp(m * 60, 0).unwrap();
        let alert = |id, rank, minute, status| AlertState {
            id,
            rank,
            created_at: at(minute),
            status,
        };
        let standing = alert_standing(&[
            alert("warning", 2, 1, Status::Open),
            alert("urgent-newer", 3, 9, Status::Acknowledged),
            alert("urgent-older", 3, 5, Status::Open),
            alert("snoozed", 4, 0, Status::Snoozed),
            alert("done", 4, 0, Status::Resolved),
        ]);
        assert_eq!(
            standing,
            AlertStanding {
                worst_rank: 3,
                waiting_since: Some(at(1)),
                worst_alert_id: Some("urgent-older".to_owned()),
                open_alerts: 3,
                active_alerts: 4,
            }
        );
        assert_eq!(
            alert_standing(&[alert("snoozed", 4, 0, Status::Snoozed)]),
            AlertStanding {
                active_alerts: 1,
                ..AlertStanding::default()
            }
        );
    }
}
