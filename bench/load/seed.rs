//! The data generator: a clinic with physicians, patients (each with an app
//! account), care teams, treatments over the past year and their check-in
//! courses, triaged by the service's own engine, with the findings, alerts,
//! evidence and alert history those courses would have produced.
//!
//! Courses: most patients report a mild local reaction that fades within a
//! few days; a few percent report one that persists past the persistence
//! threshold or worsens; about one in a hundred reports a severe symptom or
//! an allergic pattern; anaphylaxis and hypoglycaemia patterns are rare
//! (0.3% and 0.2% of treatments). Everything is deterministic for one seed.

use std::collections::HashMap;

use aftercare::db::checkins::{self, Checkin};
use aftercare::db::schema::{
    alert_events, alert_evidence, alerts, care_team_members, checkin_symptoms, findings, patients,
    treatments, users,
};
use aftercare::db::treatments::Treatment;
use aftercare::db::DbConnection;
use aftercare::domain::accounts::Locale;
use aftercare::domain::guidance;
use aftercare::domain::schedule::day_of;
use aftercare::domain::symptoms::{Severities, Symptom};
use aftercare::domain::triage::{
    triage, Glucose, History, Level, MedicalCare, Observation, Thresholds, Vitals, RULES_VERSION,
};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// Inserts rows in multi-row statements on the concrete connection (the
/// connection enum runs one row per statement).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            // SQLite binds at most 32,766 values per statement.
            let chunk = 30_000 / MAX_COLUMNS;
            match $conn {
                DbConnection::Sqlite(c) => {
                    for part in rows.chunks(chunk) {
                        diesel::insert_into($table).values(part).execute(c)?;
                    }
                }
                DbConnection::Postgres(c) => {
                    for part in rows.chunks(chunk) {
                        diesel::insert_into($table).values(part).execute(c)?;
                    }
                }
            }
        }
    }};
}

/// No seeded table has more columns than this.
const MAX_COLUMNS: usize = 22;

/// The password of every seeded account.
pub const PASSWORD: &str = "bench-password-1";
/// The physician whose care team `widen_team` grows.
pub const COORDINATOR: &str = "physician1@bench.example";

pub struct Plan {
    pub physicians: usize,
    pub patients: usize,
    pub treatments: usize,
    pub checkins: usize,
    /// How many of the check-ins (the most recent) the small data set holds.
    pub small: usize,
    /// Treatments are given over this many days up to now.
    pub spread_days: i64,
    /// Treatments given the day before, without check-ins, for the alert
    /// stream (each gets one severe check-in and so one new alert).
    pub fresh: usize,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    password_hash: String,
    role: &'static str,
    display_name: String,
    patient_id: Option<String>,
    timezone: &'static str,
    locale: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = patients)]
struct PatientRow {
    id: String,
    display_name: String,
    birth_year: Option<i32>,
    timezone: &'static str,
    locale: &'static str,
    created_by: Option<String>,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = care_team_members)]
struct MemberRow {
    patient_id: String,
    physician_id: String,
    added_by: Option<String>,
    added_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = checkin_symptoms)]
struct SymptomRow {
    checkin_id: String,
    symptom: &'static str,
    severity: i32,
}

#[derive(Insertable)]
#[diesel(table_name = findings)]
struct FindingRow {
    id: String,
    checkin_id: String,
    rule: &'static str,
    level: &'static str,
    reasons: String,
    rules_version: &'static str,
}

#[derive(Insertable)]
#[diesel(table_name = alerts)]
struct AlertRow {
    id: String,
    patient_id: String,
    treatment_id: String,
    rule: &'static str,
    level: &'static str,
    level_rank: i32,
    status: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    acknowledged_by: Option<String>,
    acknowledged_at: Option<NaiveDateTime>,
    resolved_by: Option<String>,
    resolved_at: Option<NaiveDateTime>,
    resolution_outcome: Option<&'static str>,
    overdue_notified_at: Option<NaiveDateTime>,
    raised_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = alert_evidence)]
struct EvidenceRow {
    id: String,
    alert_id: String,
    checkin_id: Option<String>,
    observed_at: NaiveDateTime,
    level: &'static str,
    reasons: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = alert_events)]
