//! What a reminder says, in the patient's language. It names no symptom,
//! treatment or clinic finding: a lock screen and an inbox are not private.

use crate::domain::accounts::Locale;

pub struct ReminderTexts {
    /// The notification's title and the e-mail's subject.
    pub title: &'static str,
    pub body: &'static str,
    pub open: &'static str,
    pub why: &'static str,
    pub change: &'static str,
}

pub fn of(locale: Locale) -> ReminderTexts {
    match locale {
        Locale::En => ReminderTexts {
            title: "Time for today's check-in",
            body: "Tell your care team how you are today. It takes about a minute.",
            open: "Open the check-in",
            why: "You get this reminder because today is a check-in day and you have not reported yet.",
            change: "Change or turn off reminders",
        },
        Locale::Ja => ReminderTexts {
            title: "本日の経過報告の時間です",
            body: "今日の体調を医療チームにお知らせください。1分ほどで終わります。",
            open: "経過報告を開く",
            why: "本日は報告日で、まだ報告がないためお送りしています。",
            change: "リマインダーの変更・停止",
        },
    }
}
