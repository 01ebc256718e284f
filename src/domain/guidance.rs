//! What the patient is told, in their language (ja or en): after a check-in
//! (clinical-rules.md, "Guidance shown to the patient") and after the
//! treatment (the leaflet's aftercare).

use crate::domain::accounts::Locale;
use crate::domain::symptoms::LOCAL;
use crate::domain::triage::{Level, Observation, Rule, Triage};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guidance {
    pub code: &'static str,
    pub text: String,
}

fn say(code: &'static str, locale: Locale, en: String, ja: String) -> Guidance {
    Guidance {
        code,
        text: if locale == Locale::Ja { ja } else { en },
    }
}

/// Guidance for a triage result. `given_at` is the local time of the
/// treatment as the patient would tell it ("2026-11-25 14:30").
pub fn for_triage(
    triage: &Triage,
    observation: &Observation,
    locale: Locale,
    emergency_number: &str,
    given_at: &str,
) -> Vec<Guidance> {
    let n = emergency_number;
    let mut out = Vec::new();
    if triage.level == Level::Emergency {
        out.push(say(
            "call_emergency",
            locale,
            format!("Call {n} now. Tell them you received an exosome treatment at {given_at}."),
            format!("今すぐ{n}番に電話してください。{given_at}にエクソソーム治療を受けたことを伝えてください。"),
        ));
    }
    if triage.has(Rule::Hypoglycaemia) {
        out.push(say(
            "take_sugar",
            locale,
            format!("Take 15-20 g of fast-acting sugar, such as glucose tablets or juice, and rest. Call {n} if you become confused or faint, or if you are not better within 15 minutes."),
            format!("ブドウ糖やジュースなど吸収の速い糖分を15〜20g摂り、安静にしてください。意識がもうろうとする、気を失う、または15分たっても良くならない場合は{n}番に電話してください。"),
        ));
    }
    let local = LOCAL.iter().any(|s| observation.severities.get(*s) > 0);
    if local {
        out.push(say(
            "local_care",
            locale,
            "Do not touch or rub the treated area. Cool it with an ice pack wrapped in a towel. Avoid long baths and saunas on the day of treatment. These reactions usually settle within about a week.".to_owned(),
            "施術部位を触ったり、こすったりしないでください。タオルで包んだ保冷剤で冷やしてください。施術当日は長時間の入浴やサウナを避けてください。これらの症状は通常1週間ほどで治まります。".to_owned(),
        ));
    }
    if triage.level >= Level::Warning {
        out.push(say(
            "clinic_notified",
            locale,
            "Your clinic has been notified and a physician will review your report.".to_owned(),
            "クリニックに通知しました。担当医があなたの報告を確認します。".to_owned(),
        ));
    } else {
        out.push(say(
            "keep_checking_in",
            locale,
            "Thank you. Keep checking in as scheduled, and check in again at once if anything gets worse.".to_owned(),
            "ご報告ありがとうございます。予定どおり記録を続け、悪化したときはすぐにもう一度記録してください。".to_owned(),
        ));
    }
    out
}

/// Aftercare given with the treatment record.
pub fn aftercare(locale: Locale, scalp: bool, emergency_number: &str) -> Vec<Guidance> {
    let n = emergency_number;
    let mut out = vec![say(
        "no_bath_or_sauna_today",
        locale,
        "No long bath or sauna today: heat and water raise the risk of infection at the puncture sites.".to_owned(),
        "本日は長時間の入浴やサウナを控えてください。針を刺した部位が感染する危険が高まります。".to_owned(),
    )];
    if scalp {
        out.push(say(
            "scalp_care",
            locale,
            "Your scalp was treated: do not wash your hair or use hair products today; infection risk is highest there.".to_owned(),
            "頭皮に施術しました。本日は洗髪や整髪料の使用を控えてください。頭皮は特に感染しやすい部位です。".to_owned(),
        ));
    }
    out.extend([
        say(
            "do_not_touch",
            locale,
            "Do not touch or rub the treated area.".to_owned(),
            "施術部位を触ったり、こすったりしないでください。".to_owned(),
        ),
        say(
            "cool_if_swollen",
            locale,
            "If it swells, cool it with an ice pack wrapped in a towel.".to_owned(),
            "腫れた場合は、タオルで包んだ保冷剤で冷やしてください。".to_owned(),
        ),
        say(
            "expected_reactions",
            locale,
            "Redness, swelling, itching, pain and bruising at the puncture sites are usual and settle within about a week.".to_owned(),
            "針を刺した部位の赤み、腫れ、かゆみ、痛み、内出血はよくある反応で、通常1週間ほどで治まります。".to_owned(),
        ),
        say(
            "check_in_schedule",
            locale,
            "Check in every day for the first week, then weekly until week 6 and at 3 months: lumps can appear weeks after the treatment.".to_owned(),
            "最初の1週間は毎日、その後は6週目まで毎週、そして3か月後に記録してください。しこりは数週間後に現れることがあります。".to_owned(),
        ),
        say(
            "emergency_signs",
            locale,
            format!("Call {n} at once for difficulty breathing, throat tightness, fainting, or confusion."),
            format!("息苦しさ、のどの締めつけ、失神、意識の混乱があれば、すぐに{n}番に電話してください。"),
        ),
    ]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::symptoms::{Severities, Symptom};
    use crate::domain::triage::{triage, History, Thresholds};

    fn guide(o: &Observation, locale: Locale) -> Vec<Guidance> {
        let t = triage(o, &History::default(), &Thresholds::default());
        for_triage(&t, o, locale, "119", "2026-11-25 14:30")
    }

    fn codes(g: &[Guidance]) -> Vec<&str> {
        g.iter().map(|g| g.code).collect()
    }

    #[test]
    fn emergencies_give_the_number_and_the_treatment_time() {
        let o = Observation {
            within_acute_window: true,
            severities: Severities::default().with(Symptom::ThroatTightness, 3),
            ..Observation::default()
        };
        let en = guide(&o, Locale::En);
        assert_eq!(codes(&en), vec!["call_emergency", "clinic_notified"]);
        assert!(en[0].text.contains("Call 119 now") && en[0].text.contains("2026-11-25 14:30"));
        let ja = guide(&o, Locale::Ja);
        assert!(ja[0].text.contains("119番") && ja[0].text.contains("エクソソーム"));
    }

    #[test]
    fn hypoglycaemia_local_and_quiet_check_ins() {
        let mut o = Observation::default();
        o.vitals.glucose_mg_dl = Some(60.0);
        assert_eq!(
            codes(&guide(&o, Locale::En)),
            vec!["take_sugar", "clinic_notified"]
        );
        let o = Observation {
            severities: Severities::default().with(Symptom::Redness, 1),
            ..Observation::default()
        };
        let g = guide(&o, Locale::Ja);
        assert_eq!(codes(&g), vec!["local_care", "keep_checking_in"]);
        assert!(g[0].text.contains("保冷剤"));
        assert_eq!(
            codes(&guide(&Observation::default(), Locale::En)),
            vec!["keep_checking_in"]
        );
    }

    #[test]
    fn aftercare_mentions_the_scalp_only_when_treated() {
        assert!(codes(&aftercare(Locale::En, true, "119")).contains(&"scalp_care"));
        let face = aftercare(Locale::Ja, false, "119");
        assert!(!codes(&face).contains(&"scalp_care"));
        assert!(face.iter().any(|g| g.text.contains("119番")));
    }
}
