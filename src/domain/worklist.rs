//! The worklist's order: the treatment with the worst open alert first,
//! then the one whose open alert has waited longest, then the one with the
//! most missed check-ins; ties by the oldest treatment.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};

use super::schedule::{slot_status, SlotStatus};

/// Where a treatment stands, as the order needs it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Standing {
    /// 0 without an open alert, else 2 warning, 3 urgent, 4 emergency.
    pub worst_rank: i32,
    pub oldest_open_alert: Option<DateTime<Utc>>,
    pub missed_checkins: usize,
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

/// Scheduled check-ins whose day has passed without one.
pub fn missed_checkins(schedule: &[(i64, NaiveDate)], today: NaiveDate, done: &[i64]) -> usize {
    schedule
        .iter()
        .filter(|(day, due)| slot_status(*due, today, done.contains(day)) == SlotStatus::Missed)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(rank: i32, oldest: Option<i64>, missed: usize, id: &str) -> Standing {
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
        let d = |day: u32| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        let schedule = vec![(0, d(1)), (1, d(2)), (2, d(3)), (3, d(4))];
        assert_eq!(missed_checkins(&schedule, d(4), &[0]), 2);
        assert_eq!(missed_checkins(&schedule, d(4), &[0, 1, 2]), 0);
        assert_eq!(missed_checkins(&schedule, d(1), &[]), 0);
    }
}
