//! The binary as operators run it: migrate, user create, serve. Its log
//! lines carry a request id and never a password, token or health data.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_aftercare");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[actix_web::test]
async fn operators_migrate_create_users_and_serve_without_leaking_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("cli.db").display());
    let migrate = Command::new(BIN)
        .arg("migrate")
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );

    let password = "physician-password-9";
    let mut create = Command::new(BIN)
        .args([
            "user",
            "create",
            "--role",
            "physician",
            "--email",
            "dr.mori@clinic.example",
            "--display-name",
            "Dr Mori",
        ])
        .env("DATABASE_URL", &database)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let created = create.wait_with_output().unwrap();
    assert!(created.status.success());
    assert!(uuid::Uuid::parse_str(String::from_utf8_lossy(&created.stdout).trim()).is_ok());

    let port = free_port();
    let log = dir.path().join("server.log");
    let mut server = Command::new(BIN)
        .env("DATABASE_URL", &database)
        .env("AFTERCARE_BIND", format!("127.0.0.1:{port}"))
        .env("AFTERCARE_LOG", "debug")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the server did not become ready");
    let login: serde_json::Value = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": "dr.mori@clinic.example", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    let created: serde_json::Value = client
        .post(format!("{base}/v1/patients"))
        .bearer_auth(&token)
        .json(&json!({"display_name": "Secret Patient Name", "timezone": "Asia/Tokyo", "locale": "ja"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invite = created["invite"]["code"].as_str().unwrap().to_owned();
    let bad = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": "dr.mori@clinic.example", "password": "wrong-password-secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    server.kill().unwrap();
    server.wait().unwrap();

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("request finished"), "{text}");
    for line in text.lines().filter(|l| l.contains("request finished")) {
        assert!(
            line.contains("request_id"),
            "a request line without its id: {line}"
        );
    }
    for secret in [
        password,
        "wrong-password-secret",
        &token,
        &refresh,
        &invite,
        "Secret Patient Name",
    ] {
        assert!(!text.contains(secret), "the log leaks {secret:?}");
    }
}

#[actix_web::test]
async fn a_graceful_stop_answers_the_request_in_flight() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = Command::new(BIN)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("stop.db").display()),
        )
        .env("AFTERCARE_BIND", format!("127.0.0.1:{port}"))
        .env("AFTERCARE_ADMIN_EMAIL", "admin@stop.example")
        .env("AFTERCARE_ADMIN_PASSWORD", "stop-admin-password")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let address = format!("127.0.0.1:{port}");
    let mut connected = None;
    for _ in 0..100 {
        if let Ok(stream) = std::net::TcpStream::connect(&address) {
            connected = Some(stream);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stream = connected.expect("the server did not start");
    // Wait until it answers at all.
    let ready = reqwest::get(format!("http://{address}/readyz"))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    // A login whose body is half sent when SIGTERM arrives...
    let body =
        json!({"email": "admin@stop.example", "password": "stop-admin-password"}).to_string();
    let (first, second) = body.split_at(body.len() / 2);
    write!(
        stream,
        "POST /v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let terminated = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    std::thread::sleep(Duration::from_millis(300));
    // ...is still answered in full once the rest arrives.
    stream.write_all(second.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("access_token"));
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // New connections are refused once it has stopped.
    assert!(std::net::TcpStream::connect(&address).is_err());
}
