//! What the patient is told, in their language (ja or en): after a check-in
//! (clinical-rules.md, "Guidance shown to the patient") and after the
//! treatment (the leaflet's aftercare). The Japanese follows the leaflet's
//! words (揉む, シャワー, 静かに過ごす).

use chrono::NaiveDateTime;

use crate::domain::accounts::Locale;
use crate::domain::symptoms::Symptom;
use crate::domain::triage::{Level, Observation, Route, Rule, Triage};

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

/// A local time as the patient tells it: "2026-11-25 14:30" or
/// "2026年11月25日14時30分".
pub fn local_time(at: NaiveDateTime, locale: Locale) -> String {
    match locale {
        Locale::En => at.format("%Y-%m-%d %H:%M").to_string(),
        Locale::Ja => at.format("%Y年%-m月%-d日%-H時%M分").to_string(),
    }
}

/// What the guidance needs beside the triage.
pub struct Context<'a> {
    pub locale: Locale,
    pub emergency_number: &'a str,
    /// The local time of the treatment.
    pub given_at: NaiveDateTime,
    /// This check-in opened, escalated or reopened an alert.
    pub clinic_notified: bool,
}

/// Findings after which the site must not be reassured or cooled.
const NEEDS_A_LOOK: [Rule; 3] = [
    Rule::PersistentLocalReaction,
    Rule::DelayedNodule,
    Rule::TissueInjury,
];

/// Guidance for a triage result, most pressing first.
pub fn for_triage(triage: &Triage, o: &Observation, context: &Context<'_>) -> Vec<Guidance> {
    let (locale, n) = (context.locale, context.emergency_number);
    let s = &o.severities;
    let mut out = Vec::new();
    if triage.level == Level::Emergency {
        out.push(call_emergency(triage, o, context));
    } else if triage.level == Level::Urgent {
        out.push(say(
            "call_if_worse",
            locale,
            format!("Your clinic has been asked to contact you. If it gets worse, or if you cannot reach the clinic, call {n}."),
            format!("クリニックにあなたへの連絡を依頼しました。連絡をお待ちください。悪化したとき、またはクリニックに連絡がつかないときは{n}番に電話してください。"),
        ));
    }
    if triage.has(Rule::Hypoglycaemia) {
        out.push(take_sugar(o, locale, n));
    }
    if triage.has_any(&NEEDS_A_LOOK) {
        out.push(say(
            "persistent_reaction",
            locale,
            "This has lasted longer than usual or needs a look: your clinic will contact you. Do not press, rub or treat it yourself.".to_owned(),
            "通常より長く続いているか、診てもらう必要がある状態です。クリニックから連絡します。押したり揉んだり、自分で手当てしたりしないでください。".to_owned(),
        ));
    }
    let site_findings = [
        Rule::PersistentLocalReaction,
        Rule::DelayedNodule,
        Rule::TissueInjury,
        Rule::PossibleInfection,
        Rule::PossibleSepsis,
    ];
    if s.any_local() && !triage.has_any(&site_findings) {
        let (mut en, mut ja) = (
            "Do not touch or rub the treated area. Keep it clean: a shower is fine. On the day of treatment, no long bath or sauna, and spend the day quietly.".to_owned(),
            "施術部位を触ったり揉んだりしないでください。清潔に保ってください（シャワーは大丈夫です）。施術当日は長時間の入浴やサウナを避け、静かに過ごしてください。".to_owned(),
        );
        if triage.level == Level::None {
            en.push_str(" These reactions usually settle within about a week.");
            ja.push_str("これらの症状は通常1週間ほどで治まります。");
        }
        out.push(say("local_care", locale, en, ja));
    }
    let no_cooling = [
        Rule::TissueInjury,
        Rule::VisionChange,
        Rule::PersistentLocalReaction,
        Rule::DelayedNodule,
    ];
    if s.get(Symptom::Swelling) >= 1
        && s.get(Symptom::Numbness) < 2
        && s.get(Symptom::SkinDiscoloration) == 0
        && !triage.has_any(&no_cooling)
    {
        out.push(say(
            "cool_swelling",
            locale,
            "Cool the swelling with an ice pack wrapped in a towel. Never cool skin that is pale, dark or numb.".to_owned(),
            "腫れている所は、タオルで包んだ保冷剤で冷やしてください。白っぽい・黒っぽい・しびれている皮膚は冷やさないでください。".to_owned(),
        ));
    }
    if context.clinic_notified {
        out.push(say(
            "clinic_notified",
            locale,
            "Your clinic has been notified and a physician will review your report.".to_owned(),
            "クリニックに通知しました。担当医があなたの報告を確認します。".to_owned(),
        ));
    }
    if triage.level <= Level::Warning {
        out.push(say(
            "keep_checking_in",
            locale,
            "Thank you. Keep reporting as scheduled, and report again at once if anything gets worse.".to_owned(),
            "ご報告ありがとうございます。予定どおり記録を続け、悪化したときはすぐにもう一度記録してください。".to_owned(),
        ));
    }
    out
}

