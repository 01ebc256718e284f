//! Rule replay: the clinic's own check-ins triaged again with proposed
//! settings, beside the findings stored for them, per day and rule; and,
//! for the alerts that would disappear or appear, how physicians resolved
//! the ones that exist. One treatment's course is folded at a time, so a
//! replay holds only the tally and one course.
//!
//! Alerts are counted as the alerting keeps them: at most one active alert
//! per treatment and rule, opened by its first finding at warning or
//! above. A treatment and rule with such a finding among the check-ins of
//! the range counts as one alert, on the day of that first finding, for
//! the stored findings and for the proposed ones alike.
//!
//! Pure: plain values in, plain values out.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::triage::{triage, History, Level, Observation, Rule, Thresholds};

/// The findings stored for a check-in.
#[derive(Clone, Debug, PartialEq)]
pub enum Stored {
    /// Findings of the current rules version: (rule, level), any order.
    Current(Vec<(Rule, Level)>),
    /// Findings of another rules version: they cannot be compared.
    OtherVersion,
}

/// One check-in of a course, in history order.
#[derive(Clone, Debug)]
pub struct Replayed {
    pub observation: Observation,
    pub observed_at: NaiveDateTime,
    /// Observed in the replay's range (the others are only history).
    pub in_range: bool,
    pub stored: Stored,
}

/// What became of the alerts a treatment has for a rule: its latest
/// alert's resolution, or `unresolved` while it is active.
pub type Verdicts = HashMap<Rule, String>;

/// The verdict of an alert that does not exist.
pub const NO_ALERT: &str = "no_alert";
/// The verdict of an alert that is still active.
pub const UNRESOLVED: &str = "unresolved";
/// The verdict that says the rule was wrong.
pub const FALSE_ALARM: &str = "false_alarm";

/// Stored beside proposed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub stored: u64,
    pub proposed: u64,
}

/// One rule on one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DayCounts {
    pub findings: Pair,
    pub alerts: Pair,
}

/// Alerts that one side has and the other has not, by the verdicts
/// physicians gave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub alerts: u64,
    pub resolutions: BTreeMap<String, u64>,
}

impl Changed {
    fn add(&mut self, verdict: &str) {
        self.alerts += 1;
        *self.resolutions.entry(verdict.to_owned()).or_default() += 1;
    }
}

/// One rule over the whole range.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleCounts {
    pub findings: Pair,
    pub alerts: Pair,
    /// Alerts stored findings open that the proposed ones would not, by
    /// how physicians resolved them.
    pub disappearing: Changed,
    /// Alerts the proposed findings would open that stored ones do not, by
    /// the verdict on the treatment's other alerts (the most serious one),
    /// or `no_alert`.
    pub appearing: Changed,
    /// The verdicts on the alerts each side raises (for `precision`).
    #[serde(skip)]
    judged: Pairwise<Judged>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Pairwise<T> {
    stored: T,
    proposed: T,
}

impl RuleCounts {
    /// Resolved alerts that physicians did not call a false alarm, as a
    /// share of the resolved ones each side raises; none without a
    /// resolved one. Alerts that only the proposed side raises have no
    /// verdict yet and do not count.
    pub fn precision(&self) -> Precision {
        Precision {
            stored: self.judged.stored.precision(),
            proposed: self.judged.proposed.precision(),
        }
    }
}

/// Resolved alerts and false alarms among one side's alerts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Judged {
    resolved: u64,
    false_alarms: u64,
}

impl Judged {
    fn add(&mut self, verdict: &str) {
        if verdict != UNRESOLVED && verdict != NO_ALERT {
            self.resolved += 1;
            self.false_alarms += u64::from(verdict == FALSE_ALARM);
        }
    }

