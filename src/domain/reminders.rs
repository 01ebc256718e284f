//! When a check-in reminder is due (api-contract.md, "Reminders"): at the
//! patient's local reminder time on each scheduled day not yet done, in
//! the patient's time zone. A local time that a daylight-saving change
//! skips moves to the next valid minute; one it repeats uses the first.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The reminder time of a patient who chose none.
pub const DEFAULT_TIME: NaiveTime = match NaiveTime::from_hms_opt(19, 0, 0) {
    Some(time) => time,
    None => NaiveTime::MIN,
};

/// Reads a reminder time as the API takes it: "HH:MM", 00:00 to 23:59.
pub fn parse_time(raw: &str) -> Result<NaiveTime, String> {
    let wrong = || "must be a local time HH:MM, 00:00 to 23:59".to_owned();
    let (hours, minutes) = raw.split_once(':').ok_or_else(wrong)?;
    if hours.len() != 2 || minutes.len() != 2 {
        return Err(wrong());
    }
    let (hours, minutes) = (
        hours.parse::<u32>().map_err(|_| wrong())?,
        minutes.parse::<u32>().map_err(|_| wrong())?,
    );
    NaiveTime::from_hms_opt(hours, minutes, 0).ok_or_else(wrong)
}

/// The reminder time as the API shows it.
pub fn format_time(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// The instant the reminder of the local `date` fires: `time` on that
/// date in `zone`, the next valid minute when a daylight-saving change
/// skips it, the first when it repeats it.
pub fn fire_at(date: NaiveDate, time: NaiveTime, zone: Tz) -> DateTime<Utc> {
    let mut local = date.and_time(time);
    // No zone skips more than a day (Samoa skipped one, in 2011).
    for _ in 0..=(24 * 60) {
        match zone.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                return at.with_timezone(&Utc);
            }
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&date.and_time(time))
}

/// The end of the local `date` (the next local midnight, or the first
/// valid minute after it): a reminder is not sent later, and a Web Push
/// message lives until then.
pub fn end_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let next = date.succ_opt().unwrap_or(date);
    fire_at(next, NaiveTime::MIN, zone)
}

/// One scheduled day as the scheduler sees it.
pub struct Slot {
    pub due_date: NaiveDate,
    pub done: bool,
}

/// Whether the reminder of `slot` is due at `now`: its time has come and
/// its local day has not ended, the day is not done, and the time was
/// chosen before it came (a time set after it has passed today takes
/// effect tomorrow).
pub fn is_due(
    slot: &Slot,
    time: NaiveTime,
    zone: Tz,
    chosen_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    let fires = fire_at(slot.due_date, time, zone);
    !slot.done && fires <= now && now < end_of_day(slot.due_date, zone) && chosen_at <= fires
}

codes! {
    /// How a reminder reaches the patient (the clinic's `checkin.due`
    /// webhook is a delivery of its own).
    pub enum Channel {
        WebPush => "web_push",
        Email => "email",
    }
}

impl Channel {
    /// Seconds to wait after each failed attempt: a push service or a mail
    /// server that is down for a while is tried again within the day (the
    /// message expires at the end of the patient's local day anyway).
    pub fn retry_schedule(self) -> &'static [u64] {
        match self {
            Self::WebPush => &[30, 120, 600, 1800, 3600],
            Self::Email => &[60, 300, 1800, 3600],
        }
    }
}

