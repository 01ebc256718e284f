//! The verifiable audit trail: every audit row sealed into a hash chain,
//! exported as JSON lines, and checked by `aftercare audit verify` against
//! a file or the database, which names the first row changed, removed,
//! inserted or reordered.

use std::process::Command;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::receiver::{Answer, Receiver};

const BIN: &str = env!("CARGO_BIN_EXE_aftercare");

/// A clinic whose physician has read the patient's data a few times.
async fn busy_clinic() -> Clinic {
    let clinic = Clinic::new(30).await;
    clinic
        .report(25, json!({"symptoms": {"swelling": 1}}))
        .await;
    for _ in 0..3 {
        let path = format!("/v1/patients/{}/timeline", clinic.patient_id);
        assert_eq!(clinic.app.get(&path, &clinic.physician).await.status, 200);
    }
    clinic
}

fn around_now() -> String {
    let from = (Utc::now() - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (Utc::now() + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    format!("from={}&to={}", urlencode(&from), urlencode(&to))
}

fn urlencode(raw: &str) -> String {
    raw.replace('+', "%2B").replace(':', "%3A")
}

/// The export's lines, read raw: (status, content type, lines).
async fn export(app: &TestApp, token: &str, query: &str) -> (u16, String, Vec<String>) {
    let response = app
        .client
        .get(format!("{}/v1/audit/export?{query}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    (status, kind, text.lines().map(str::to_owned).collect())
}

/// `aftercare audit verify` on these lines: (exit code, what it printed).
fn verify_lines(lines: &[String]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.ndjson");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    verify(&[path.to_str().unwrap()], None)
}

fn verify(args: &[&str], database: Option<&str>) -> (i32, String) {
    let mut command = Command::new(BIN);
    command.args(["audit", "verify"]).args(args);
    if let Some(url) = database {
        command.env("DATABASE_URL", url);
    }
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap()
}

#[actix_web::test]
async fn an_export_is_a_whole_chain_that_anyone_can_verify() {
    let clinic = busy_clinic().await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let (status, kind, lines) = export(app, &admin, &around_now()).await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/x-ndjson");
    let (rows, trailer) = lines.split_at(lines.len() - 1);
    assert!(rows.len() >= 5, "{lines:?}");
    let rows: Vec<Value> = rows.iter().map(|l| parse(l)).collect();
    for pair in rows.windows(2) {
        assert_eq!(pair[1]["seq"], pair[0]["seq"].as_i64().unwrap() + 1);
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    for field in [
        "id",
        "at",
        "actor_id",
        "actor_role",
        "action",
        "resource_type",
        "hash",
    ] {
        assert!(rows[0][field].is_string(), "{field}: {}", rows[0]);
    }
    // The physician's reads are on the trail, by patient.
    assert!(rows.iter().any(|r| r["action"] == "read"
        && r["actor_role"] == "physician"
        && r["patient_id"] == clinic.patient_id.as_str()));
    let trailer = parse(&trailer[0]);
    assert_eq!(trailer["count"], rows.len());
    assert_eq!(trailer["first_seq"], rows[0]["seq"]);
    assert_eq!(trailer["last_seq"], rows[rows.len() - 1]["seq"]);
    assert_eq!(trailer["head_hash"], rows[rows.len() - 1]["hash"]);

    let (code, said) = verify_lines(&lines);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("whole"), "{said}");
    let (code, said) = verify(&["--database"], Some(&app.database_url()));
    assert_eq!(code, 0, "{said}");

    // The export itself is on the trail, and the next export holds it.
    let (_, _, again) = export(app, &admin, &around_now()).await;
    assert!(again
        .iter()
        .any(|l| l.contains("\"resource_type\":\"audit_export\"")));
    assert_eq!(verify_lines(&again).0, 0);
}

#[actix_web::test]
async fn a_head_kept_outside_is_checked_against_the_chain() {
    let clinic = busy_clinic().await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let (_, _, lines) = export(app, &admin, &around_now()).await;
    let row = parse(&lines[lines.len() - 2]);
    let (seq, hash) = (row["seq"].as_i64().unwrap(), row["hash"].as_str().unwrap());
    let kept = format!("{seq}:{hash}");
    let url = app.database_url();
    assert_eq!(verify(&["--database", "--anchor", &kept], Some(&url)).0, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.ndjson");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let file = path.to_str().unwrap();
    assert_eq!(verify(&[file, "--anchor", &kept], None).0, 0);
    // A chain rebuilt after the head was sent out no longer has it.
    let other = format!("{seq}:{}", "0".repeat(64));
    let (code, said) = verify(&["--database", "--anchor", &other], Some(&url));
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!("row {seq} is not the one anchored")),
        "{said}"
    );
    assert_eq!(verify(&[file, "--anchor", &other], None).0, 1);
    // An export that does not reach the anchored row cannot tell.
    let beyond = format!("{}:{hash}", seq + 1000);
    assert_eq!(verify(&[file, "--anchor", &beyond], None).0, 2);
    assert_eq!(
        verify(&["--database", "--anchor", &beyond], Some(&url)).0,
        1
    );
    assert_eq!(verify(&[file, "--anchor", "not-an-anchor"], None).0, 2);
}

#[actix_web::test]
async fn verify_names_the_first_row_changed_removed_inserted_or_reordered_in_an_export() {
    let clinic = busy_clinic().await;
    let admin = clinic.app.admin_token().await;
    let (_, _, lines) = export(&clinic.app, &admin, &around_now()).await;
    let seq = |line: &str| parse(line)["seq"].as_i64().unwrap();
    let third = seq(&lines[2]);

    let mut changed = lines.clone();
    changed[2] = changed[2].replace("\"action\":\"", "\"action\":\"x");
    let (code, said) = verify_lines(&changed);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains(&format!("row {third} changed")), "{said}");

    let mut removed = lines.clone();
    removed.remove(2);
    let (code, said) = verify_lines(&removed);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains(&format!("row {third} removed")), "{said}");

    // The last rows removed, trailer kept: the trailer tells.
    let mut cut = lines.clone();
    cut.remove(cut.len() - 2);
    let (code, said) = verify_lines(&cut);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("removed"), "{said}");

    let mut reordered = lines.clone();
    reordered.swap(2, 3);
    let (code, said) = verify_lines(&reordered);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!("row {} reordered", third + 1)),
        "{said}"
    );

    // A forged row that copies the third under another id.
    let mut forged = parse(&lines[2]);
    forged["id"] = json!(uuid::Uuid::now_v7().to_string());
    let mut inserted = lines.clone();
    inserted.insert(3, forged.to_string());
    let (code, said) = verify_lines(&inserted);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains(&format!("row {third} inserted")), "{said}");

    // Unreadable input: exit 2.
    let (code, said) = verify_lines(&["not json".to_owned()]);
    assert_eq!(code, 2, "{said}");
    let (code, _) = verify(&["/nonexistent/export.ndjson"], None);
    assert_eq!(code, 2);
}

