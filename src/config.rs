//! Settings from the environment, read and validated once at start.
//!
//! Every variable has a default that runs the service on a fresh machine;
//! a value that is set but invalid stops the start with a message naming it.

pub mod media;

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{bail, Context};
use secrecy::SecretString;

use crate::auth::client_address::TrustedProxies;

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// Path of the embedded database file.
    Sqlite(String),
    /// A libpq connection URL.
    Postgres(String),
}

/// The URL without its password, which a libpq URL may carry.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&without_password(url))
                .finish(),
        }
    }
}

/// `postgres://user:secret@host/db?password=secret` with both passwords
/// shown as `[REDACTED]`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:[REDACTED]@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let parameters: Vec<&str> = query
                .split('&')
                .map(|p| {
                    if p.starts_with("password=") {
                        "password=[REDACTED]"
                    } else {
                        p
                    }
                })
                .collect();
            format!("{path}?{}", parameters.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path.contains(":memory:") {
                bail!("DATABASE_URL: a SQLite database needs a file path, as in sqlite://aftercare.db");
            }
            Ok(Self::Sqlite(path.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            bail!("DATABASE_URL must start with sqlite:// or postgres://")
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub bind: String,
    /// Secrets print as `[REDACTED]` in `Debug`.
    pub jwt_secret: Option<SecretString>,
    /// `AFTERCARE_DATA_KEY`: what staff TOTP secrets are sealed under (by
    /// HKDF); the signing secret when unset.
    pub data_key: Option<SecretString>,
    /// `AFTERCARE_REQUIRE_STAFF_MFA`: staff without two-factor sign-in may
    /// only enrol.
    pub require_staff_mfa: bool,
    pub admin_email: Option<String>,
    pub admin_password: Option<SecretString>,
    pub emergency_number: String,
    pub persistence_days: u32,
    pub overdue_minutes: u32,
    pub webhook_retry_schedule: Vec<u64>,
    pub webhook_allow_http: bool,
    pub webhook_allow_private: bool,
    /// How long a receiver has to answer.
    pub webhook_timeout: Duration,
    /// How long a dispatcher holds a claimed delivery before another may
    /// take it (a replica that died mid-send).
    pub webhook_lease: Duration,
    /// How often an idle dispatcher looks for due deliveries; new events
    /// wake it at once.
    pub webhook_poll: Duration,
    /// Whether this replica delivers webhooks (API-only replicas may not).
    pub webhook_dispatch: bool,
    /// The service's address as browsers reach it (https://... behind a TLS
    /// proxy): its origin is the dashboard's own for CSRF checks, and the
    /// invite QR code links to it.
    pub public_url: Option<String>,
    /// How often an open event stream sends a comment to keep proxies
    /// from closing it.
    pub event_keepalive: Duration,
    pub auto_migrate: bool,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub cors_allowed_origins: Vec<String>,
    pub db_pool_size: u32,
    pub db_checkout_timeout: Duration,
    pub invite_ttl_days: u32,
    pub access_token_ttl_seconds: u32,
    pub refresh_token_ttl_days: u32,
    pub log_json: bool,
    pub job_interval: Duration,
    /// How often the audit rows written since are sealed into the chain.
    pub audit_seal_interval: Duration,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// The bearer token `/metrics` asks for.
    pub metrics_token: Option<SecretString>,
    /// `/metrics` without a token, for a private network.
    pub metrics_public: bool,
    /// Hosts a Web Push endpoint may name (`*.suffix` for any below it).
    pub push_allowed_hosts: Vec<String>,
    /// The VAPID private key (base64url); unset: generated once and kept
    /// in the database.
    pub vapid_private_key: Option<SecretString>,
    /// Who push services may contact about this sender (RFC 8292 `sub`).
    pub vapid_subject: String,
    /// Where reminder e-mail goes out (`smtp://` or `smtps://`, perhaps with
    /// credentials); unset: no e-mail.
    pub smtp_url: Option<SecretString>,
    /// The sender of reminder e-mail.
    pub smtp_from: String,
    /// Whether this replica queues the reminders that come due (every
    /// replica may; off, the clinic sends none unless another does).
    pub reminders: bool,
    /// Reminder messages a second this replica sends at most, so that the
    /// evening's reminders leave room for the check-ins they bring.
    pub reminder_rate: u32,
    /// Where photos are kept (`AFTERCARE_MEDIA_STORE`).
    pub media_store: media::Location,
    /// How an S3-compatible media store is reached.
    pub s3: media::S3Access,
}

/// Where the settings come from: the process environment, or a map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

pub struct Environment;

impl Source for Environment {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|value| !value.is_empty())
    }
}

impl Source for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).cloned()
    }
}

