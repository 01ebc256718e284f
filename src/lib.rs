//! aftercare: follow-up of patients after exosome treatments. Patients
//! check in from the app; the service triages each report and alerts the
//! physicians on their care team.
//!
//! # Layers
//!
//! Data flows one way, and a module imports only from the layers below it:
//!
//! ```text
//! routes, middleware       the route table (API and pages), request ids and limits
//! api, web                 parse, authorise, call below, answer: JSON (one module per
//!                          resource) or the dashboard's pages, which render the API's views
//! auth::extractor, state   the caller of a request; what handlers share: pool, keys, caches
//! auth                     passwords, tokens, sessions, throttles, cursor keys, access checks
//! alerting, jobs           findings -> alert changes -> outbox events; periodic work
//! webhooks                 the outbox's deliveries and the one outbound URL policy
//! photos, push, reminders  images in and out of the media store; Web Push; reminders
//! stream                   the live event stream's hub: new outbox events for open streams
//! db                       connections, schema, one module per aggregate (no rules)
//! domain                   pure decisions: symptoms, triage, schedule, guidance
//! clock, error, config     leaves every layer may use (config parses proxy ranges with auth::client_address)
//! ```
//!
//! Nothing flows back up except return values: alerting, jobs and webhooks
//! never import from `api` or `state`; `db` never imports from `alerting`;
//! `domain` does no I/O. A handler reaches its sibling handlers only for
//! the views they answer with, never for an access check (those live in
//! `auth::access`).
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod alerting;
pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod jobs;
pub mod middleware;
pub mod photos;
pub mod push;
pub mod reminders;
pub mod routes;
pub mod state;
pub mod stream;
pub mod telemetry;
pub mod verify;
pub mod web;
pub mod webhooks;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};
use anyhow::Context;
use base64::Engine;
use rand::RngCore;
use secrecy::ExposeSecret;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::users::{create_staff, NewStaff};
use crate::auth::tokens::TokenKeys;
use crate::config::{DatabaseUrl, Settings};
use crate::db::{service_settings, users, Db};
use crate::domain::accounts::{self, Locale, Role};
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::Metrics;
use crate::webhooks::dispatcher::Dispatcher;

/// Connects, migrates as configured, and loads the signing secret: all a
/// server or a command-line task needs.
pub async fn prepare(settings: Settings) -> anyhow::Result<AppState> {
    let db = Db::connect(
        &settings.database_url,
        settings.db_pool_size,
        settings.db_checkout_timeout,
    )?;
    if matches!(settings.database_url, DatabaseUrl::Sqlite(_)) || settings.auto_migrate {
        let migrating = db.clone();
        actix_web::web::block(move || migrating.migrate()).await??;
    }
    // Treatments stored before the worklist kept standings get theirs; a
    // replica that finds another one filling them leaves it to that one.
    let filled = db
        .run(|conn| db::standings::fill_missing(conn, clock::now()))
        .await;
    match filled {
        Ok(0) => {}
        Ok(filled) => tracing::info!(filled, "worklist standings made"),
        Err(error) => tracing::warn!(code = error.code(), "worklist standings not made"),
    }
    let secret = match &settings.jwt_secret {
        Some(secret) => secret.expose_secret().to_owned(),
        None => db
            .run(|conn| {
                service_settings::get_or_insert(conn, "jwt_secret", || {
                    let mut bytes = [0u8; 48];
                    rand::rngs::OsRng.fill_bytes(&mut bytes);
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                })
            })
            .await
            .map_err(|error| anyhow::anyhow!("cannot load the signing secret: {error}"))?,
    };
    let tokens = TokenKeys::new(secret.as_bytes(), settings.access_token_ttl_seconds);
    let vapid = match &settings.vapid_private_key {
        Some(key) => key.expose_secret().to_owned(),
        None => db
            .run(|conn| {
                service_settings::get_or_insert(
                    conn,
                    "vapid_private_key",
                    push::vapid::VapidKey::generate,
                )
            })
            .await
            .map_err(|error| anyhow::anyhow!("cannot load the VAPID key: {error}"))?,
    };
    let vapid = push::vapid::VapidKey::from_base64url(&vapid)
        .map_err(|error| anyhow::anyhow!("AFTERCARE_VAPID_PRIVATE_KEY: {error}"))?;
    let media = photos::store::MediaStore::open(&settings.media_store, &settings.s3)?;
    Ok(AppState {
        vapid: std::sync::Arc::new(vapid),
        media,
        workshop: photos::Workshop::default(),
        reads: auth::read_log::ReadLog::start(&db)?,
        db,
        tokens,
        cursors: auth::cursor_key::CursorKey::derive(secret.as_bytes()),
        totp_box: auth::mfa::SecretBox::derive(
            settings
                .data_key
                .as_ref()
                .map_or(secret.as_bytes(), |key| key.expose_secret().as_bytes()),
        ),
        registrations: auth::throttle::RegistrationGate::default(),
        sessions: auth::sessions::SessionCache::default(),
        settings,
        deliveries: webhooks::Wakeup::default(),
        events: std::sync::Arc::default(),
        metrics: std::sync::Arc::new(Metrics::new()?),
    })
}

