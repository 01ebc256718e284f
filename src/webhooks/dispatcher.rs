//! The dispatcher: claims due deliveries, posts them signed, records every
//! attempt, and schedules what failed. Every replica runs one; leases keep
//! them from sending the same attempt twice, and expire, so that a replica
//! killed mid-send leaves nothing leased for ever.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use reqwest::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use tokio::sync::watch;

use super::policy::Policy;
use super::signing::signature_header;
use super::{Listener, Wakeup};
use crate::clock::now;
use crate::config::Settings;
use crate::db::webhooks::{self, Attempt, Delivery, Endpoint, Finish};
use crate::db::Db;
use crate::domain::deliveries::{classify, next_delay, Answer, DeliveryStatus};
use crate::error::ApiError;

/// Deliveries claimed at once; they are sent concurrently.
const BATCH: i64 = 16;

pub struct Dispatcher {
    db: Db,
    client: reqwest::Client,
    policy: Policy,
    schedule: Vec<u64>,
    wake: Listener,
    /// This dispatcher's name on the leases it holds.
    owner: String,
    lease: chrono::Duration,
    poll: Duration,
    attempts: prometheus::IntCounterVec,
}

/// What a receiver said, or why it said nothing.
type Reply = Result<(u16, Option<u64>), String>;

impl Dispatcher {
    pub fn new(
        db: Db,
        settings: &Settings,
        wake: Wakeup,
        attempts: prometheus::IntCounterVec,
    ) -> anyhow::Result<Self> {
        let policy = Policy::of(settings);
        let client = policy.client(
            settings.webhook_timeout,
            concat!("aftercare-webhooks/", env!("CARGO_PKG_VERSION")),
        )?;
        Ok(Self {
            db,
            client,
            policy,
            schedule: settings.webhook_retry_schedule.clone(),
            wake: wake.listen(),
            owner: uuid::Uuid::new_v4().to_string(),
            lease: chrono::Duration::from_std(settings.webhook_lease)?,
            poll: settings.webhook_poll,
            attempts,
        })
    }

