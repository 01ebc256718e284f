//! What the dashboard says, in English and Japanese: one struct per
//! language, so that a text missing in one of them does not compile.

use crate::domain::accounts::Locale;
use crate::domain::alerts::{Outcome, Status};
use crate::domain::triage::{Level, Rule};

pub struct Texts {
    pub lang: &'static str,
    pub other_language: &'static str,
    pub product: &'static str,
    pub sign_in: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub wrong_credentials: &'static str,
    pub too_many_attempts: &'static str,
    pub sign_out: &'static str,
    pub worklist: &'static str,
    pub worklist_empty: &'static str,
    pub patient: &'static str,
    pub treatment: &'static str,
    pub day: &'static str,
    pub worst_alert: &'static str,
    pub open_alerts: &'static str,
    pub last_checkin: &'static str,
    pub missed_checkins: &'static str,
    pub none: &'static str,
    pub live_updates: &'static str,
    pub alert: &'static str,
    pub evidence: &'static str,
    pub history: &'static str,
    pub acknowledge: &'static str,
    pub snooze: &'static str,
    pub snooze_for: &'static str,
    pub hours: &'static str,
    pub reason: &'static str,
    pub resolve: &'static str,
    pub outcome: &'static str,
    pub note: &'static str,
    pub alert_changed: &'static str,
    pub invalid_form: &'static str,
    pub symptoms_by_day: &'static str,
    pub chart_legend: &'static str,
    pub vitals: &'static str,
    pub glucose: &'static str,
    pub systolic_bp: &'static str,
    pub temperature: &'static str,
    pub checkins: &'static str,
    pub alerts: &'static str,
    pub treatments: &'static str,
    pub new_invite: &'static str,
    pub invite_code: &'static str,
    pub invite_qr: &'static str,
    pub invite_once: &'static str,
    pub already_registered: &'static str,
    pub fhir_export: &'static str,
    pub not_found: &'static str,
    pub staff_only: &'static str,
    pub csrf_failed: &'static str,
    pub back_to_worklist: &'static str,
    pub status: &'static str,
    pub level: &'static str,
    pub rule: &'static str,
    pub statistics: &'static str,
    pub stats_title: &'static str,
    pub stats_legend: &'static str,
    pub stats_table: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub show: &'static str,
    pub cohort: &'static str,
    pub reporting: &'static str,
    pub no_reports: &'static str,
    pub admin: &'static str,
    pub staff_accounts: &'static str,
    pub created: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    pub physician_role: &'static str,
    pub admin_role: &'static str,
    pub language: &'static str,
    pub create_staff: &'static str,
    pub webhooks: &'static str,
    pub secret: &'static str,
    pub secret_once: &'static str,
    pub url: &'static str,
    pub events: &'static str,
    pub enabled: &'static str,
    pub disabled: &'static str,
    pub deliveries: &'static str,
    pub create_webhook: &'static str,
    pub payload: &'static str,
    pub description: &'static str,
    pub event: &'static str,
    pub attempts: &'static str,
    pub next_attempt: &'static str,
    pub retry: &'static str,
    pub audit_trail: &'static str,
    pub at: &'static str,
    pub actor: &'static str,
    pub action: &'static str,
    pub resource: &'static str,
    pub older: &'static str,
    pub not_allowed: &'static str,
    pub failed: &'static str,
    pub record_treatment: &'static str,
    pub kind: &'static str,
    pub sites: &'static str,
    pub product_name: &'static str,
    pub lot: &'static str,
    pub administered_at: &'static str,
    pub screening: &'static str,
    pub cancer_treatment: &'static str,
    pub pregnant: &'static str,
    pub breastfeeding: &'static str,
    pub planning_pregnancy: &'static str,
    pub override_reason: &'static str,
    pub contraindicated: &'static str,
}