struct EventRow {
    id: String,
    alert_id: String,
    action: &'static str,
    actor_id: Option<String>,
    from_status: Option<&'static str>,
    to_status: &'static str,
    level: &'static str,
    detail: Option<String>,
    at: NaiveDateTime,
}

/// The rows of one set of check-ins and what they produced.
#[derive(Default)]
pub struct Batch {
    checkins: Vec<Checkin>,
    symptoms: Vec<SymptomRow>,
    findings: Vec<FindingRow>,
    alerts: Vec<AlertRow>,
    evidence: Vec<EvidenceRow>,
    events: Vec<EventRow>,
}

impl Batch {
    pub fn checkins(&self) -> usize {
        self.checkins.len()
    }
    pub fn alerts(&self) -> usize {
        self.alerts.len()
    }
}

/// The whole clinic: accounts and treatments, then the check-ins split into
/// the most recent `small` (inserted first) and the rest.
pub struct Clinic {
    users: Vec<UserRow>,
    patients: Vec<PatientRow>,
    members: Vec<MemberRow>,
    treatments: Vec<Treatment>,
    pub recent: Batch,
    pub older: Batch,
    /// Physician ids, the first is the one whose views are measured.
    pub physician_ids: Vec<String>,
    /// (patient email, treatment ids) of every patient.
    pub patient_logins: Vec<(String, Vec<String>)>,
    /// Patients of the first physician, for the timeline.
    pub first_team: Vec<String>,
    /// Fresh treatments (no check-in yet) of the first physician's patients.
    pub fresh: Vec<String>,
}

fn uuid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.gen())
        .into_uuid()
        .to_string()
}

/// A time-ordered id made at `at`, as the service makes for the rows of a
/// check-in.
fn uuid7(at: NaiveDateTime, rng: &mut StdRng) -> String {
    let millis = u64::try_from(at.and_utc().timestamp_millis()).unwrap_or(0);
    let random: [u8; 10] = rng.gen();
    uuid::Builder::from_unix_timestamp_millis(millis, &random)
        .into_uuid()
        .to_string()
}

#[derive(Clone, Copy)]
enum Course {
    Mild,
    MildWithGeneral,
    Persistent,
    Worsening,
    Severe,
    Allergic,
    Anaphylaxis,
    Hypoglycaemia,
}

fn course(rng: &mut StdRng, iv: bool) -> Course {
    let roll: f64 = rng.gen();
    match roll {
        r if r < 0.80 => Course::Mild,
        r if r < 0.90 => Course::MildWithGeneral,
        r if r < 0.94 => Course::Persistent,
        r if r < 0.97 => Course::Worsening,
        r if r < 0.985 => Course::Severe,
        r if r < 0.995 => Course::Allergic,
        r if r < 0.998 => Course::Anaphylaxis,
        _ if iv => Course::Hypoglycaemia,
        _ => Course::Mild,
    }
}

