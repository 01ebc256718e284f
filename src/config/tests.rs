use super::*;

fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_source(&map)
}

#[test]
fn defaults_run_on_embedded_sqlite() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.database_url, DatabaseUrl::Sqlite("aftercare.db".into()));
    assert_eq!(s.bind, "127.0.0.1:8080");
    assert_eq!(s.emergency_number, "119");
    assert_eq!(s.persistence_days, 7);
    assert_eq!(s.overdue_minutes, 10);
    assert_eq!(s.webhook_retry_schedule.len(), 9);
    assert!(!s.webhook_allow_http && !s.webhook_allow_private && s.auto_migrate);
}

#[test]
fn invalid_values_are_refused_with_their_name() {
    for (name, value) in [
        ("AFTERCARE_JWT_SECRET", "short"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_URL", "sqlite://:memory:"),
        ("AFTERCARE_PERSISTENCE_DAYS", "0"),
        ("AFTERCARE_PERSISTENCE_DAYS", "2"),
        ("AFTERCARE_PERSISTENCE_DAYS", "31"),
        ("AFTERCARE_OVERDUE_MINUTES", "ten"),
        ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "maybe"),
        ("AFTERCARE_WEBHOOK_RETRY_SCHEDULE", "5,x"),
        ("AFTERCARE_WEBHOOK_RETRY_SCHEDULE", "5,0"),
        ("AFTERCARE_WEBHOOK_TIMEOUT_SECONDS", "0"),
        ("AFTERCARE_CORS_ALLOWED_ORIGINS", "https://app.example.com/"),
        ("AFTERCARE_CORS_ALLOWED_ORIGINS", "app.example.com"),
        ("AFTERCARE_TRUSTED_PROXIES", "10.0.0.0/8,proxy"),
        ("AFTERCARE_METRICS_TOKEN", "short"),
        ("AFTERCARE_METRICS_PUBLIC", "perhaps"),
    ] {
        let error = settings(&[(name, value)]).unwrap_err().to_string();
        assert!(error.contains(name), "{name}: {error}");
    }
    assert!(settings(&[("AFTERCARE_ADMIN_EMAIL", "a@b.c")]).is_err());
    for days in ["3", "30"] {
        let s = settings(&[("AFTERCARE_PERSISTENCE_DAYS", days)]).unwrap();
        assert_eq!(s.persistence_days.to_string(), days);
    }
    let cors = settings(&[(
        "AFTERCARE_CORS_ALLOWED_ORIGINS",
        "https://a.example, http://localhost:5173",
    )])
    .unwrap();
    assert_eq!(
        cors.cors_allowed_origins,
        vec!["https://a.example", "http://localhost:5173"]
    );
    assert!(settings(&[]).unwrap().cors_allowed_origins.is_empty());
}

#[test]
fn debug_output_shows_no_secret() {
    let s = settings(&[
        (
            "AFTERCARE_JWT_SECRET",
            "jwt-secret-jwt-secret-jwt-secret-jwt",
        ),
        ("AFTERCARE_ADMIN_EMAIL", "admin@clinic.example"),
        ("AFTERCARE_ADMIN_PASSWORD", "the admin's own password"),
        ("AFTERCARE_METRICS_TOKEN", "metrics-token-metrics"),
        (
            "DATABASE_URL",
            "postgres://clinic:db-password@db.internal:5432/aftercare",
        ),
    ])
    .unwrap();
    let shown = format!("{s:?}");
    for secret in [
        "jwt-secret-jwt",
        "the admin's own password",
        "metrics-token",
        "db-password",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("postgres://clinic:[REDACTED]@db.internal:5432/aftercare"));
    assert!(shown.contains("admin@clinic.example"));
    assert_eq!(
        without_password("postgres://db.internal/aftercare?user=x&password=y&sslmode=require"),
        "postgres://db.internal/aftercare?user=x&password=[REDACTED]&sslmode=require"
    );
    assert_eq!(
        without_password("postgres://clinic@db.internal/aftercare"),
        "postgres://clinic@db.internal/aftercare"
    );
}