pub const EN: Texts = Texts {
    lang: "en",
    other_language: "日本語",
    product: "aftercare",
    sign_in: "Sign in",
    email: "Email",
    password: "Password",
    wrong_credentials: "The email or password is wrong.",
    too_many_attempts: "Too many attempts. Try again later.",
    sign_out: "Sign out",
    worklist: "Worklist",
    worklist_empty: "No active treatments.",
    patient: "Patient",
    treatment: "Treatment",
    day: "Day",
    worst_alert: "Worst open alert",
    open_alerts: "Open alerts",
    last_checkin: "Last check-in",
    missed_checkins: "Missed check-ins",
    none: "None",
    live_updates: "Updates by itself as reports arrive.",
    alert: "Alert",
    evidence: "Evidence",
    history: "History",
    acknowledge: "Acknowledge",
    snooze: "Snooze",
    snooze_for: "For",
    hours: "hours",
    reason: "Reason",
    resolve: "Resolve",
    outcome: "Outcome",
    note: "Note",
    alert_changed: "The alert changed while you were reading it. Here it is as it is now; nothing was done.",
    invalid_form: "Please check the form: ",
    symptoms_by_day: "Symptoms by day",
    chart_legend: "Each row is a symptom, each column a day since treatment; the number is the highest severity reported that day (1 mild to 4 very severe).",
    vitals: "Vitals",
    glucose: "Lowest glucose (mg/dL)",
    systolic_bp: "Lowest systolic BP (mmHg)",
    temperature: "Highest temperature (°C)",
    checkins: "Check-ins",
    alerts: "Alerts",
    treatments: "Treatments",
    new_invite: "New invite",
    invite_code: "Invite code",
    invite_qr: "QR code of the sign-up link",
    invite_once: "Shown only now: hand it to the patient.",
    already_registered: "The patient already has an account.",
    fhir_export: "FHIR export",
    not_found: "Not found.",
    staff_only: "This page is for clinic staff.",
    csrf_failed: "The form expired. Reload the page and try again.",
    back_to_worklist: "Back to the worklist",
    status: "Status",
    level: "Level",
    rule: "Rule",
    statistics: "Statistics",
    stats_title: "Symptoms by day since treatment",
    stats_legend: "Share of the patients who checked in that day and reported each symptom (the six most frequent are drawn); the table gives every symptom, with the share at moderate or worse in brackets.",
    stats_table: "Share of patients reporting each symptom, by day since treatment",
    from: "Treated from",
    to: "to",
    show: "Show",
    cohort: "Treatments in the cohort",
    reporting: "Patients reporting",
    no_reports: "No symptoms reported in this range.",
    admin: "Admin",
    staff_accounts: "Staff accounts",
    created: "Created",
    display_name: "Name",
    role: "Role",
    physician_role: "Physician",
    admin_role: "Admin",
    language: "Language",
    create_staff: "Create account",
    webhooks: "Webhooks",
    secret: "Signing secret",
    secret_once: "Shown only now: store it in the receiver.",
    url: "URL",
    events: "Events",
    enabled: "Enabled",
    disabled: "Disabled",
    deliveries: "Deliveries",
    create_webhook: "Add a webhook",
    payload: "Body",
    description: "Description",
    event: "Event",
    attempts: "Attempts",
    next_attempt: "Next attempt",
    retry: "Retry",
    audit_trail: "Audit trail",
    at: "When",
    actor: "Who",
    action: "What",
    resource: "Record",
    older: "Older entries",
    not_allowed: "Your role may not open this page.",
    failed: "Something went wrong. Try again in a moment.",
    record_treatment: "Record a treatment",
    kind: "Kind",
    sites: "Sites",
    product_name: "Product",
    lot: "Lot",
    administered_at: "Given at",
    screening: "Screening",
    cancer_treatment: "Under treatment for cancer",
    pregnant: "Pregnant",
    breastfeeding: "Breastfeeding",
    planning_pregnancy: "Planning a pregnancy",
    override_reason: "Reason to treat despite a contraindication",
    contraindicated: "The screening shows a contraindication: give a reason to treat anyway.",
};