/// What the patient reports on `day` (and the vitals), for their course.
/// The app always asks for redness, swelling and pain; other symptoms are
/// sent when present.
fn report(
    course: Course,
    day: i64,
    start: u8,
    rng: &mut StdRng,
) -> (Vec<(Symptom, u8)>, Vitals, MedicalCare) {
    let fade = |from: u8, by: i64| from.saturating_sub(u8::try_from(by.max(0)).unwrap_or(u8::MAX));
    let mut local = [
        (Symptom::Redness, fade(start, day / 2)),
        (Symptom::Swelling, fade(start, day / 2)),
        (Symptom::Pain, fade(start.saturating_sub(1), day)),
    ]
    .to_vec();
    let mut vitals = Vitals::default();
    let mut care = MedicalCare::None;
    if day <= 2 && rng.gen_bool(0.3) {
        local.push((Symptom::Bruising, 1));
    }
    match course {
        Course::Mild => {}
        Course::MildWithGeneral => {
            if day <= 2 {
                local.push((Symptom::Headache, 1 + u8::from(day == 0)));
                local.push((Symptom::Fatigue, 1));
            }
        }
        Course::Persistent => {
            if day <= 16 {
                local[1].1 = local[1].1.max(if day >= 8 { 2 } else { 1 });
                local[0].1 = local[0].1.max(1);
            }
        }
        Course::Worsening => {
            if (2..=6).contains(&day) {
                local[2].1 = u8::try_from(day.min(4)).unwrap_or(4).max(2);
                if day >= 4 {
                    vitals.temperature_c = Some(38.3);
                    local.push((Symptom::Fever, 2));
                }
            }
        }
        Course::Severe => {
            if day == 1 {
                local.push((Symptom::Headache, 4));
            }
        }
        Course::Allergic => {
            if day <= 1 {
                local.push((Symptom::Hives, 2));
                local.push((Symptom::Itching, 2));
            }
        }
        Course::Anaphylaxis => {
            if day == 0 {
                local.push((Symptom::Hives, 3));
                local.push((Symptom::ThroatTightness, 3));
                local.push((Symptom::DifficultyBreathing, 2));
                vitals.systolic_bp = Some(84.0);
                care = MedicalCare::EmergencyRoom;
            }
        }
        Course::Hypoglycaemia => {
            if day == 0 {
                local.push((Symptom::ColdSweat, 2));
                local.push((Symptom::Tremor, 2));
                local.push((Symptom::Confusion, 1));
                vitals.glucose = Some(Glucose::mg_dl(52.0));
            }
        }
    }
    (local, vitals, care)
}

/// (day, hour of the day) of every check-in a course sends: twice a day for
/// the first three days, daily to day 13, most days to day 60, and the
/// scheduled visits after that. Every scheduled day of the first week is
/// kept, so the missed-check-in job has nothing to report.
fn calendar(rng: &mut StdRng, density: f64) -> Vec<(i64, u32)> {
    let mut out = Vec::new();
    for day in 0..=2 {
        out.push((day, 9));
        out.push((day, 20));
    }
    for day in 3..=13 {
        out.push((day, 9 + rng.gen_range(0..10)));
    }
    for day in 14..=60 {
        if [14, 21, 28, 35, 42].contains(&day) || rng.gen_bool(density) {
            out.push((day, 9 + rng.gen_range(0..10)));
        }
    }
    out.push((90, 10));
    out
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(at, Utc)
}

struct OpenAlert {
    row: AlertRow,
    /// The treating physician, who acknowledges and resolves it.
    physician: String,
    last_evidence: NaiveDateTime,
    /// Whether its newest evidence is among the recent check-ins.
    recent: bool,
    evidence: Vec<(EvidenceRow, bool)>,
}