/// Creates the admin named by AFTERCARE_ADMIN_EMAIL if it does not exist.
async fn ensure_admin(state: &AppState) -> anyhow::Result<()> {
    let (Some(email), Some(password)) =
        (&state.settings.admin_email, &state.settings.admin_password)
    else {
        return Ok(());
    };
    let email = accounts::normalize_email(email)
        .map_err(|m| anyhow::anyhow!("AFTERCARE_ADMIN_EMAIL {m}"))?;
    let password = password.expose_secret();
    accounts::check_password(password, &[&email])
        .map_err(|m| anyhow::anyhow!("AFTERCARE_ADMIN_PASSWORD {m}"))?;
    let lookup = email.clone();
    let exists = state
        .db
        .run(move |conn| users::email_exists(conn, &lookup))
        .await;
    if exists.map_err(|e| anyhow::anyhow!("{e}"))? {
        return Ok(());
    }
    let staff = NewStaff {
        email,
        password: password.to_owned(),
        role: Role::Admin,
        display_name: "Administrator".to_owned(),
        timezone: "Asia/Tokyo".to_owned(),
        locale: Locale::Ja,
    };
    match create_staff(state, staff).await {
        // Another replica created it at the same moment.
        Ok(_) | Err(ApiError::EmailTaken) => Ok(()),
        Err(error) => Err(anyhow::anyhow!("cannot create the admin: {error}")),
    }
}

pub struct Application {
    port: u16,
    server: Server,
    /// The webhook dispatcher and the reminder sender, if this replica
    /// runs them.
    senders: Vec<(watch::Sender<bool>, JoinHandle<()>)>,
    events: std::sync::Arc<stream::EventHub>,
    /// Stops the event hub when dropped with the application.
    _stop_events: watch::Sender<bool>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let state = prepare(settings).await?;
        ensure_admin(&state).await?;
        jobs::spawn(
            state.db.clone(),
            state.settings.job_interval,
            chrono::Duration::minutes(i64::from(state.settings.overdue_minutes)),
            state.deliveries.clone(),
        );
        jobs::spawn_sealer(
            state.db.clone(),
            state.settings.audit_seal_interval,
            state.deliveries.clone(),
        );
        let reminders = webhooks::Wakeup::default();
        if state.settings.reminders {
            jobs::spawn_reminders(
                state.db.clone(),
                state.settings.smtp_url.is_some(),
                reminders.clone(),
            );
        }
        let (stop_events, events_stopped) = watch::channel(false);
        actix_web::rt::spawn(state.events.clone().run(
            state.db.clone(),
            state.deliveries.listen(),
            state.settings.webhook_poll,
            events_stopped,
        ));
        let mut senders = Vec::new();
        if state.settings.webhook_dispatch {
            let dispatcher = Dispatcher::new(
                state.db.clone(),
                &state.settings,
                state.deliveries.clone(),
                state.metrics.webhook_attempts.clone(),
            )?;
            let (stop, stopped) = watch::channel(false);
            senders.push((stop, actix_web::rt::spawn(dispatcher.run(stopped))));
            let sender = reminders::sender::Sender::new(
                state.db.clone(),
                &state.settings,
                state.vapid.clone(),
                &reminders,
                state.metrics.reminder_attempts.clone(),
            )?;
            let (stop, stopped) = watch::channel(false);
            senders.push((stop, actix_web::rt::spawn(sender.run(stopped))));
        }
        let events = state.events.clone();
        let state = actix_web::web::Data::new(state);
        let metrics = actix_web::web::Data::from(state.metrics.clone());
        let http_metrics = actix_web_prom::PrometheusMetricsBuilder::new("aftercare")
            .registry(metrics.registry.clone())
            .mask_unmatched_patterns("unmatched")
            .build()
            .map_err(|error| anyhow::anyhow!("cannot set up metrics: {error}"))?;
        let origins = state.settings.cors_allowed_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(
                    actix_web::web::PathConfig::default()
                        .error_handler(|_, _| ApiError::NotFound.into()),
                )
                .app_data(
                    actix_web::web::QueryConfig::default()
                        .error_handler(|error, _| ApiError::InvalidQuery(error.to_string()).into()),
                )
                .configure(routes::configure)
                .configure(routes::configure_pages)
                .route(
                    "/dashboard",
                    actix_web::web::get().to(routes::dashboard_root),
                )
                .route("/app", actix_web::web::get().to(routes::app_root))
                .default_service(actix_web::web::to(routes::not_found))
                .wrap(middleware::problem_for_every_error())
                .wrap(middleware::security_headers())
                .wrap(actix_web::middleware::Condition::new(
                    !origins.is_empty(),
                    middleware::cors(&origins),
                ))
                .wrap(http_metrics.clone())
                .wrap_fn(middleware::request_id_header)
                .wrap(tracing_actix_web::TracingLogger::<telemetry::RequestSpan>::new())
        })
        .listen(listener)?
        .shutdown_timeout(30)
        .run();
        Ok(Self {
            port,
            server,
            senders,
            events,
            _stop_events: stop_events,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server gracefully (in-flight requests finish).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (by a signal or the handle); then the webhook
    /// dispatcher and the reminder sender finish what they are sending and
    /// give back the rest of their leases.
    pub async fn run_until_stopped(mut self) -> std::io::Result<()> {
        // The server stops on these signals too; open event streams end at
        // once rather than holding the graceful shutdown.
        let events = self.events.clone();
        actix_web::rt::spawn(async move {
            shutdown_signal().await;
            events.close();
        });
        let served = (&mut self.server).await;
        for (stop, sending) in std::mem::take(&mut self.senders) {
            let _ = stop.send(true);
            let _ = sending.await;
        }
        served
    }
}

/// SIGINT, or SIGTERM on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