pub const JA: Texts = Texts {
    lang: "ja",
    other_language: "English",
    product: "aftercare",
    sign_in: "ログイン",
    email: "メールアドレス",
    password: "パスワード",
    wrong_credentials: "メールアドレスまたはパスワードが違います。",
    too_many_attempts: "試行回数が多すぎます。しばらくしてからお試しください。",
    sign_out: "ログアウト",
    worklist: "ワークリスト",
    worklist_empty: "対象の施術はありません。",
    patient: "患者",
    treatment: "施術",
    day: "経過日",
    worst_alert: "最も重い未対応アラート",
    open_alerts: "未対応アラート",
    last_checkin: "最終チェックイン",
    missed_checkins: "未回答",
    none: "なし",
    live_updates: "報告が届くと自動で更新されます。",
    alert: "アラート",
    evidence: "根拠",
    history: "履歴",
    acknowledge: "確認済みにする",
    snooze: "保留",
    snooze_for: "期間",
    hours: "時間",
    reason: "理由",
    resolve: "解決",
    outcome: "転帰",
    note: "メモ",
    alert_changed: "閲覧中にアラートが変わりました。最新の内容を表示しています（操作は行われていません）。",
    invalid_form: "入力内容を確認してください: ",
    symptoms_by_day: "日ごとの症状",
    chart_legend: "行が症状、列が施術からの経過日です。数字はその日に報告された最も重い程度（1 軽度〜4 非常に重度）です。",
    vitals: "バイタル",
    glucose: "最低血糖値 (mg/dL)",
    systolic_bp: "最低収縮期血圧 (mmHg)",
    temperature: "最高体温 (°C)",
    checkins: "チェックイン",
    alerts: "アラート",
    treatments: "施術",
    new_invite: "新しい招待コード",
    invite_code: "招待コード",
    invite_qr: "登録用リンクのQRコード",
    invite_once: "この画面でのみ表示されます。患者さんにお渡しください。",
    already_registered: "この患者さんはすでに登録済みです。",
    fhir_export: "FHIRエクスポート",
    not_found: "見つかりません。",
    staff_only: "このページは医療スタッフ用です。",
    csrf_failed: "フォームの有効期限が切れました。ページを再読み込みしてやり直してください。",
    back_to_worklist: "ワークリストに戻る",
    status: "状態",
    level: "レベル",
    rule: "ルール",
    statistics: "統計",
    stats_title: "施術後の日数ごとの症状",
    stats_legend: "その日にチェックインした患者のうち、各症状を報告した割合です（多い順に6つを描画）。表にはすべての症状と、括弧内に中等度以上の割合を示します。",
    stats_table: "施術後の日数ごとの、各症状を報告した患者の割合",
    from: "施術日（から）",
    to: "まで",
    show: "表示",
    cohort: "対象の施術数",
    reporting: "報告した患者数",
    no_reports: "この期間に報告された症状はありません。",
    admin: "管理",
    staff_accounts: "スタッフアカウント",
    created: "作成しました",
    display_name: "氏名",
    role: "役割",
    physician_role: "医師",
    admin_role: "管理者",
    language: "言語",
    create_staff: "アカウントを作成",
    webhooks: "Webhook",
    secret: "署名シークレット",
    secret_once: "この画面でのみ表示されます。受信側に保存してください。",
    url: "URL",
    events: "イベント",
    enabled: "有効",
    disabled: "無効",
    deliveries: "配信",
    create_webhook: "Webhookを追加",
    payload: "本文",
    description: "説明",
    event: "イベント",
    attempts: "試行回数",
    next_attempt: "次回の試行",
    retry: "再送",
    audit_trail: "監査ログ",
    at: "日時",
    actor: "実行者",
    action: "操作",
    resource: "対象",
    older: "さらに古い記録",
    not_allowed: "この役割ではこのページを開けません。",
    failed: "問題が発生しました。しばらくしてからお試しください。",
    record_treatment: "施術を記録",
    kind: "種類",
    sites: "部位",
    product_name: "製剤",
    lot: "ロット",
    administered_at: "施術日時",
    screening: "問診",
    cancer_treatment: "がんの治療中",
    pregnant: "妊娠中",
    breastfeeding: "授乳中",
    planning_pregnancy: "妊娠を希望",
    override_reason: "禁忌に該当しても施術する理由",
    contraindicated: "問診で禁忌に該当します。施術する場合は理由を入力してください。",
};

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &EN,
        Locale::Ja => &JA,
    }
}