fn number<T: std::str::FromStr>(source: &dyn Source, name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match source.get(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|error| anyhow::anyhow!("{name}={raw:?} is not a valid number: {error}")),
    }
}

fn flag(source: &dyn Source, name: &str, default: bool) -> anyhow::Result<bool> {
    match source.get(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => bail!("{name}={other:?} must be true or false"),
    }
}

fn positive(name: &str, value: u32) -> anyhow::Result<u32> {
    if value == 0 {
        bail!("{name} must be at least 1");
    }
    Ok(value)
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_source(&Environment)
    }

    pub fn from_source(source: &dyn Source) -> anyhow::Result<Self> {
        let database_url = DatabaseUrl::parse(
            &source
                .get("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://aftercare.db".to_owned()),
        )?;
        let jwt_secret = source.get("AFTERCARE_JWT_SECRET");
        if let Some(secret) = &jwt_secret {
            if secret.len() < 32 {
                bail!("AFTERCARE_JWT_SECRET must be at least 32 bytes long");
            }
        }
        let data_key = source.get("AFTERCARE_DATA_KEY");
        if data_key.as_ref().is_some_and(|key| key.len() < 32) {
            bail!("AFTERCARE_DATA_KEY must be at least 32 bytes long");
        }
        let admin_email = source.get("AFTERCARE_ADMIN_EMAIL");
        let admin_password = source.get("AFTERCARE_ADMIN_PASSWORD");
        if admin_email.is_some() != admin_password.is_some() {
            bail!(
                "AFTERCARE_ADMIN_EMAIL and AFTERCARE_ADMIN_PASSWORD are set together or not at all"
            );
        }
        let schedule = source
            .get("AFTERCARE_WEBHOOK_RETRY_SCHEDULE")
            .unwrap_or_else(|| "5,300,1800,7200,18000,36000,50400,72000,86400".to_owned());
        let webhook_retry_schedule = schedule
            .split(',')
            .map(|part| part.trim().parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .context("AFTERCARE_WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds")?;
        if webhook_retry_schedule.contains(&0) {
            bail!("AFTERCARE_WEBHOOK_RETRY_SCHEDULE must name positive seconds");
        }
        let emergency_number = source
            .get("AFTERCARE_EMERGENCY_NUMBER")
            .unwrap_or_else(|| "119".to_owned());
        if emergency_number.trim().is_empty() || emergency_number.len() > 20 {
            bail!("AFTERCARE_EMERGENCY_NUMBER must be a phone number of at most 20 characters");
        }
        let public_url = public_url(source)?;
        let media_store = media_store(source, &database_url)?;
        let trusted_proxies =
            TrustedProxies::parse(&source.get("AFTERCARE_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|error| anyhow::anyhow!("AFTERCARE_TRUSTED_PROXIES: {error}"))?;
        let metrics_token = source.get("AFTERCARE_METRICS_TOKEN");
        if metrics_token.as_ref().is_some_and(|token| token.len() < 16) {
            bail!("AFTERCARE_METRICS_TOKEN must be at least 16 characters long");
        }
        let log_format = source
            .get("AFTERCARE_LOG_FORMAT")
            .unwrap_or_else(|| "text".into());
        if log_format != "text" && log_format != "json" {
            bail!("AFTERCARE_LOG_FORMAT must be text or json");
        }
        Ok(Self {
            database_url,
            bind: source
                .get("AFTERCARE_BIND")
                .unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            jwt_secret: jwt_secret.map(SecretString::from),
            data_key: data_key.map(SecretString::from),
            require_staff_mfa: flag(source, "AFTERCARE_REQUIRE_STAFF_MFA", false)?,
            admin_email,
            admin_password: admin_password.map(SecretString::from),
            emergency_number,
            persistence_days: persistence_days(source)?,
            overdue_minutes: positive(
                "AFTERCARE_OVERDUE_MINUTES",
                number(source, "AFTERCARE_OVERDUE_MINUTES", 10)?,
            )?,
            webhook_retry_schedule,
            webhook_allow_http: flag(source, "AFTERCARE_WEBHOOK_ALLOW_HTTP", false)?,
            webhook_allow_private: flag(source, "AFTERCARE_WEBHOOK_ALLOW_PRIVATE", false)?,
            webhook_timeout: Duration::from_secs(u64::from(positive(
                "AFTERCARE_WEBHOOK_TIMEOUT_SECONDS",
                number(source, "AFTERCARE_WEBHOOK_TIMEOUT_SECONDS", 10)?,
            )?)),
            webhook_lease: Duration::from_secs(u64::from(positive(
                "AFTERCARE_WEBHOOK_LEASE_SECONDS",
                number(source, "AFTERCARE_WEBHOOK_LEASE_SECONDS", 60)?,
            )?)),
            webhook_poll: Duration::from_millis(u64::from(positive(
                "AFTERCARE_WEBHOOK_POLL_MS",
                number(source, "AFTERCARE_WEBHOOK_POLL_MS", 1000)?,
            )?)),
            webhook_dispatch: flag(source, "AFTERCARE_WEBHOOK_DISPATCH", true)?,
            event_keepalive: Duration::from_secs(u64::from(positive(
                "AFTERCARE_EVENT_KEEPALIVE_SECONDS",
                number(source, "AFTERCARE_EVENT_KEEPALIVE_SECONDS", 15)?,
            )?)),
            auto_migrate: flag(source, "AFTERCARE_AUTO_MIGRATE", true)?,
            cors_allowed_origins: origins(source)?,
            db_pool_size: positive(
                "AFTERCARE_DB_POOL_SIZE",
                number(source, "AFTERCARE_DB_POOL_SIZE", 10)?,
            )?,
            db_checkout_timeout: Duration::from_millis(u64::from(positive(
                "AFTERCARE_DB_CHECKOUT_TIMEOUT_MS",
                number(source, "AFTERCARE_DB_CHECKOUT_TIMEOUT_MS", 3000)?,
            )?)),
            invite_ttl_days: positive(
                "AFTERCARE_INVITE_TTL_DAYS",
                number(source, "AFTERCARE_INVITE_TTL_DAYS", 14)?,
            )?,
            access_token_ttl_seconds: positive(
                "AFTERCARE_ACCESS_TOKEN_TTL_SECONDS",
                number(source, "AFTERCARE_ACCESS_TOKEN_TTL_SECONDS", 900)?,
            )?,
            refresh_token_ttl_days: positive(
                "AFTERCARE_REFRESH_TOKEN_TTL_DAYS",
                number(source, "AFTERCARE_REFRESH_TOKEN_TTL_DAYS", 30)?,
            )?,
            log_json: log_format == "json",
            job_interval: Duration::from_secs(u64::from(positive(
                "AFTERCARE_JOB_INTERVAL_SECONDS",
                number(source, "AFTERCARE_JOB_INTERVAL_SECONDS", 60)?,
            )?)),
            audit_seal_interval: Duration::from_secs(u64::from(positive(
                "AFTERCARE_AUDIT_SEAL_SECONDS",
                number(source, "AFTERCARE_AUDIT_SEAL_SECONDS", 5)?,
            )?)),
            trusted_proxies,
            metrics_token: metrics_token.map(SecretString::from),
            metrics_public: flag(source, "AFTERCARE_METRICS_PUBLIC", false)?,
            push_allowed_hosts: push_allowed_hosts(source),
            vapid_private_key: source
                .get("AFTERCARE_VAPID_PRIVATE_KEY")
                .filter(|key| !key.trim().is_empty())
                .map(SecretString::from),
            vapid_subject: vapid_subject(source, public_url.as_deref())?,
            smtp_url: smtp_url(source, public_url.as_deref())?,
            smtp_from: smtp_from(source)?,
            reminders: flag(source, "AFTERCARE_REMINDERS", true)?,
            reminder_rate: positive(
                "AFTERCARE_REMINDER_RATE",
                number(source, "AFTERCARE_REMINDER_RATE", 400)?,
            )?,
            media_store,
            s3: media::S3Access {
                endpoint: source.get("AWS_ENDPOINT_URL"),
                region: source.get("AWS_REGION"),
                access_key_id: source.get("AWS_ACCESS_KEY_ID"),
                secret_access_key: source.get("AWS_SECRET_ACCESS_KEY").map(SecretString::from),
            },
            public_url,
        })
    }
}

/// AFTERCARE_MEDIA_STORE: `file://PATH` or `s3://bucket/prefix`; unset, a
/// directory beside the SQLite file (`aftercare.db` -> `aftercare-media`).
fn media_store(source: &dyn Source, database: &DatabaseUrl) -> anyhow::Result<media::Location> {
    use media::Location;
    if let Some(raw) = source.get("AFTERCARE_MEDIA_STORE") {
        return Location::parse(raw.trim()).map_err(anyhow::Error::msg);
    }
    Ok(Location::Directory(match database {
        DatabaseUrl::Sqlite(path) => {
            let path = std::path::Path::new(path);
            let stem = path
                .file_stem()
                .map_or("aftercare".into(), |stem| stem.to_string_lossy());
            path.with_file_name(format!("{stem}-media"))
        }
        DatabaseUrl::Postgres(_) => std::path::PathBuf::from("aftercare-media"),
    }))
}

/// AFTERCARE_VAPID_SUBJECT: a `mailto:` or https URL; unset, the public
/// URL if it is https, else a mailto: of this host.
fn vapid_subject(source: &dyn Source, public_url: Option<&str>) -> anyhow::Result<String> {
    match source.get("AFTERCARE_VAPID_SUBJECT") {
        Some(raw) => {
            let raw = raw.trim();
            if raw.starts_with("mailto:") && raw.contains('@') || raw.starts_with("https://") {
                Ok(raw.to_owned())
            } else {
                bail!("AFTERCARE_VAPID_SUBJECT must be a mailto: address or an https URL")
            }
        }
        None => Ok(match public_url {
            Some(url) if url.starts_with("https://") => url.to_owned(),
            _ => "mailto:admin@localhost".to_owned(),
        }),
    }
}

/// AFTERCARE_SMTP_URL: `smtp://` or `smtps://host[:port]`; e-mail links to
/// the patient app, so it needs AFTERCARE_PUBLIC_URL.
fn smtp_url(source: &dyn Source, public_url: Option<&str>) -> anyhow::Result<Option<SecretString>> {
    let Some(raw) = source
        .get("AFTERCARE_SMTP_URL")
        .filter(|raw| !raw.trim().is_empty())
    else {
        return Ok(None);
    };
    let parsed = url::Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "smtp" | "smtps") && u.host().is_some());
    if parsed.is_none() {
        bail!("AFTERCARE_SMTP_URL must look like smtp://host:port or smtps://user:password@host");
    }
    if public_url.is_none() {
        bail!("AFTERCARE_SMTP_URL needs AFTERCARE_PUBLIC_URL: reminder e-mail links to the patient app");
    }
    Ok(Some(SecretString::from(raw.trim().to_owned())))
}

