//! The queries behind the worklist, the alert list and the timeline use
//! indexes: on PostgreSQL with a million check-ins, the plan of each query
//! the service sends (captured from the connection as it runs) has no
//! sequential scan of check-ins or alerts. Plans are generic (independent
//! of the bound values), as a prepared statement is planned.
//! Runs in the PostgreSQL pass; `cargo test plans -- --nocapture` prints
//! the plans.

use aftercare::domain::alerts::Status;
use std::sync::{Arc, Mutex};

use aftercare::db::patients::Scope;
use aftercare::db::{alert_queries, timeline, worklist, DbConnection};
use diesel::connection::{Connection, InstrumentationEvent};
use diesel::RunQueryDsl;

use crate::helpers::*;

const SEED: &str = "
SET session_replication_role = replica;
INSERT INTO users (id, email, password_hash, role, display_name, timezone, locale, created_at, updated_at)
  SELECT 'phys-' || i, 'phys' || i || '@clinic.example', 'x', 'physician', 'Dr ' || i, 'Asia/Tokyo', 'ja', now(), now()
  FROM generate_series(1, 20) i;
INSERT INTO patients (id, display_name, birth_year, timezone, locale, created_at)
  SELECT 'pat-' || i, 'Patient ' || i, 1980, 'Asia/Tokyo', 'ja', now() - i * interval '1 minute'
  FROM generate_series(1, 10000) i;
INSERT INTO care_team_members (patient_id, physician_id, added_at)
  SELECT 'pat-' || i, 'phys-' || (i % 20 + 1), now() FROM generate_series(1, 10000) i;
INSERT INTO treatments (id, patient_id, physician_id, kind, sites, product, administered_at,
    cancer_treatment, pregnant, breastfeeding, planning_pregnancy, warnings, created_at)
  SELECT 'tr-' || i, 'pat-' || (i % 10000 + 1), 'phys-' || ((i % 10000 + 1) % 20 + 1), 'injection', '[\"face\"]',
    'Exo', now() - (i % 365) * interval '1 day', false, false, false, false, '[]', now()
  FROM generate_series(1, 20000) i;
INSERT INTO checkins (id, treatment_id, patient_id, client_id, request_hash, day, observed_at, received_at,
    temperature_c, recorded_by, triage_level, response)
  SELECT 'ci-' || i, 'tr-' || (i % 20000 + 1), 'pat-' || ((i % 20000 + 1) % 10000 + 1), 'c-' || i, 'h',
    i / 20000, now() - (i % 365) * interval '1 day' + (i / 20000) * interval '1 day', now(), 36.8, 'phys-1', 'none', '{}'
  FROM generate_series(0, 999999) i;
INSERT INTO checkin_symptoms (checkin_id, symptom, severity)
  SELECT 'ci-' || i, 'redness', i % 5 FROM generate_series(0, 999999) i;
INSERT INTO alerts (id, patient_id, treatment_id, rule, level, level_rank, status, created_at, updated_at, raised_at)
  SELECT 'al-' || i, 'pat-' || (i % 10000 + 1), 'tr-' || i, 'severe_symptom', 'urgent', 3,
    CASE (i / 20) % 5 WHEN 0 THEN 'open' WHEN 1 THEN 'acknowledged' ELSE 'resolved' END,
    now() - (i % 365) * interval '1 day', now(), now()
  FROM generate_series(1, 20000) i;
INSERT INTO alert_evidence (id, alert_id, checkin_id, observed_at, level, reasons, created_at)
  SELECT 'ev-' || i, 'al-' || i, 'ci-' || i, now(), 'urgent', '[]', now() FROM generate_series(1, 20000) i;
SET session_replication_role = DEFAULT;
ANALYZE;
";

#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The generic plan of one statement as diesel sent it.
fn plan(conn: &mut DbConnection, name: &str, statement: &str) -> Vec<String> {
    let sql = statement.split(" -- binds:").next().unwrap_or(statement);
    let params = (1..=64).filter(|n| sql.contains(&format!("${n}"))).count();
    diesel::sql_query(format!("PREPARE {name} AS {sql}"))
        .execute(conn)
        .unwrap();
    let nulls = vec!["NULL"; params].join(", ");
    let args = if params == 0 {
        String::new()
    } else {
        format!("({nulls})")
    };
    let lines: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN EXECUTE {name}{args}"))
        .load(conn)
        .unwrap();
    diesel::sql_query(format!("DEALLOCATE {name}"))
        .execute(conn)
        .unwrap();
    lines.into_iter().map(|l| l.line).collect()
}