fn call_emergency(triage: &Triage, o: &Observation, context: &Context<'_>) -> Guidance {
    let (locale, n) = (context.locale, context.emergency_number);
    let s = &o.severities;
    let given_at = local_time(context.given_at, locale);
    let (mut en, mut ja) = (String::new(), String::new());
    // Someone who may faint is told first to get help from others.
    if s.get(Symptom::Fainting) >= 1 || s.get(Symptom::Confusion) >= 2 {
        en.push_str(&format!(
            "If you may faint or feel confused, ask someone nearby to call {n} for you. "
        ));
        ja.push_str(&format!(
            "気を失いそうなときや意識がはっきりしないときは、周りの人に{n}番通報してもらってください。"
        ));
    }
    en.push_str(&call_now(Locale::En, n, &given_at));
    ja.push_str(&call_now(Locale::Ja, n, &given_at));
    if triage.has_any(&[Rule::SuspectedAnaphylaxis, Rule::SevereSystemicReaction]) {
        en.push(' ');
        en.push_str(FIRST_AID_EN);
        ja.push_str(FIRST_AID_JA);
    }
    say("call_emergency", locale, en, ja)
}

fn call_now(locale: Locale, n: &str, given_at: &str) -> String {
    match locale {
        Locale::En => {
            format!("Call {n} now. Say that you received an exosome treatment on {given_at}.")
        }
        Locale::Ja => format!(
            "今すぐ{n}番に電話し、{given_at}にエクソソーム治療を受けたことを伝えてください。"
        ),
    }
}

const FIRST_AID_EN: &str = "Until help arrives: lie down with your legs raised (sit up if breathing is hard), and do not stand up or walk suddenly. Use your adrenaline auto-injector if one was prescribed. If you are vomiting, lie on your side.";
const FIRST_AID_JA: &str = "救急隊が来るまで、足を高くして横になってください（息が苦しいときは上半身を起こしてください）。急に立ち上がったり歩いたりしないでください。アドレナリン自己注射薬を処方されている場合は使ってください。吐いているときは横向きに寝てください。";

/// The emergency signs the aftercare text names (`emergency_signs`), at
/// the severities where the rules first take them seriously (the organ
/// systems of the anaphylaxis rule, `altered_consciousness`,
/// `vision_change`): each sign a set of symptoms all at least at a
/// severity. The patient app checks a report against them on the device
/// when it cannot reach the server, so that an emergency is told at once
/// without a connection; the server's triage decides once the report
/// arrives.
pub const EMERGENCY_SIGNS: &[&[(Symptom, u8)]] = &[
    &[(Symptom::DifficultyBreathing, 2)],
    &[(Symptom::ThroatTightness, 1)],
    &[(Symptom::LipTongueSwelling, 1)],
    &[(Symptom::Hives, 2), (Symptom::Vomiting, 2)],
    &[(Symptom::Hives, 2), (Symptom::Dizziness, 3)],
    &[(Symptom::Fainting, 1)],
    &[(Symptom::Confusion, 2)],
    &[(Symptom::VisionChange, 1)],
];

/// What the patient app shows at once for a report with an emergency sign
/// that cannot reach the server: call now (someone nearby, if the patient
/// may faint), and the first aid for anaphylaxis.
pub fn offline_emergency(
    locale: Locale,
    emergency_number: &str,
    given_at: NaiveDateTime,
) -> Guidance {
    let n = emergency_number;
    let given_at = local_time(given_at, locale);
    say(
        "call_emergency",
        locale,
        format!(
            "If you may faint or feel confused, ask someone nearby to call {n} for you. {} {FIRST_AID_EN}",
            call_now(Locale::En, n, &given_at)
        ),
        format!(
            "気を失いそうなときや意識がはっきりしないときは、周りの人に{n}番通報してもらってください。{}{FIRST_AID_JA}",
            call_now(Locale::Ja, n, &given_at)
        ),
    )
}