impl Clinic {
    pub fn generate(plan: &Plan, now: DateTime<Utc>, password_hash: &str) -> Self {
        let mut rng = StdRng::seed_from_u64(20_261_126);
        let at = now.naive_utc();
        let year_ago = at - Duration::days(365);
        let zone: Tz = chrono_tz::Asia::Tokyo;
        let mut clinic = Clinic {
            users: Vec::new(),
            patients: Vec::new(),
            members: Vec::new(),
            treatments: Vec::new(),
            recent: Batch::default(),
            older: Batch::default(),
            physician_ids: Vec::new(),
            patient_logins: Vec::new(),
            first_team: Vec::new(),
            fresh: Vec::new(),
        };
        for n in 0..plan.physicians {
            let id = uuid(&mut rng);
            clinic.users.push(UserRow {
                id: id.clone(),
                email: format!("physician{n}@bench.example"),
                password_hash: password_hash.to_owned(),
                role: "physician",
                display_name: format!("Dr Bench {n}"),
                patient_id: None,
                timezone: "Asia/Tokyo",
                locale: "ja",
                created_at: year_ago,
                updated_at: year_ago,
            });
            clinic.physician_ids.push(id);
        }
        let mut patient_of_treatment = Vec::new();
        for n in 0..plan.patients {
            let id = uuid(&mut rng);
            let physician = clinic.physician_ids[n % plan.physicians].clone();
            let locale = if n % 5 == 0 { "en" } else { "ja" };
            clinic.patients.push(PatientRow {
                id: id.clone(),
                display_name: format!("Patient {n}"),
                birth_year: Some(1950 + i32::try_from(n % 50).unwrap_or(0)),
                timezone: "Asia/Tokyo",
                locale,
                created_by: Some(physician.clone()),
                created_at: year_ago,
            });
            clinic.users.push(UserRow {
                id: uuid(&mut rng),
                email: format!("patient{n}@bench.example"),
                password_hash: password_hash.to_owned(),
                role: "patient",
                display_name: format!("Patient {n}"),
                patient_id: Some(id.clone()),
                timezone: "Asia/Tokyo",
                locale,
                created_at: year_ago,
                updated_at: year_ago,
            });
            clinic.members.push(MemberRow {
                patient_id: id.clone(),
                physician_id: physician.clone(),
                added_by: Some(physician.clone()),
                added_at: year_ago,
            });
            if n % plan.physicians == 0 {
                clinic.first_team.push(id.clone());
            }
            clinic
                .patient_logins
                .push((format!("patient{n}@bench.example"), Vec::new()));
        }
        let mut courses = Vec::new();
        for n in 0..plan.treatments {
            let patient = n % plan.patients;
            let iv = n % 4 == 3;
            let seconds = rng.gen_range(0..plan.spread_days * 86_400);
            let given = at - Duration::seconds(seconds);
            let id = uuid(&mut rng);
            clinic.treatments.push(new_treatment(
                id.clone(),
                clinic.patients[patient].id.clone(),
                clinic.physician_ids[patient % plan.physicians].clone(),
                n,
                given,
                iv,
            ));
            clinic.patient_logins[patient].1.push(id);
            patient_of_treatment.push(patient);
            courses.push((course(&mut rng, iv), rng.gen_range(1..=2u8)));
        }
        let first_team = plan.patients.div_ceil(plan.physicians);
        for n in 0..plan.fresh {
            let patient = (n % first_team) * plan.physicians;
            let id = uuid(&mut rng);
            clinic.treatments.push(new_treatment(
                id.clone(),
                clinic.patients[patient].id.clone(),
                clinic.physician_ids[0].clone(),
                n,
                at - Duration::hours(30),
                false,
            ));
            clinic.fresh.push(id);
        }

        // Every check-in of every course that has happened by now, then
        // exactly `plan.checkins` of them: dropped from, or added to, the
        // ends of courses in turn.
        let density = 0.85;
        let mut calendars: Vec<Vec<(i64, u32)>> = (0..plan.treatments)
            .map(|n| {
                let given = clinic.treatments[n].administered_at;
                calendar(&mut rng, density)
                    .into_iter()
                    .filter(|(day, hour)| {
                        given + Duration::days(*day) + Duration::hours(i64::from(*hour) - 9)
                            < at - Duration::hours(2)
                    })
                    .collect()
            })
            .collect();
        let mut total: usize = calendars.iter().map(Vec::len).sum();
        let (mut turn, mut idle) = (0, 0);
        while total > plan.checkins && idle < plan.treatments {
            let n = turn % plan.treatments;
            turn += 1;
            if calendars[n].len() > 14 {
                calendars[n].pop();
                total -= 1;
                idle = 0;
            } else {
                idle += 1;
            }
        }
        while total < plan.checkins && idle < plan.treatments {
            let n = turn % plan.treatments;
            turn += 1;
            // A second check-in, in the evening of one of the first days.
            if let Some(&(day, _)) = calendars[n].get(3 + turn % 8) {
                calendars[n].push((day, 21));
                calendars[n].sort_unstable();
                total += 1;
                idle = 0;
            } else {
                idle += 1;
            }
        }

        // The observation times, to find where the recent ones start.
        let mut times: Vec<NaiveDateTime> = Vec::with_capacity(total);
        for (n, calendar) in calendars.iter().enumerate() {
            let given = clinic.treatments[n].administered_at;
            for (day, hour) in calendar {
                times.push(given + Duration::days(*day) + Duration::hours(i64::from(*hour) - 9));
            }
        }
        times.sort_unstable();
        let cut = times
            .get(total.saturating_sub(plan.small))
            .copied()
            .unwrap_or(at);

        let thresholds = Thresholds::default();
        let mut open: Vec<OpenAlert> = Vec::new();
        for (n, calendar) in calendars.iter().enumerate() {
            let t = &clinic.treatments[n];
            let (course_kind, start) = courses[n];
            let given = utc(t.administered_at);
            let patient = &clinic.patients[patient_of_treatment[n]];
            let locale = if patient.locale == "en" {
                Locale::En
            } else {
                Locale::Ja
            };
            let given_at = given.with_timezone(&zone).naive_local();
            let facts = t.facts();
            let mut history = History::default();
            let mut active: HashMap<&'static str, usize> = HashMap::new();
            for (index, (day, hour)) in calendar.iter().enumerate() {
                let observed = t.administered_at
                    + Duration::days(*day)
                    + Duration::hours(i64::from(*hour) - 9)
                    + Duration::minutes(rng.gen_range(0..60));
                let observed_utc = utc(observed);
                let (reported, vitals, care) = report(course_kind, *day, start, &mut rng);
                let mut severities = Severities::default();
                for (symptom, value) in &reported {
                    severities.set(*symptom, *value);
                }
                let local_day = day_of(observed_utc, given, zone);
                let observation = Observation {
                    day: local_day,
                    elapsed: observed_utc - given,
                    treatment: facts,
                    severities,
                    vitals,
                    medical_care: care,
                };
                let result = triage(&observation, &history, &thresholds);
                history.add(&observation);
                let recent = observed >= cut;
                let batch = if recent {
                    &mut clinic.recent
                } else {
                    &mut clinic.older
                };
                let id = uuid7(observed, &mut rng);
                let guidance = guidance::for_triage(
                    &result,
                    &observation,
                    &guidance::Context {
                        locale,
                        emergency_number: "119",
                        given_at,
                        clinic_notified: result.level >= Level::Warning,
                    },
                );
                let answer = json!({
                    "checkin": {"id": id, "client_id": format!("c-{n}-{index}"), "treatment_id": t.id,
                        "day": local_day, "observed_at": observed_utc, "received_at": observed_utc,
                        "symptoms": reported.iter().map(|(s, v)| (s.code().to_owned(), json!(v))).collect::<serde_json::Map<_, _>>()},
                    "triage": {"level": result.level.as_str(),
                        "findings": result.findings.iter().map(|f| json!({"rule": f.rule.as_str(), "level": f.level.as_str(), "reasons": f.reasons})).collect::<Vec<_>>(),
                        "guidance": guidance.iter().map(|g| json!({"code": g.code, "text": g.text})).collect::<Vec<_>>()},
                    "alerts": [],
                });
                batch.checkins.push(Checkin {
                    id: id.clone(),
                    treatment_id: t.id.clone(),
                    patient_id: t.patient_id.clone(),
                    client_id: format!("c-{n}-{index}"),
                    request_hash: format!("{:064x}", rng.gen::<u128>()),
                    day: i32::try_from(local_day).unwrap_or(0),
                    observed_at: observed,
                    received_at: observed,
                    glucose_value: vitals.glucose.map(|g| g.value),
                    glucose_unit: vitals.glucose.map(|g| g.unit.as_str().to_owned()),
                    glucose_mg_dl: vitals.glucose.map(|g| g.in_mg_dl()),
                    systolic_bp: vitals.systolic_bp,
                    temperature_c: vitals.temperature_c,
                    missed_normal_activities: None,
                    missed_work: None,
                    medical_care: (care != MedicalCare::None).then(|| care.as_str().to_owned()),
                    note: None,
                    recorded_by: t.physician_id.clone(),
                    recorded_by_role: Some("physician".to_owned()),
                    triage_level: result.level,
                    response: answer.to_string(),
                    present_symptoms: checkins::present_symptoms(
                        reported.iter().map(|(s, v)| (s.code(), i32::from(*v))),
                    ),
                });
                for (symptom, value) in reported {
                    batch.symptoms.push(SymptomRow {
                        checkin_id: id.clone(),
                        symptom: symptom.code(),
                        severity: i32::from(value),
                    });
                }
                for finding in &result.findings {
                    let reasons = serde_json::to_string(&finding.reasons).unwrap_or_default();
                    batch.findings.push(FindingRow {
                        id: uuid7(observed, &mut rng),
                        checkin_id: id.clone(),
                        rule: finding.rule.as_str(),
                        level: finding.level.as_str(),
                        reasons: reasons.clone(),
                        rules_version: RULES_VERSION,
                    });
                    if finding.level < Level::Warning {
                        continue;
                    }
                    let slot = *active.entry(finding.rule.as_str()).or_insert_with(|| {
                        open.push(OpenAlert {
                            row: AlertRow {
                                id: uuid7(observed, &mut rng),
                                patient_id: t.patient_id.clone(),
                                treatment_id: t.id.clone(),
                                rule: finding.rule.as_str(),
                                level: finding.level.as_str(),
                                level_rank: finding.level.rank(),
                                status: "open",
                                created_at: observed,
                                updated_at: observed,
                                acknowledged_by: None,
                                acknowledged_at: None,
                                resolved_by: None,
                                resolved_at: None,
                                resolution_outcome: None,
                                overdue_notified_at: None,
                                raised_at: Some(observed),
                            },
                            physician: t.physician_id.clone(),
                            last_evidence: observed,
                            recent,
                            evidence: Vec::new(),
                        });
                        open.len() - 1
                    });
                    let alert = &mut open[slot];
                    if finding.level.rank() > alert.row.level_rank {
                        alert.row.level = finding.level.as_str();
                        alert.row.level_rank = finding.level.rank();
                        alert.row.raised_at = Some(observed);
                    }
                    alert.last_evidence = observed;
                    alert.recent = recent;
                    alert.row.updated_at = observed;
                    alert.evidence.push((
                        EvidenceRow {
                            id: uuid7(observed, &mut rng),
                            alert_id: alert.row.id.clone(),
                            checkin_id: Some(id.clone()),
                            observed_at: observed,
                            level: finding.level.as_str(),
                            reasons,
                            created_at: observed,
                        },
                        recent,
                    ));
                }
            }
        }

        // Alerts the physicians dealt with: resolved two days after their
        // last evidence, acknowledged within the hour, or still open.
        for alert in open {
            let mut row = alert.row;
            let physician = Some(alert.physician);
            let created = row.created_at;
            let mut events = vec![EventRow {
                id: uuid::Uuid::now_v7().to_string(),
                alert_id: row.id.clone(),
                action: "opened",
                actor_id: None,
                from_status: None,
                to_status: "open",
                level: row.level,
                detail: None,
                at: created,
            }];
            if created + Duration::hours(1) < at {
                row.status = "acknowledged";
                row.acknowledged_by.clone_from(&physician);
                row.acknowledged_at = Some(created + Duration::hours(1));
                row.overdue_notified_at = Some(created + Duration::minutes(10));
                events.push(EventRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    alert_id: row.id.clone(),
                    action: "acknowledged",
                    actor_id: physician.clone(),
                    from_status: Some("open"),
                    to_status: "acknowledged",
                    level: row.level,
                    detail: None,
                    at: created + Duration::hours(1),
                });
            }
            let resolved = alert.last_evidence + Duration::days(2);
            if resolved < at {
                row.status = "resolved";
                row.resolved_by.clone_from(&physician);
                row.resolved_at = Some(resolved);
                row.resolution_outcome = Some("recovered");
                row.updated_at = resolved;
                events.push(EventRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    alert_id: row.id.clone(),
                    action: "resolved",
                    actor_id: physician,
                    from_status: Some("acknowledged"),
                    to_status: "resolved",
                    level: row.level,
                    detail: None,
                    at: resolved,
                });
            }
            // An alert goes in with its newest evidence, so that evidence of
            // either set never points at an alert not yet inserted.
            let home = if alert.recent {
                &mut clinic.recent
            } else {
                &mut clinic.older
            };
            home.alerts.push(row);
            home.events.extend(events);
            for (evidence, recent) in alert.evidence {
                if recent {
                    clinic.recent.evidence.push(evidence);
                } else {
                    clinic.older.evidence.push(evidence);
                }
            }
        }
        clinic
    }

    /// Treatment id to patient id.
    pub fn treatment_owners(&self) -> HashMap<String, String> {
        self.treatments
            .iter()
            .map(|t| (t.id.clone(), t.patient_id.clone()))
            .collect()
    }

    /// Inserts the accounts, patients, care teams and treatments.
    pub fn insert_clinic(&self, conn: &mut DbConnection) -> anyhow::Result<()> {
        transaction(conn, |conn| {
            insert_all!(conn, patients::table, &self.patients);
            insert_all!(conn, users::table, &self.users);
            insert_all!(conn, care_team_members::table, &self.members);
            insert_all!(conn, treatments::table, &self.treatments);
            Ok(())
        })
    }
}

