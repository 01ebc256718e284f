//! What the dashboard says, in English and Japanese: one struct per
//! language, so that a text missing in one of them does not compile.

use crate::domain::accounts::Locale;
use crate::domain::alerts::{Outcome, Status};
use crate::domain::triage::{Level, Rule};

mod en;
mod ja;

pub use en::EN;
pub use ja::JA;

pub struct Texts {
    pub lang: &'static str,
    pub other_language: &'static str,
    pub product: &'static str,
    pub code_hint: &'static str,
    pub authentication_code: &'static str,
    pub use_recovery_code: &'static str,
    pub recovery_code: &'static str,
    pub verify: &'static str,
    pub sign_in_again: &'static str,
    pub code_reused: &'static str,
    pub wrong_code: &'static str,
    pub security: &'static str,
    pub two_factor: &'static str,
    pub two_factor_on: &'static str,
    pub two_factor_off: &'static str,
    pub turn_on_two_factor: &'static str,
    pub turn_off_two_factor: &'static str,
    pub scan_qr: &'static str,
    pub or_type_secret: &'static str,
    pub confirm: &'static str,
    pub recovery_codes_once: &'static str,
    pub recovery_codes: &'static str,
    pub try_again: &'static str,
    pub sessions: &'static str,
    pub session_kind: &'static str,
    pub session_api: &'static str,
    pub session_browser: &'static str,
    pub this_session: &'static str,
    pub signed_in_at: &'static str,
    pub last_used: &'static str,
    pub browser: &'static str,
    pub actions: &'static str,
    pub end_session: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub password_changed: &'static str,
    pub wrong_current_password: &'static str,
    pub on: &'static str,
    pub off: &'static str,
    pub active: &'static str,
    pub deactivated: &'static str,
    pub deactivate: &'static str,
    pub reset_two_factor: &'static str,
    pub two_factor_reset: &'static str,
    pub reassign_care_teams: &'static str,
    pub reported_by: &'static str,
    pub caregiver_role: &'static str,
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
    pub photos: &'static str,
    pub photo: &'static str,
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
    pub replay_title: &'static str,
    pub replay_intro: &'static str,
    pub persistence_days: &'static str,
    pub replay_run: &'static str,
    pub replay_hint: &'static str,
    pub from_date: &'static str,
    pub replay_chart: &'static str,
    pub replay_legend: &'static str,
    pub replay_table: &'static str,
    pub stored: &'static str,
    pub proposed: &'static str,
    pub findings: &'static str,
    pub disappearing: &'static str,
    pub appearing: &'static str,
    pub precision: &'static str,
    pub checkins_replayed: &'static str,
    pub differing: &'static str,
    pub not_comparable: &'static str,
    pub no_alerts_in_range: &'static str,
    pub replay_refused: &'static str,
    pub unresolved: &'static str,
    pub no_alert: &'static str,
    pub resolved_plain: &'static str,
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
    pub nurse_role: &'static str,
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

    /// A verdict of the rule replay: an outcome, or what stands for one.
    pub fn verdict(&self, code: &str) -> &'static str {
        match code {
            crate::domain::replay::UNRESOLVED => self.unresolved,
            crate::domain::replay::NO_ALERT => self.no_alert,
            other => Outcome::parse(other).map_or(self.resolved_plain, |o| self.outcome(o)),
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

    /// A role as a word (who reported a check-in).
    pub fn role_word(&self, role: &str) -> &'static str {
        match role {
            "caregiver" => self.caregiver_role,
            "physician" => self.physician_role,
            "nurse" => self.nurse_role,
            "admin" => self.admin_role,
            _ => self.patient,
        }
    }

    /// What happened to an alert, as its history says it.
    pub fn action(&self, action: &str) -> String {
        let (en, ja) = match action {
            "opened" => ("opened", "発生"),
            "escalated" => ("escalated", "重症度が上昇"),
            "acknowledged" => ("acknowledged", "確認済み"),
            "snoozed" => ("snoozed", "保留"),
            "resolved" => ("resolved", "解決"),
            "reopened" => ("reopened", "再開"),
            "overdue" => ("overdue", "対応期限超過"),
            other => (other, other),
        };
        if self.lang == "en" { en } else { ja }.to_owned()
    }
}