#[actix_web::test]
async fn worklist_alert_list_and_timeline_queries_use_indexes_with_a_million_check_ins() {
    if postgres_url().is_none() {
        eprintln!("AFTERCARE_TEST_POSTGRES_URL is not set: query plans are checked in the PostgreSQL pass");
        return;
    }
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    app.execute_batch(SEED);
    eprintln!("seeded a million check-ins in {:?}", started.elapsed());
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM checkins"), 1_000_000);

    let sent = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let mut conn = app.connection();
    let label = Arc::new(Mutex::new(String::new()));
    {
        let (sent, label) = (sent.clone(), label.clone());
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                let name = label.lock().unwrap().clone();
                sent.lock().unwrap().push((name, query.to_string()));
            }
        });
    }
    let at = |name: &str| *label.lock().unwrap() = name.to_owned();
    let since = (chrono::Utc::now() - chrono::Duration::days(90)).naive_utc();

    at("");
    aftercare::db::standings::rebuild_all(&mut conn, chrono::Utc::now()).unwrap();
    at("worklist: first page of the team's standings");
    let standings = worklist::page(&mut conn, "phys-1", since, None, 51).unwrap();
    assert_eq!(standings.len(), 51);
    let last = standings.last().unwrap();
    let position = last.place();
    at("worklist: next page");
    worklist::page(&mut conn, "phys-1", since, Some(&position), 51).unwrap();
    let ids: Vec<String> = standings.iter().map(|s| s.treatment_id.clone()).collect();
    at("worklist: the page's treatments");
    worklist::treatments_of(&mut conn, &ids).unwrap();
    at("worklist: the page's alerts");
    let shown: Vec<String> = standings
        .iter()
        .filter_map(|s| s.worst_alert_id.clone())
        .collect();
    alert_queries::by_ids(&mut conn, &shown).unwrap();
    at("alert list: a physician's active alerts");
    let filter = alert_queries::Filter {
        statuses: Some(Status::ACTIVE.to_vec()),
        ..Default::default()
    };
    let page =
        alert_queries::list(&mut conn, Scope::CareTeamOf("phys-1"), &filter, None, 51).unwrap();
    at("alert list: next page, every alert (admin)");
    let last = page
        .last()
        .map(|a| (a.level_rank, a.created_at, a.id.clone()));
    alert_queries::list(
        &mut conn,
        Scope::All,
        &alert_queries::Filter::default(),
        last,
        51,
    )
    .unwrap();
    at("alert list: evidence");
    let alert_ids: Vec<String> = page.iter().map(|a| a.id.clone()).collect();
    alert_queries::evidence_for(&mut conn, &alert_ids).unwrap();
    at("timeline: check-ins");
    let patient_treatments = vec!["tr-1".to_owned(), "tr-10001".to_owned()];
    timeline::checkins_of(&mut conn, &patient_treatments).unwrap();
    at("timeline: symptoms");
    timeline::symptoms_of(&mut conn, &patient_treatments, 1).unwrap();
    at("timeline: alerts");
    timeline::alert_evidence_of(&mut conn, &patient_treatments).unwrap();
    at("");

    let statements = sent.lock().unwrap().clone();
    let mut explain = app.connection();
    diesel::sql_query("SET plan_cache_mode = force_generic_plan")
        .execute(&mut explain)
        .unwrap();
    let mut scans = Vec::new();
    for (n, (name, statement)) in statements
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| !name.is_empty())
    {
        let lines = plan(&mut explain, &format!("q{n}"), statement);
        println!(
            "-- {name}\n{}\n{}\n",
            statement.split(" -- binds:").next().unwrap_or(statement),
            lines.join("\n")
        );
        for line in lines {
            // The worklist's standings are one narrow row per treatment,
            // not per check-in: the planner may scan them.
            if line.contains("Seq Scan on checkins") || line.contains("Seq Scan on alerts") {
                scans.push(format!("{name}: {}", line.trim()));
            }
        }
    }
    assert!(statements.iter().filter(|(n, _)| !n.is_empty()).count() >= 10);
    assert!(scans.is_empty(), "sequential scans: {scans:#?}");
}