/// Inserts one set of check-ins and what they produced, in one transaction.
pub fn insert_batch(conn: &mut DbConnection, batch: &Batch) -> anyhow::Result<()> {
    transaction(conn, |conn| {
        insert_all!(
            conn,
            aftercare::db::schema::checkins::table,
            &batch.checkins
        );
        insert_all!(conn, checkin_symptoms::table, &batch.symptoms);
        insert_all!(conn, findings::table, &batch.findings);
        insert_all!(conn, alerts::table, &batch.alerts);
        // Evidence comes with the set that holds its check-in; an alert
        // and its history with the set that holds its newest evidence.
        insert_all!(conn, alert_evidence::table, &batch.evidence);
        insert_all!(conn, alert_events::table, &batch.events);
        Ok(())
    })
}

fn transaction(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    conn.transaction(work)
}

fn new_treatment(
    id: String,
    patient_id: String,
    physician_id: String,
    n: usize,
    given: NaiveDateTime,
    iv: bool,
) -> Treatment {
    Treatment {
        id,
        patient_id,
        physician_id,
        kind: if iv { "iv_drip" } else { "injection" }.to_owned(),
        sites: if iv {
            "[]".to_owned()
        } else if n.is_multiple_of(3) {
            "[\"scalp\"]".to_owned()
        } else {
            "[\"face\"]".to_owned()
        },
        product: "Exosome serum".to_owned(),
        lot: Some(format!("LOT-{}", n % 97)),
        administered_at: given,
        cancer_treatment: false,
        pregnant: false,
        breastfeeding: false,
        planning_pregnancy: false,
        override_reason: None,
        warnings: "[]".to_owned(),
        created_at: given,
        baseline_systolic_bp: None,
    }
}