/// AFTERCARE_SMTP_FROM: a mailbox, `Name <address>` or `address`.
fn smtp_from(source: &dyn Source) -> anyhow::Result<String> {
    let raw = source
        .get("AFTERCARE_SMTP_FROM")
        .unwrap_or_else(|| "aftercare <reminders@localhost>".to_owned());
    match raw.trim().parse::<lettre::message::Mailbox>() {
        Ok(_) => Ok(raw.trim().to_owned()),
        Err(_) => bail!(
            "AFTERCARE_SMTP_FROM must be an address like \"Clinic <reminders@clinic.example>\""
        ),
    }
}

/// `AFTERCARE_CORS_ALLOWED_ORIGINS`: comma-separated `scheme://host[:port]`.
fn origins(source: &dyn Source) -> anyhow::Result<Vec<String>> {
    let Some(raw) = source.get("AFTERCARE_CORS_ALLOWED_ORIGINS") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let parsed = url::Url::parse(origin)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.path() == "/" && !origin.ends_with('/'));
            match parsed {
                Some(_) => Ok(origin.to_owned()),
                None => bail!("AFTERCARE_CORS_ALLOWED_ORIGINS: {origin} is not an origin like https://app.example.com"),
            }
        })
        .collect()
}

/// AFTERCARE_PUSH_ALLOWED_HOSTS: comma-separated host names; unset, the
/// major browsers' push services.
fn push_allowed_hosts(source: &dyn Source) -> Vec<String> {
    match source.get("AFTERCARE_PUSH_ALLOWED_HOSTS") {
        Some(raw) => raw
            .split(',')
            .map(|host| host.trim().to_ascii_lowercase())
            .filter(|host| !host.is_empty())
            .collect(),
        None => crate::push::subscription::DEFAULT_ALLOWED_HOSTS
            .iter()
            .map(|host| (*host).to_owned())
            .collect(),
    }
}

/// AFTERCARE_PUBLIC_URL: an origin (scheme, host, port), no path.
fn public_url(source: &dyn Source) -> anyhow::Result<Option<String>> {
    let Some(raw) = source.get("AFTERCARE_PUBLIC_URL") else {
        return Ok(None);
    };
    let trimmed = raw.trim().trim_end_matches('/');
    let parsed = url::Url::parse(trimmed).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https") && u.path() == "/" && u.host().is_some()
    });
    match parsed {
        Some(_) => Ok(Some(trimmed.to_owned())),
        None => {
            bail!("AFTERCARE_PUBLIC_URL must be an origin like https://aftercare.clinic.example")
        }
    }
}

/// The persistence threshold of the triage rules: 3..30 days.
fn persistence_days(source: &dyn Source) -> anyhow::Result<u32> {
    let days = number(source, "AFTERCARE_PERSISTENCE_DAYS", 7)?;
    let range = crate::domain::triage::Thresholds::PERSISTENCE_DAYS;
    if !range.contains(&i64::from(days)) {
        bail!(
            "AFTERCARE_PERSISTENCE_DAYS must be {} to {} days, not {days}",
            range.start(),
            range.end()
        );
    }
    Ok(days)
}

#[cfg(test)]
mod tests;