fn take_sugar(o: &Observation, locale: Locale, n: &str) -> Guidance {
    let s = &o.severities;
    let cannot_swallow = s.get(Symptom::Vomiting) >= 1
        || s.get(Symptom::ThroatTightness) >= 1
        || s.get(Symptom::DifficultyBreathing) >= 1
        || s.get(Symptom::LipTongueSwelling) >= 1;
    if cannot_swallow {
        return say(
            "take_sugar",
            locale,
            format!("Do not eat or drink anything now: call {n} instead."),
            format!("今は何も食べたり飲んだりしないでください。代わりに{n}番に電話してください。"),
        );
    }
    say(
        "take_sugar",
        locale,
        format!("Only if you are awake and able to swallow: take 15-20 g of fast-acting sugar, such as glucose tablets or juice, and rest. Check your blood sugar again after 15 minutes and repeat if it is still low, then eat something. If you become confused, faint, or are not better, someone should call {n}."),
        format!("意識があり、飲み込めるときだけ、ブドウ糖やジュースなど吸収の速い糖分を15〜20g摂り、安静にしてください。15分後に血糖値を測り直し、まだ低ければ繰り返し、そのあと食事をとってください。意識がもうろうとする、気を失う、または良くならないときは、周りの人に{n}番通報してもらってください。"),
    )
}

/// What the aftercare texts depend on.
pub struct TreatmentNotes {
    pub route: Route,
    pub scalp: bool,
}

/// Aftercare given with the treatment record.
pub fn aftercare(locale: Locale, notes: &TreatmentNotes, emergency_number: &str) -> Vec<Guidance> {
    let n = emergency_number;
    let mut out = vec![say(
        "no_bath_or_sauna_today",
        locale,
        "No long bath or sauna today: heat and water raise the risk of infection at the puncture sites. A shower that keeps the site clean is fine.".to_owned(),
        "本日は長時間の入浴やサウナを控えてください。針を刺した部位が感染する危険が高まります。シャワーで清潔に保つのは大丈夫です。".to_owned(),
    )];
    if notes.scalp {
        out.push(say(
            "scalp_care",
            locale,
            "Your scalp was treated: the risk of infection is highest there. Keep it clean."
                .to_owned(),
            "頭皮に施術しました。頭皮は特に感染しやすい部位です。清潔に保ってください。".to_owned(),
        ));
    }
    out.extend([
        say(
            "rest_today",
            locale,
            "Spend the day quietly.".to_owned(),
            "本日は静かに過ごしてください。".to_owned(),
        ),
        say(
            "do_not_touch",
            locale,
            "Do not touch or rub the treated area.".to_owned(),
            "施術部位を触ったり揉んだりしないでください。".to_owned(),
        ),
        say(
            "cool_if_swollen",
            locale,
            "If it swells, cool it with an ice pack wrapped in a towel, but never skin that is pale, dark or numb.".to_owned(),
            "腫れた場合は、タオルで包んだ保冷剤で冷やしてください。ただし、白っぽい・黒っぽい・しびれている皮膚は冷やさないでください。".to_owned(),
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
            "Check in every day for the first week, then weekly until week 6 and at 3 months.".to_owned(),
            "最初の1週間は毎日、その後は6週目まで毎週、そして3か月後に記録してください。".to_owned(),
        ),
        say(
            "report_late_lump",
            locale,
            "A lump can appear weeks later, up to 3 months after the treatment: report it to the clinic.".to_owned(),
            "しこりは数週間後から3か月後までに現れることがあります。気づいたらクリニックに報告してください。".to_owned(),
        ),
    ]);
    out.push(match notes.route {
        Route::Intravenous => say(
            "report_fever",
            locale,
            "In the week after this IV treatment, report a fever or chills to the clinic at once."
                .to_owned(),
            "点滴・静脈注射の後1週間以内に発熱や悪寒があれば、すぐにクリニックに報告してください。"
                .to_owned(),
        ),
        Route::Injection => say(
            "report_fever",
            locale,
            "In the week after the treatment, report a fever or chills to the clinic.".to_owned(),
            "施術後1週間以内に発熱や悪寒があれば、クリニックに報告してください。".to_owned(),
        ),
    });
    out.push(say(
        "emergency_signs",
        locale,
        format!("Call {n} at once for difficulty breathing, throat tightness, lip or tongue swelling, hives with vomiting or dizziness, fainting, cold sweat and tremor with confusion, confusion, or a change in vision."),
        format!("息苦しさ、のどの締めつけ感、唇や舌の腫れ、じんましんに嘔吐やめまいを伴うとき、失神、冷や汗や震えに意識のもうろうを伴うとき、意識がはっきりしないとき、見え方の異常があれば、すぐに{n}番に電話してください。"),
    ));
    out
}

#[cfg(test)]
mod tests;