/// Statements that let a test change the trail behind the service's back,
/// as someone with the database file or a superuser could.
fn without_guards(app: &TestApp) -> &'static str {
    match app.database {
        aftercare::config::DatabaseUrl::Sqlite(_) => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
        }
        aftercare::config::DatabaseUrl::Postgres(_) => {
            "ALTER TABLE audit_events DISABLE TRIGGER USER;"
        }
    }
}

#[actix_web::test]
async fn verify_of_the_database_names_a_row_changed_or_removed_in_the_database_itself() {
    let clinic = busy_clinic().await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    // Sealed up to now.
    export(app, &admin, &around_now()).await;
    let url = app.database_url();
    assert_eq!(verify(&["--database"], Some(&url)).0, 0);
    app.execute_batch(without_guards(app));
    app.execute(
        "DELETE FROM audit_events WHERE id = (SELECT event_id FROM audit_chain WHERE seq = 5)",
    );
    let (code, said) = verify(&["--database"], Some(&url));
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("row 5 removed"), "{said}");
    app.execute(
        "UPDATE audit_events SET resource_id = 'tampered' WHERE id = \
         (SELECT event_id FROM audit_chain WHERE seq = 3)",
    );
    let (code, said) = verify(&["--database"], Some(&url));
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("row 3 changed"), "{said}");
}

#[actix_web::test]
async fn an_old_row_slipped_in_behind_the_chain_is_inserted() {
    let clinic = busy_clinic().await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    export(app, &admin, &around_now()).await;
    let long_ago = (Utc::now() - Duration::days(3)).naive_utc();
    app.execute(&format!(
        "INSERT INTO audit_events (id, at, actor_id, actor_role, action, patient_id, \
         resource_type, resource_id) VALUES ('forged-row', '{}', 'nobody', 'admin', 'read', \
         '', 'patient', 'x')",
        long_ago.format("%Y-%m-%d %H:%M:%S")
    ));
    let (code, said) = verify(&["--database"], Some(&app.database_url()));
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("forged-row"), "{said}");
    assert!(said.contains("inserted"), "{said}");
}

#[actix_web::test]
async fn a_row_that_commits_after_later_ones_were_sealed_is_sealed_too() {
    let clinic = busy_clinic().await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    export(app, &admin, &around_now()).await;
    // Its time is before the newest sealed row's, as a transaction's that
    // waited for its commit.
    let earlier = (Utc::now() - Duration::seconds(20)).naive_utc();
    app.execute(&format!(
        "INSERT INTO audit_events (id, at, actor_id, actor_role, action, patient_id, \
         resource_type, resource_id) VALUES ('late-row', '{}', 'someone', 'admin', 'read', \
         '', 'patient', 'x')",
        earlier.format("%Y-%m-%d %H:%M:%S")
    ));
    let (_, _, lines) = export(app, &admin, &around_now()).await;
    assert!(lines.iter().any(|l| l.contains("\"late-row\"")));
    assert_eq!(verify_lines(&lines).0, 0);
    let (code, said) = verify(&["--database"], Some(&app.database_url()));
    assert_eq!(code, 0, "{said}");
}