impl Texts {
    pub fn level(&self, level: Level) -> &'static str {
        let en = self.lang == "en";
        match level {
            Level::Emergency => {
                if en {
                    "Emergency"
                } else {
                    "緊急"
                }
            }
            Level::Urgent => {
                if en {
                    "Urgent"
                } else {
                    "至急"
                }
            }
            Level::Warning => {
                if en {
                    "Warning"
                } else {
                    "要注意"
                }
            }
            Level::Info => {
                if en {
                    "Info"
                } else {
                    "情報"
                }
            }
            Level::None => {
                if en {
                    "None"
                } else {
                    "なし"
                }
            }
        }
    }

    pub fn status(&self, status: Status) -> &'static str {
        let en = self.lang == "en";
        match status {
            Status::Open => {
                if en {
                    "Open"
                } else {
                    "未対応"
                }
            }
            Status::Acknowledged => {
                if en {
                    "Acknowledged"
                } else {
                    "確認済み"
                }
            }
            Status::Snoozed => {
                if en {
                    "Snoozed"
                } else {
                    "保留中"
                }
            }
            Status::Resolved => {
                if en {
                    "Resolved"
                } else {
                    "解決済み"
                }
            }
        }
    }

    pub fn outcome(&self, outcome: Outcome) -> &'static str {
        let en = self.lang == "en";
        match outcome {
            Outcome::Recovered => {
                if en {
                    "Recovered"
                } else {
                    "回復"
                }
            }
            Outcome::Recovering => {
                if en {
                    "Recovering"
                } else {
                    "回復中"
                }
            }
            Outcome::Ongoing => {
                if en {
                    "Ongoing"
                } else {
                    "継続中"
                }
            }
            Outcome::RecoveredWithSequelae => {
                if en {
                    "Recovered with sequelae"
                } else {
                    "後遺症ありで回復"
                }
            }
            Outcome::FalseAlarm => {
                if en {
                    "False alarm"
                } else {
                    "誤報"
                }
            }
            Outcome::Referred => {
                if en {
                    "Referred"
                } else {
                    "紹介"
                }
            }
        }
    }

    /// The rule's name as physicians read it; the API keeps the code.
    pub fn rule(&self, rule: Rule) -> &'static str {
        let (en, ja) = match rule {
            Rule::SuspectedAnaphylaxis => ("Suspected anaphylaxis", "アナフィラキシーの疑い"),
            Rule::SevereSystemicReaction => ("Severe systemic reaction", "重い全身反応"),
            Rule::PossibleAllergicReaction => {
                ("Possible allergic reaction", "アレルギー反応の可能性")
            }
            Rule::Hypoglycaemia => ("Hypoglycaemia", "低血糖"),
            Rule::AlteredConsciousness => ("Altered consciousness", "意識の変化"),
            Rule::VisionChange => ("Vision change", "視覚の変化"),
            Rule::TissueInjury => ("Possible tissue injury", "組織障害の可能性"),
            Rule::PersistentLocalReaction => ("Persistent local reaction", "長引く局所反応"),
            Rule::DelayedNodule => ("Delayed nodule", "遅発性のしこり"),
            Rule::PossibleInfection => ("Possible infection", "感染の可能性"),
            Rule::PossibleSepsis => ("Possible sepsis", "敗血症の可能性"),
            Rule::WorseningLocalReaction => ("Worsening local reaction", "悪化する局所反応"),
            Rule::MedicallyAttended => ("Medically attended", "医療機関を受診"),
            Rule::SevereSymptom => ("Severe symptom", "重い症状"),
            Rule::MissedCheckins => ("Missed check-ins", "チェックインの未回答"),
        };
        if self.lang == "en" {
            en
        } else {
            ja
        }
    }
}
