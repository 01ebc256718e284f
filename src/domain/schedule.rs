//! Days since treatment in the patient's time zone, the check-in schedule,
//! and the `missed_checkins` rule (clinical-rules.md, "Time" and rule 8).
//!
//! Days are counted between local calendar dates, never as 24-hour blocks,
//! so a daylight-saving change shifts nothing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

/// Daily on days 0..7, weekly to day 42, then day 90.
pub const SCHEDULE_DAYS: [i64; 14] = [0, 1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 35, 42, 90];

pub fn local_date(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// The check-in's day: local date of observation minus local date of
/// treatment. Day 0 is the day of treatment.
pub fn day_of(observed_at: DateTime<Utc>, administered_at: DateTime<Utc>, zone: Tz) -> i64 {
    (local_date(observed_at, zone) - local_date(administered_at, zone)).num_days()
}

/// (day, local due date) of every scheduled check-in.
pub fn schedule(administered_at: DateTime<Utc>, zone: Tz) -> Vec<(i64, NaiveDate)> {
    let start = local_date(administered_at, zone);
    SCHEDULE_DAYS
        .iter()
        .map(|day| (*day, start + Duration::days(*day)))
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotStatus {
    Done,
    Due,
    Missed,
    Upcoming,
}

impl SlotStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Due => "due",
            Self::Missed => "missed",
            Self::Upcoming => "upcoming",
        }
    }
}

pub fn slot_status(due: NaiveDate, today: NaiveDate, done: bool) -> SlotStatus {
    if done {
        SlotStatus::Done
    } else if due == today {
        SlotStatus::Due
    } else if due < today {
        SlotStatus::Missed
    } else {
        SlotStatus::Upcoming
    }
}

/// The latest run of two or more consecutive daily check-ins of days 1..7
/// that were missed, counting only days whose local date has passed.
pub fn missed_daily_run(today_day: i64, done_days: &[i64]) -> Option<Vec<i64>> {
    let mut runs: Vec<Vec<i64>> = Vec::new();
    let mut current: Vec<i64> = Vec::new();
    for day in 1..=7 {
        let passed = day < today_day;
        if passed && !done_days.contains(&day) {
            current.push(day);
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs.into_iter().rev().find(|run| run.len() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn days_follow_local_dates() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        // 23:30 in Tokyo on 1 March is day 0; 00:10 on 2 March is day 1,
        // although only 40 minutes passed.
        let given = utc("2026-03-01T14:30:00Z");
        assert_eq!(day_of(utc("2026-03-01T14:59:00Z"), given, tokyo), 0);
        assert_eq!(day_of(utc("2026-03-01T15:10:00Z"), given, tokyo), 1);
        assert_eq!(day_of(utc("2026-03-09T15:10:00Z"), given, tokyo), 9);
    }

    #[test]
    fn daylight_saving_changes_shift_no_day() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // Given at 08:00 local on the Saturday before the spring change
        // (28 March 2026); the Sunday has 23 hours.
        let given = utc("2026-03-28T07:00:00Z");
        assert_eq!(
            day_of(utc("2026-03-29T22:30:00Z"), given, berlin),
            2,
            "00:30 local on Monday"
        );
        assert_eq!(
            day_of(utc("2026-03-29T21:30:00Z"), given, berlin),
            1,
            "23:30 local on Sunday"
        );
        let ny: Tz = "America/New_York".parse().unwrap();
        // Autumn change on 1 November 2026: the Sunday has 25 hours.
        let given = utc("2026-10-31T16:00:00Z");
        assert_eq!(
            day_of(utc("2026-11-02T04:30:00Z"), given, ny),
            1,
            "23:30 local on Sunday"
        );
        assert_eq!(
            day_of(utc("2026-11-02T05:30:00Z"), given, ny),
            2,
            "00:30 local on Monday"
        );
        let due = schedule(given, ny);
        assert_eq!(due[2], (2, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()));
    }

    #[test]
    fn the_schedule_reaches_day_90() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        let s = schedule(utc("2026-01-10T01:00:00Z"), tokyo);
        assert_eq!(s.len(), 14);
        assert_eq!(s[0].1, NaiveDate::from_ymd_opt(2026, 1, 10).unwrap());
        assert_eq!(s[13], (90, NaiveDate::from_ymd_opt(2026, 4, 10).unwrap()));
    }

    #[test]
    fn slots_are_done_due_missed_or_upcoming() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 1, day).unwrap();
        assert_eq!(slot_status(d(5), d(5), true), SlotStatus::Done);
        assert_eq!(slot_status(d(5), d(5), false), SlotStatus::Due);
        assert_eq!(slot_status(d(4), d(5), false), SlotStatus::Missed);
        assert_eq!(slot_status(d(6), d(5), false), SlotStatus::Upcoming);
    }

    #[test]
    fn two_consecutive_passed_days_are_a_missed_run() {
        assert_eq!(missed_daily_run(2, &[]), None, "day 1 alone has passed");
        assert_eq!(missed_daily_run(3, &[]), Some(vec![1, 2]));
        assert_eq!(missed_daily_run(3, &[1]), None);
        assert_eq!(missed_daily_run(5, &[2]), Some(vec![3, 4]));
        assert_eq!(missed_daily_run(6, &[1, 3, 5]), None);
        assert_eq!(missed_daily_run(30, &[1, 2, 3, 4, 5]), Some(vec![6, 7]));
        assert_eq!(missed_daily_run(30, &[1, 2, 3, 4, 5, 6, 7]), None);
    }
}
