use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::*;
use crate::domain::symptoms::{Severities, Symptom};
use crate::domain::triage::props::{arrive, course_and_arrival, thresholds};
use crate::domain::triage::TreatmentFacts;

fn given() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 9, 1)
        .and_then(|d| d.and_hms_opt(1, 0, 0))
        .unwrap_or_default()
}

/// A face injection's check-in on `day`, with these symptoms.
fn on_day(day: i64, symptoms: &[(Symptom, u8)]) -> Observation {
    let mut severities = Severities::default();
    for (symptom, severity) in symptoms {
        severities.set(*symptom, *severity);
    }
    Observation {
        day,
        elapsed: Duration::days(day) + Duration::hours(2),
        treatment: TreatmentFacts {
            face_or_scalp: true,
            ..TreatmentFacts::default()
        },
        severities,
        ..Observation::default()
    }
}

/// The course as the service stores it: each check-in triaged with
/// `stored_with` against the check-ins before it.
fn stored(observations: &[Observation], stored_with: u8) -> Vec<Replayed> {
    let thresholds = Thresholds {
        persistence_days: i64::from(stored_with),
    };
    let mut history = History::default();
    observations
        .iter()
        .map(|o| {
            let findings = triage(o, &history, &thresholds)
                .findings
                .iter()
                .map(|f| (f.rule, f.level))
                .collect();
            history.add(o);
            Replayed {
                observation: *o,
                observed_at: given() + o.elapsed,
                in_range: true,
                stored: Stored::Current(findings),
            }
        })
        .collect()
}

fn replay(course: &[Replayed], verdicts: &[(Rule, &str)], persistence_days: i64) -> Tally {
    let verdicts: Verdicts = verdicts
        .iter()
        .map(|(rule, verdict)| (*rule, (*verdict).to_owned()))
        .collect();
    let mut tally = Tally::default();
    tally.add_course(course, &verdicts, &Thresholds { persistence_days });
    tally
}

/// A swelling reported every day from day 1 to `last`.
fn swelling_until(last: i64) -> Vec<Observation> {
    (1..=last)
        .map(|day| on_day(day, &[(Symptom::Swelling, 1)]))
        .collect()
}

const PERSISTENT: Rule = Rule::PersistentLocalReaction;

#[test]
fn with_the_settings_it_was_stored_with_a_replay_finds_what_is_stored() {
    let course = stored(&swelling_until(10), 7);
    let tally = replay(&course, &[(PERSISTENT, "recovered")], 7);
    assert_eq!((tally.checkins, tally.differing), (10, 0));
    let rule = &tally.rules[&PERSISTENT];
    assert_eq!(
        rule.findings,
        Pair {
            stored: 3,
            proposed: 3
        }
    );
    assert_eq!(
        rule.alerts,
        Pair {
            stored: 1,
            proposed: 1
        }
    );
    assert_eq!(rule.disappearing.alerts + rule.appearing.alerts, 0);
    assert_eq!(rule.precision().stored, Some(1.0));
    // The alert opens on day 8, the first day past the threshold.
    let day_8 = (given() + Duration::days(8)).date();
    assert_eq!(
        tally.days[&(day_8, PERSISTENT)].alerts,
        Pair {
            stored: 1,
            proposed: 1
        }
    );
}

#[test]
fn a_longer_threshold_removes_the_alert_and_says_how_it_was_resolved() {
    let course = stored(&swelling_until(9), 7);
    let tally = replay(&course, &[(PERSISTENT, FALSE_ALARM)], 10);
    assert_eq!(tally.differing, 2);
    let rule = &tally.rules[&PERSISTENT];
    assert_eq!(
        rule.findings,
        Pair {
            stored: 2,
            proposed: 0
        }
    );
    assert_eq!(
        rule.alerts,
        Pair {
            stored: 1,
            proposed: 0
        }
    );
    assert_eq!(rule.disappearing.alerts, 1);
    assert_eq!(rule.disappearing.resolutions[FALSE_ALARM], 1);
    assert_eq!(rule.precision().stored, Some(0.0));
    assert_eq!(rule.precision().proposed, None);
}

#[test]
fn a_shorter_threshold_adds_an_alert_judged_by_the_course_s_other_alerts() {
    let course = stored(&swelling_until(6), 7);
    let tally = replay(
        &course,
        &[
            (Rule::SevereSymptom, "recovered"),
            (Rule::VisionChange, "referred"),
        ],
        5,
    );
    let rule = &tally.rules[&PERSISTENT];
    assert_eq!(
        rule.alerts,
        Pair {
            stored: 0,
            proposed: 1
        }
    );
    assert_eq!(rule.appearing.alerts, 1);
    assert_eq!(rule.appearing.resolutions["referred"], 1);
    let alone = replay(&course, &[], 5);
    assert_eq!(alone.rules[&PERSISTENT].appearing.resolutions[NO_ALERT], 1);
}

#[test]
fn check_ins_before_the_range_are_history_only_and_other_versions_not_comparable() {
    let mut course = stored(&swelling_until(9), 7);
    for checkin in &mut course[..4] {
        checkin.in_range = false;
    }
    course[8].stored = Stored::OtherVersion;
    let tally = replay(&course, &[], 7);
    assert_eq!(
        (tally.checkins, tally.not_comparable, tally.differing),
        (5, 1, 0)
    );
    // Day 8's finding still names day 1, before the range, as the first.
    assert_eq!(
        tally.rules[&PERSISTENT].findings,
        Pair {
            stored: 1,
            proposed: 1
        }
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// However the check-ins arrived (late ones triaging the later ones
    /// again), a replay with the settings they were stored with finds
    /// exactly what is stored, per day and rule.
    #[test]
    fn a_replay_with_the_stored_settings_reproduces_the_stored_findings(
        (_, arrival) in course_and_arrival(),
        th in thresholds(),
    ) {
        let course: Vec<Replayed> = arrive(&arrival, &th)
            .into_iter()
            .map(|(observation, triaged)| Replayed {
                observation,
                observed_at: given() + observation.elapsed,
                in_range: true,
                stored: Stored::Current(
                    triaged.findings.iter().map(|f| (f.rule, f.level)).collect(),
                ),
            })
            .collect();
        let tally = replay(&course, &[], th.persistence_days);
        prop_assert_eq!(tally.differing, 0);
        for (key, counts) in &tally.days {
            prop_assert_eq!(counts.findings.stored, counts.findings.proposed, "{:?}", key);
            prop_assert_eq!(counts.alerts.stored, counts.alerts.proposed, "{:?}", key);
        }
    }

    /// The stored side does not depend on the proposed settings.
    #[test]
    fn the_stored_side_is_the_same_whatever_is_proposed(
        (course, _) in course_and_arrival(),
        stored_with in thresholds(),
        one in thresholds(),
        other in thresholds(),
    ) {
        let course: Vec<Replayed> = stored(
            &course,
            u8::try_from(stored_with.persistence_days).unwrap_or(7),
        );
        let (a, b) = (
            replay(&course, &[], one.persistence_days),
            replay(&course, &[], other.persistence_days),
        );
        let stored = |t: &Tally| -> Vec<(NaiveDate, Rule, Pair)> {
            t.days
                .iter()
                .map(|((d, r), c)| (*d, *r, Pair { stored: c.findings.stored, proposed: c.alerts.stored }))
                .filter(|(_, _, p)| p.stored + p.proposed > 0)
                .collect()
        };
        prop_assert_eq!(stored(&a), stored(&b));
    }
}