codes! {
    /// Where one reminder message stands.
    pub enum SendStatus {
        /// Not tried yet.
        Pending => "pending",
        /// Tried and failed; tried again at `next_attempt_at`.
        Failed => "failed",
        Sent => "sent",
        /// Not sent: the day was done before it went out.
        Skipped => "skipped",
        /// Not sent: the patient's local day ended first.
        Expired => "expired",
        /// Given up: the retries are spent, or nothing would take it (no
        /// subscription left, an address refused).
        Dead => "dead",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    #[test]
    fn times_are_read_as_hh_mm_only() {
        assert_eq!(parse_time("19:00"), Ok(time(19, 0)));
        assert_eq!(parse_time("00:00"), Ok(time(0, 0)));
        assert_eq!(parse_time("23:59"), Ok(time(23, 59)));
        for wrong in [
            "24:00", "7:30", "07:3", "07:60", "0730", "07:30:00", "", "aa:bb", "-1:00",
        ] {
            assert!(parse_time(wrong).is_err(), "{wrong}");
        }
        assert_eq!(format_time(DEFAULT_TIME), "19:00");
    }

    #[test]
    fn a_plain_day_fires_at_the_local_time() {
        let tokyo = chrono_tz::Asia::Tokyo;
        assert_eq!(
            fire_at(date(2026, 12, 2), time(19, 0), tokyo),
            utc("2026-12-02T10:00:00Z")
        );
        assert_eq!(
            end_of_day(date(2026, 12, 2), tokyo),
            utc("2026-12-02T15:00:00Z")
        );
    }

    #[test]
    fn a_time_skipped_by_spring_forward_fires_once_at_the_first_valid_minute() {
        // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT.
        let ny = chrono_tz::America::New_York;
        assert_eq!(
            fire_at(date(2026, 3, 8), time(2, 30), ny),
            utc("2026-03-08T07:00:00Z")
        );
        assert_eq!(
            fire_at(date(2026, 3, 8), time(3, 0), ny),
            utc("2026-03-08T07:00:00Z")
        );
        assert_eq!(
            fire_at(date(2026, 3, 8), time(1, 59), ny),
            utc("2026-03-08T06:59:00Z")
        );
    }

    #[test]
    fn a_time_repeated_by_fall_back_fires_at_the_first() {
        // New York, 2026-11-01: 02:00 EDT becomes 01:00 EST.
        let ny = chrono_tz::America::New_York;
        assert_eq!(
            fire_at(date(2026, 11, 1), time(1, 30), ny),
            utc("2026-11-01T05:30:00Z")
        );
        // That day has 25 hours.
        assert_eq!(
            end_of_day(date(2026, 11, 1), ny) - fire_at(date(2026, 11, 1), time(0, 0), ny),
            Duration::hours(25)
        );
    }

    #[test]
    fn due_from_its_time_to_the_end_of_the_day_unless_done_or_chosen_later() {
        let tokyo = chrono_tz::Asia::Tokyo;
        let slot = Slot {
            due_date: date(2026, 12, 2),
            done: false,
        };
        let long_ago = utc("2026-11-01T00:00:00Z");
        let seven = time(19, 0);
        assert!(!is_due(
            &slot,
            seven,
            tokyo,
            long_ago,
            utc("2026-12-02T09:59:59Z")
        ));
        assert!(is_due(
            &slot,
            seven,
            tokyo,
            long_ago,
            utc("2026-12-02T10:00:00Z")
        ));
        assert!(is_due(
            &slot,
            seven,
            tokyo,
            long_ago,
            utc("2026-12-02T14:59:59Z")
        ));
        assert!(!is_due(
            &slot,
            seven,
            tokyo,
            long_ago,
            utc("2026-12-02T15:00:00Z")
        ));
        // Checked in at 18:59: nothing at 19:00.
        let done = Slot {
            due_date: slot.due_date,
            done: true,
        };
        assert!(!is_due(
            &done,
            seven,
            tokyo,
            long_ago,
            utc("2026-12-02T10:00:00Z")
        ));
        // 19:00 chosen at 19:30: from tomorrow.
        let chosen = utc("2026-12-02T10:30:00Z");
        assert!(!is_due(
            &slot,
            seven,
            tokyo,
            chosen,
            utc("2026-12-02T10:31:00Z")
        ));
        let tomorrow = Slot {
            due_date: date(2026, 12, 3),
            done: false,
        };
        assert!(is_due(
            &tomorrow,
            seven,
            tokyo,
            chosen,
            utc("2026-12-03T10:00:00Z")
        ));
    }

    fn zones() -> impl Strategy<Value = Tz> {
        prop::sample::select(vec![
            chrono_tz::Asia::Tokyo,
            chrono_tz::America::New_York,
            chrono_tz::Europe::London,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::America::Santiago,
            chrono_tz::Pacific::Apia,
        ])
    }

    proptest! {
        /// Whatever the zone and day, the reminder fires within its local
        /// day, at or after the chosen time, and less than a day later
        /// than the time was asked for; and exactly one minute of the day
        /// is the first at which it is due.
        #[test]
        fn a_reminder_fires_once_inside_its_local_day(
            zone in zones(),
            days in 0i64..1200,
            minutes in 0u32..1440,
        ) {
            let day = date(2025, 1, 1) + Duration::days(days);
            let asked = NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap();
            let fires = fire_at(day, asked, zone);
            let local = fires.with_timezone(&zone).naive_local();
            prop_assert!(local >= day.and_time(asked));
            prop_assert!(local - day.and_time(asked) < Duration::hours(24));
            prop_assert!(fires < end_of_day(day, zone) || local.date() > day);
            let slot = Slot { due_date: day, done: false };
            let chosen = fires - Duration::days(30);
            prop_assert!(!is_due(&slot, asked, zone, chosen, fires - Duration::minutes(1)));
            if fires < end_of_day(day, zone) {
                prop_assert!(is_due(&slot, asked, zone, chosen, fires));
            }
        }
    }
}