    fn precision(self) -> Option<f64> {
        (self.resolved > 0).then(|| 1.0 - self.false_alarms as f64 / self.resolved as f64)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Precision {
    pub stored: Option<f64>,
    pub proposed: Option<f64>,
}

/// What a replay found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// Check-ins observed in the range.
    pub checkins: u64,
    /// Of them, those whose stored findings are of another rules version.
    pub not_comparable: u64,
    /// Of the comparable ones, those whose proposed findings differ from
    /// the stored ones (in rule or level).
    pub differing: u64,
    pub days: BTreeMap<(NaiveDate, Rule), DayCounts>,
    pub rules: BTreeMap<Rule, RuleCounts>,
}

/// How serious a verdict is, for the one that speaks for a treatment.
fn seriousness(verdict: &str) -> u8 {
    match verdict {
        "referred" => 6,
        "recovered_with_sequelae" => 5,
        "ongoing" => 4,
        UNRESOLVED => 3,
        "recovering" => 2,
        "recovered" => 1,
        _ => 0,
    }
}

impl Tally {
    fn day(&mut self, at: NaiveDateTime, rule: Rule) -> &mut DayCounts {
        self.days.entry((at.date(), rule)).or_default()
    }

    /// Folds one treatment's course (its check-ins up to the end of the
    /// range, in history order) triaged with `proposed`, and the verdicts
    /// on its alerts.
    pub fn add_course(&mut self, course: &[Replayed], verdicts: &Verdicts, proposed: &Thresholds) {
        let mut history = History::default();
        let mut stored_first: BTreeMap<Rule, NaiveDateTime> = BTreeMap::new();
        let mut proposed_first: BTreeMap<Rule, NaiveDateTime> = BTreeMap::new();
        for checkin in course {
            let result = triage(&checkin.observation, &history, proposed);
            history.add(&checkin.observation);
            if !checkin.in_range {
                continue;
            }
            self.checkins += 1;
            let Stored::Current(stored) = &checkin.stored else {
                self.not_comparable += 1;
                continue;
            };
            let mut now: Vec<(Rule, Level)> =
                result.findings.iter().map(|f| (f.rule, f.level)).collect();
            let mut before = stored.clone();
            now.sort();
            before.sort();
            self.differing += u64::from(now != before);
            let at = checkin.observed_at;
            for (rule, level) in before {
                self.day(at, rule).findings.stored += 1;
                self.rules.entry(rule).or_default().findings.stored += 1;
                if level >= Level::Warning {
                    stored_first.entry(rule).or_insert(at);
                }
            }
            for (rule, level) in now {
                self.day(at, rule).findings.proposed += 1;
                self.rules.entry(rule).or_default().findings.proposed += 1;
                if level >= Level::Warning {
                    proposed_first.entry(rule).or_insert(at);
                }
            }
        }
        self.add_alerts(&stored_first, &proposed_first, verdicts);
    }

    fn add_alerts(
        &mut self,
        stored: &BTreeMap<Rule, NaiveDateTime>,
        proposed: &BTreeMap<Rule, NaiveDateTime>,
        verdicts: &Verdicts,
    ) {
        let verdict = |rule: &Rule| verdicts.get(rule).map_or(NO_ALERT, String::as_str);
        for (rule, at) in stored {
            self.day(*at, *rule).alerts.stored += 1;
            let counts = self.rules.entry(*rule).or_default();
            counts.alerts.stored += 1;
            counts.judged.stored.add(verdict(rule));
            if !proposed.contains_key(rule) {
                counts.disappearing.add(verdict(rule));
            }
        }
        let course = verdicts
            .values()
            .max_by_key(|v| seriousness(v))
            .map_or(NO_ALERT, String::as_str);
        for (rule, at) in proposed {
            self.day(*at, *rule).alerts.proposed += 1;
            let counts = self.rules.entry(*rule).or_default();
            counts.alerts.proposed += 1;
            if stored.contains_key(rule) {
                counts.judged.proposed.add(verdict(rule));
            } else {
                counts.appearing.add(course);
            }
        }
    }
}

#[cfg(test)]
mod tests;