#[actix_web::test]
async fn sealers_on_two_replicas_make_one_chain() {
    let clinic = busy_clinic().await;
    let app = &clinic.app;
    let (one, two) = (app.db(), app.db());
    let at = Utc::now();
    let (a, b) = tokio::join!(
        aftercare::jobs::seal_audit_trail(&one, at, true),
        aftercare::jobs::seal_audit_trail(&two, at, true)
    );
    a.unwrap();
    b.unwrap();
    let (code, said) = verify(&["--database"], Some(&app.database_url()));
    assert_eq!(code, 0, "{said}");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_chain"),
        app.count("SELECT COUNT(*) AS n FROM audit_events")
    );
}

#[actix_web::test]
async fn the_export_is_the_admins_and_covers_at_most_31_days() {
    let clinic = busy_clinic().await;
    let app = &clinic.app;
    let admin = app.admin_token().await;
    let (_, nurse) = clinic.nurse_on_team().await;
    for token in [&clinic.patient, &clinic.physician, &nurse] {
        let reply = app
            .call(
                Method::GET,
                &format!("/v1/audit/export?{}", around_now()),
                Some(token),
                None,
            )
            .await;
        assert_eq!(reply.status, 403);
    }
    let anonymous = app
        .call(
            Method::GET,
            &format!("/v1/audit/export?{}", around_now()),
            None,
            None,
        )
        .await;
    assert_eq!(anonymous.status, 401);
    let long = app
        .get(
            "/v1/audit/export?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:01Z",
            &admin,
        )
        .await;
    assert_eq!((long.status, long.code()), (422, "range_too_large"));
    let backwards = app
        .get(
            "/v1/audit/export?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            &admin,
        )
        .await;
    assert_eq!(backwards.status, 400);
    let missing = app
        .get("/v1/audit/export?from=2026-02-01T00:00:00Z", &admin)
        .await;
    assert_eq!(missing.status, 400);
    // A range with nothing in it: only the trailer.
    let (status, _, lines) = export(
        app,
        &admin,
        "from=2020-01-01T00:00:00Z&to=2020-01-31T00:00:00Z",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(lines.len(), 1);
    assert_eq!(parse(&lines[0])["count"], 0);
    assert_eq!(verify_lines(&lines).0, 0);
}

#[actix_web::test]
async fn the_head_is_in_every_scrape_and_goes_out_as_audit_sealed() {
    let receiver = Receiver::start("127.0.0.1", vec![Answer::status(200)]);
    let app = spawn_app_with(&[
        ("AFTERCARE_METRICS_PUBLIC", "true"),
        ("AFTERCARE_AUDIT_SEAL_SECONDS", "1"),
        ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true"),
        ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("AFTERCARE_WEBHOOK_POLL_MS", "100"),
    ])
    .await;
    let admin = app.admin_token().await;
    let created = app
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": receiver.url, "events": ["audit.sealed"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let clinic = Clinic::with(app, 30, "Asia/Tokyo", "ja").await;
    let app = &clinic.app;
    let seen = receiver
        .wait_for(1, std::time::Duration::from_secs(20))
        .await;
    let event = seen[0].json();
    assert_eq!(event["type"], "audit.sealed");
    let seq = event["data"]["seq"].as_i64().unwrap();
    let hash = event["data"]["head_hash"].as_str().unwrap().to_owned();
    let sealed = app.count(&format!(
        "SELECT COUNT(*) AS n FROM audit_chain WHERE seq = {seq} AND hash = '{hash}'"
    ));
    assert_eq!(sealed, 1);
    // No health data: identifiers of the chain only.
    assert!(!String::from_utf8_lossy(&seen[0].body).contains(&clinic.patient_id));

    // The scrape reads the head of the moment; the sealer may move it
    // between the scrape and the count, so they are compared until equal.
    let mut last = String::new();
    for _ in 0..50 {
        let metrics = app.call(Method::GET, "/metrics", None, None).await;
        let text = metrics.body.as_str().unwrap_or_default().to_owned();
        last = text
            .lines()
            .find(|l| l.starts_with("aftercare_audit_chain_head{hash=\""))
            .unwrap_or_default()
            .to_owned();
        let scraped = last
            .split_once("hash=\"")
            .and_then(|(_, rest)| rest.split_once("\"} "))
            .map(|(hash, seq)| (hash.to_owned(), seq.to_owned()));
        if let Some((hash, seq)) = scraped {
            let head = app.count("SELECT MAX(seq) AS n FROM audit_chain");
            let matching = app.count(&format!(
                "SELECT COUNT(*) AS n FROM audit_chain WHERE seq = {head} AND hash = '{hash}'"
            ));
            if seq == head.to_string() && matching == 1 {
                return;
            }
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the scrape's head is not the chain's: {last}");
}