    /// Delivers until `stop` turns true, then gives back its leases.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            if let Err(error) = self.drain(Some(&stop)).await {
                tracing::warn!(code = error.code(), "webhook dispatch failed; retrying");
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.poll) => {}
                _ = stop.changed() => {}
            }
        }
        let owner = self.owner.clone();
        match self
            .db
            .transaction(move |conn| webhooks::release_leases(conn, &owner))
            .await
        {
            Ok(released) => tracing::info!(released, "webhook dispatcher stopped"),
            Err(error) => tracing::warn!(
                code = error.code(),
                "webhook leases not released; they expire"
            ),
        }
    }

    /// Sends every delivery that is due, batch by batch, until none is due
    /// or `stop` turns true; returns how many were attempted.
    pub async fn drain(&self, stop: Option<&watch::Receiver<bool>>) -> Result<usize, ApiError> {
        let mut attempted = 0;
        loop {
            if stop.is_some_and(|stop| *stop.borrow()) {
                return Ok(attempted);
            }
            let (at, owner, lease) = (now(), self.owner.clone(), self.lease);
            // A read first: an idle poll takes no write turn.
            if !self
                .db
                .run(move |conn| webhooks::any_due(conn, at.naive_utc()))
                .await?
            {
                return Ok(attempted);
            }
            let batch = self
                .db
                .transaction(move |conn| {
                    webhooks::claim_due(
                        conn,
                        &owner,
                        at.naive_utc(),
                        (at + lease).naive_utc(),
                        BATCH,
                    )
                })
                .await?;
            if batch.is_empty() {
                return Ok(attempted);
            }
            attempted += batch.len();
            let results = join_all(batch.into_iter().map(|(d, e)| self.deliver(d, e))).await;
            for result in results {
                result?;
            }
        }
    }

    async fn deliver(&self, delivery: Delivery, endpoint: Endpoint) -> Result<(), ApiError> {
        let at = now();
        let started = Instant::now();
        let reply = self.send(&delivery, &endpoint, at).await;
        let latency_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let (status_code, error, answer) = match &reply {
            Ok((status, retry_after)) => {
                (Some(*status), None, classify(Some(*status), *retry_after))
            }
            Err(message) => (None, Some(message.clone()), classify(None, None)),
        };
        let attempts_made = usize::try_from(delivery.attempts).unwrap_or(0) + 1;
        let finished = now();
        let (status, next, delivered_at) = match answer {
            Answer::Delivered => (DeliveryStatus::Delivered, finished, Some(finished)),
            Answer::Gone => (DeliveryStatus::Dead, finished, None),
            Answer::Failed { retry_after } => {
                match next_delay(
                    attempts_made,
                    &self.schedule,
                    retry_after,
                    rand::random::<f64>(),
                ) {
                    Some(seconds) => (
                        DeliveryStatus::Failed,
                        finished
                            + chrono::Duration::seconds(
                                i64::try_from(seconds).unwrap_or(i64::MAX / 2),
                            ),
                        None,
                    ),
                    None => (DeliveryStatus::Dead, finished, None),
                }
            }
        };
        let error = error.or_else(|| match (answer, status_code) {
            (Answer::Delivered, _) => None,
            (_, Some(code)) => Some(format!("the receiver answered {code}")),
            _ => None,
        });
        let attempt = Attempt {
            id: uuid::Uuid::now_v7().to_string(),
            delivery_id: delivery.id.clone(),
            attempted_at: at.naive_utc(),
            status_code: status_code.map(i32::from),
            latency_ms,
            error: error.clone(),
        };
        let owner = self.owner.clone();
        let endpoint_id = endpoint.id.clone();
        self.db
            .transaction(move |conn| {
                let finish = Finish {
                    status,
                    status_code: status_code.map(i32::from),
                    error: error.as_deref(),
                    next_attempt_at: next.naive_utc(),
                    delivered_at: delivered_at.map(|d| d.naive_utc()),
                };
                webhooks::finish(conn, &attempt, &owner, &finish)?;
                if answer == Answer::Gone {
                    webhooks::disable_endpoint(
                        conn,
                        &endpoint_id,
                        "the receiver answered 410 Gone",
                        finished.naive_utc(),
                    )?;
                }
                Ok(())
            })
            .await?;
        self.attempts.with_label_values(&[status.as_str()]).inc();
        tracing::info!(
            delivery_id = %delivery.id,
            endpoint_id = %endpoint.id,
            status = status.as_str(),
            status_code,
            latency_ms,
            "webhook attempt"
        );
        Ok(())
    }

    async fn send(&self, delivery: &Delivery, endpoint: &Endpoint, at: DateTime<Utc>) -> Reply {
        // The policy may have tightened since the endpoint was saved; names
        // are checked again by the client's resolver as it connects.
        let url = self.policy.check_form(&endpoint.url)?;
        let mut secrets = vec![endpoint.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&endpoint.previous_secret, endpoint.previous_secret_until)
        {
            if until > at.naive_utc() {
                secrets.push(previous);
            }
        }
        let timestamp = at.timestamp();
        let body = delivery.payload.as_bytes();
        let response = self
            .client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("webhook-id", &delivery.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature_header(&secrets, &delivery.id, timestamp, body),
            )
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(describe)?;
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        Ok((response.status().as_u16(), retry_after))
    }
}

/// A short reason for an attempt that got no answer.
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "the receiver did not answer in time".to_owned()
    } else if error.is_connect() {
        let mut source = std::error::Error::source(&error);
        let mut deepest = String::new();
        while let Some(cause) = source {
            deepest = cause.to_string();
            source = cause.source();
        }
        format!("could not connect: {deepest}")
    } else {
        format!("the request failed: {}", error.without_url())
    }
}