/// Adds patients to the care team of the physician with this e-mail until
/// it holds at least `active` treatments given in the last 90 days (the
/// worklist also keeps older ones with an alert not resolved); returns how
/// many such treatments it holds.
pub fn widen_team(conn: &mut DbConnection, email: &str, active: usize) -> anyhow::Result<usize> {
    use aftercare::db::schema::{treatments, users};
    let physician: String = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(conn)?;
    let since = (Utc::now() - Duration::days(90)).naive_utc();
    let recent: Vec<String> = treatments::table
        .filter(treatments::administered_at.ge(since))
        .select(treatments::patient_id)
        .order((treatments::administered_at.desc(), treatments::id.asc()))
        .load(conn)?;
    let mut team: std::collections::HashSet<String> = care_team_members::table
        .filter(care_team_members::physician_id.eq(&physician))
        .select(care_team_members::patient_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut given: HashMap<&str, usize> = HashMap::new();
    for patient in &recent {
        *given.entry(patient).or_default() += 1;
    }
    let mut added = Vec::new();
    let mut count = recent.iter().filter(|p| team.contains(*p)).count();
    for patient in &recent {
        if count >= active {
            break;
        }
        if team.insert(patient.clone()) {
            count += given.get(patient.as_str()).copied().unwrap_or(0);
            added.push(MemberRow {
                patient_id: patient.clone(),
                physician_id: physician.clone(),
                added_by: None,
                added_at: Utc::now().naive_utc(),
            });
        }
    }
    transaction(conn, |conn| {
        insert_all!(conn, care_team_members::table, &added);
        Ok(())
    })?;
    Ok(count)
}

/// Makes every treatment's worklist standing from the rows loaded around
/// the service, as the service itself keeps them.
pub fn stand(conn: &mut DbConnection) -> anyhow::Result<()> {
    aftercare::db::standings::rebuild_all(conn, Utc::now()).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}
