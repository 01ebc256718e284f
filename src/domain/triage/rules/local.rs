//! Rules 5 to 10: the treated site and what can follow from it, from
//! tissue injury to infection, sepsis and a reaction that worsens.

use super::{Finding, History, Input, Level, Observation, Route, Rule, Thresholds};
use crate::domain::symptoms::{Symptom, LOCAL};

use super::*;

/// Rule 5: ulceration, necrosis or compromised blood supply at the site.
pub fn tissue_injury(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let discoloration_from = if o.treatment.route == Route::Injection && o.within_hours(72) {
        1
    } else {
        2
    };
    let met = at_least(
        s,
        &[
            (Symptom::Blistering, 1),
            (Symptom::SkinDiscoloration, discoloration_from),
        ],
    );
    if met.is_empty() {
        return None;
    }
    let mut reasons: Vec<String> = met
        .iter()
        .map(|(s, v)| format!("{} at the puncture site", named(*s, *v)))
        .collect();
    if discoloration_from == 1 && s.get(Symptom::SkinDiscoloration) == 1 {
        reasons.push("within 72 hours of an injection".to_owned());
    }
    Some(Finding {
        rule: Rule::TissueInjury,
        level: Level::Urgent,
        reasons,
        names: symptoms(&met).collect(),
    })
}

/// The local symptoms a rule may count on this day: from day 14 on a lump
/// is `delayed_nodule`'s alone.
fn local_for_day(day: i64) -> impl Iterator<Item = Symptom> {
    LOCAL
        .into_iter()
        .filter(move |s| day < 14 || *s != Symptom::Lump)
}

/// Rule 6: a local reaction past the configured number of days.
pub fn persistent_local_reaction(
    o: &Observation,
    history: &History,
    thresholds: &Thresholds,
) -> Option<Finding> {
    if o.day <= thresholds.persistence_days {
        return None;
    }
    let present: Vec<(Symptom, u8)> = local_for_day(o.day)
        .map(|l| (l, o.severities.get(l)))
        .filter(|(_, v)| *v >= 1)
        .collect();
    if present.is_empty() {
        return None;
    }
    let level = if present.iter().any(|(_, v)| *v >= 3) {
        Level::Urgent
    } else {
        Level::Warning
    };
    let reasons = present
        .iter()
        .map(|(symptom, severity)| {
            let first = history
                .first_reported(*symptom)
                .map_or("first reported today".to_owned(), |day| {
                    format!("first reported on day {day}")
                });
            format!("{} on day {}, {first}", named(*symptom, *severity), o.day)
        })
        .collect();
    Some(Finding {
        rule: Rule::PersistentLocalReaction,
        level,
        reasons,
        names: symptoms(&present).collect(),
    })
}

/// Rule 7: a lump two weeks or more after the treatment (granuloma).
pub fn delayed_nodule(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let lump = s.get(Symptom::Lump);
    if o.day < 14 || lump == 0 {
        return None;
    }
    let inflamed = if lump >= 2 {
        at_least(
            s,
            &[
                (Symptom::Redness, 2),
                (Symptom::Pain, 2),
                (Symptom::Discharge, 1),
            ],
        )
    } else {
        Vec::new()
    };
    let level = if lump >= 3 || !inflamed.is_empty() {
        Level::Urgent
    } else {
        Level::Warning
    };
    let mut reasons = vec![format!("{} on day {}", named(Symptom::Lump, lump), o.day)];
    if !inflamed.is_empty() {
        reasons.push(format!("with {}", listed(&inflamed)));
    }
    Some(Finding {
        rule: Rule::DelayedNodule,
        level,
        reasons,
        names: std::iter::once(Input::Symptom(Symptom::Lump))
            .chain(symptoms(&inflamed))
            .collect(),
    })
}

/// Rule 8: fever with an inflamed puncture site.
pub fn possible_infection(o: &Observation) -> Option<Finding> {
    let (mut reasons, mut names) = fever(o);
    let mut local: Vec<(Symptom, u8)> = LOCAL
        .iter()
        .map(|l| (*l, o.severities.get(*l)))
        .filter(|(_, v)| *v >= 2)
        .collect();
    let discharge = o.severities.get(Symptom::Discharge);
    if discharge == 1 {
        local.push((Symptom::Discharge, discharge));
    }
    if reasons.is_empty() || local.is_empty() {
        return None;
    }
    reasons.extend(
        local
            .iter()
            .map(|(s, v)| format!("{} at the puncture site", named(*s, *v))),
    );
    names.extend(symptoms(&local));
    Some(Finding {
        rule: Rule::PossibleInfection,
        level: Level::Urgent,
        reasons,
        names,
    })
}

/// Rule 9: fever after the treatment, above all after an infusion
/// (bloodstream infections from contaminated products). Chills >= 2 count
/// as a fever for the emergency too (change 4 of version 2 names them with
/// the shock signs; rule 9's text leaves them out: the safer reading).
pub fn possible_sepsis(o: &Observation) -> Option<Finding> {
    let s = &o.severities;
    let (mut reasons, mut names) = fever(o);
    let chills = s.get(Symptom::Chills);
    if chills >= 2 {
        reasons.push(named(Symptom::Chills, chills));
        names.push(Input::Symptom(Symptom::Chills));
    }
    let mut shock: Vec<String> = Vec::new();
    if !reasons.is_empty() {
        if let Some(low) = hypotension(o) {
            shock.push(low);
            names.push(Input::SystolicBp);
        }
        let signs = at_least(s, &[(Symptom::Fainting, 1), (Symptom::Confusion, 2)]);
        shock.extend(signs.iter().map(|(s, v)| named(*s, *v)));
        names.extend(symptoms(&signs));
    }
    if !shock.is_empty() {
        reasons.push(format!("with {}", shock.join(", ")));
        return Some(Finding {
            rule: Rule::PossibleSepsis,
            level: Level::Emergency,
            reasons,
            names,
        });
    }
    if reasons.is_empty() || o.day > 7 {
        return None;
    }
    let (level, route) = match o.treatment.route {
        Route::Intravenous => (Level::Urgent, "an IV treatment"),
        Route::Injection => (Level::Warning, "an injection"),
    };
    reasons.push(format!("on day {}, within 7 days of {route}", o.day));
    Some(Finding {
        rule: Rule::PossibleSepsis,
        level,
        reasons,
        names,
    })
}

/// Rule 10: redness, swelling, pain or a lump higher than ever before from
/// day 1 on; without such a check-in there is no baseline and no finding.
pub fn worsening_local_reaction(o: &Observation, history: &History) -> Option<Finding> {
    if o.day < 3 {
        return None;
    }
    let watched = [
        Symptom::Redness,
        Symptom::Swelling,
        Symptom::Pain,
        Symptom::Lump,
    ];
    let worse: Vec<(Symptom, u8, u8)> = watched
        .into_iter()
        .filter(|s| o.day < 14 || *s != Symptom::Lump)
        .filter_map(|s| Some((s, o.severities.get(s), history.highest_from_day_1(s)?)))
        .filter(|(_, now, before)| now > before)
        .collect();
    if worse.is_empty() {
        return None;
    }
    Some(Finding {
        rule: Rule::WorseningLocalReaction,
        level: Level::Warning,
        reasons: worse
            .iter()
            .map(|(s, now, before)| {
                format!(
                    "{} on day {}, highest before from day 1 on: {before}",
                    named(*s, *now),
                    o.day
                )
            })
            .collect(),
        names: worse.iter().map(|(s, _, _)| Input::Symptom(*s)).collect(),
    })
}
