//! The reminder sender: claims due messages, checks that the day is still
//! open, sends them (Web Push to each of the patient's subscriptions, or
//! e-mail), and records how each attempt ended. Every replica that
//! delivers webhooks runs one; leases keep them from sending the same
//! message twice, and expire, so that a replica killed mid-send leaves
//! nothing leased for ever.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use tokio::sync::watch;

use super::email::Mailer;
use super::texts;
use crate::clock::{now, utc};
use crate::config::Settings;
use crate::db::push_subscriptions::{self, Subscription};
use crate::db::reminder_sends::{self, Claimed, Outcome};
use crate::db::{checkins, Db};
use crate::domain::accounts::Locale;
use crate::domain::deliveries::next_delay;
use crate::domain::reminders::{Channel, SendStatus};
use crate::error::ApiError;
use crate::push::send::{encrypt, Notification};
use crate::push::subscription;
use crate::push::vapid::VapidKey;
use crate::webhooks::policy::Policy;
use crate::webhooks::{Listener, Wakeup};

/// Messages claimed at once; they are sent concurrently.
const BATCH: i64 = 32;

pub struct Sender {
    db: Db,
    client: reqwest::Client,
    policy: Policy,
    allowed_hosts: Vec<String>,
    vapid: Arc<VapidKey>,
    subject: String,
    mailer: Option<Mailer>,
    wake: Listener,
    /// This sender's name on the leases it holds.
    owner: String,
    lease: chrono::Duration,
    poll: Duration,
    attempts: prometheus::IntCounterVec,
    /// The time between batches at the reminder rate, and when the next
    /// one may go.
    pace: Duration,
    next_batch: Cell<Instant>,
}

/// What one push service said of one subscription.
enum Push {
    Accepted,
    /// 404 or 410: the subscription is gone; it is deleted.
    Gone,
    /// Worth another try (no answer, 429, 5xx), perhaps after a wait.
    Transient(String, Option<u64>),
    /// Not worth another try (the policy refused it, another 4xx).
    Refused(String),
}

/// How one claimed message ended, before it is stored.
struct Attempted {
    status: SendStatus,
    error: Option<String>,
    retry_after: Option<u64>,
    gone: Vec<String>,
}

impl Attempted {
    fn ended(status: SendStatus, error: Option<String>) -> Self {
        Self {
            status,
            error,
            retry_after: None,
            gone: Vec::new(),
        }
    }
}

impl Sender {
    pub fn new(
        db: Db,
        settings: &Settings,
        vapid: Arc<VapidKey>,
        wake: &Wakeup,
        attempts: prometheus::IntCounterVec,
    ) -> anyhow::Result<Self> {
        let policy = Policy::of(settings);
        let client = policy.client(
            settings.webhook_timeout,
            concat!("aftercare-reminders/", env!("CARGO_PKG_VERSION")),
        )?;
        Ok(Self {
            db,
            client,
            policy,
            allowed_hosts: settings.push_allowed_hosts.clone(),
            vapid,
            subject: settings.vapid_subject.clone(),
            mailer: Mailer::of(settings)?,
            wake: wake.listen(),
            owner: uuid::Uuid::new_v4().to_string(),
            lease: chrono::Duration::from_std(settings.webhook_lease)?,
            poll: settings.webhook_poll,
            attempts,
            pace: Duration::from_secs_f64(BATCH as f64 / f64::from(settings.reminder_rate.max(1))),
            next_batch: Cell::new(Instant::now()),
        })
    }

    /// Sends until `stop` turns true, then gives back its leases.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            if let Err(error) = self.drain(&now, Some(&stop)).await {
                tracing::warn!(code = error.code(), "reminder sending failed; retrying");
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
            .transaction(move |conn| reminder_sends::release_leases(conn, &owner))
            .await
        {
            Ok(released) => tracing::info!(released, "reminder sender stopped"),
            Err(error) => tracing::warn!(
                code = error.code(),
                "reminder leases not released; they expire"
            ),
        }
    }

    /// Sends every message due by `clock`, batch by batch, until none is
    /// due or `stop` turns true; returns how many were attempted.
    pub async fn drain(
        &self,
        clock: &(dyn Fn() -> DateTime<Utc> + Sync),
        stop: Option<&watch::Receiver<bool>>,
    ) -> Result<usize, ApiError> {
        let mut attempted = 0;
        loop {
            if stop.is_some_and(|stop| *stop.borrow()) {
                return Ok(attempted);
            }
            // At most the reminder rate: the rest of the machine is the
            // patients' (their check-ins come in as the reminders go out).
            actix_web::rt::time::sleep_until(self.next_batch.get().into()).await;
            let (at, owner, lease) = (clock(), self.owner.clone(), self.lease);
            // On SQLite a claim waits for the write turn, so an idle poll
            // looks first; PostgreSQL's claim is one statement that finds
            // nothing as cheaply as the look would.
            if !self.db.is_postgres()
                && !self
                    .db
                    .run(move |conn| reminder_sends::any_due(conn, at.naive_utc()))
                    .await?
            {
                return Ok(attempted);
            }
            let batch = self
                .db
                .background_transaction(move |conn| {
                    reminder_sends::claim_due(
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
            self.next_batch
                .set(Instant::now().max(self.next_batch.get()) + self.pace);
            self.send_batch(batch, at, clock).await?;
        }
    }

    async fn send_batch(
        &self,
        batch: Vec<Claimed>,
        at: DateTime<Utc>,
        clock: &(dyn Fn() -> DateTime<Utc> + Sync),
    ) -> Result<(), ApiError> {
        let treatments: Vec<String> = batch.iter().map(|c| c.send.treatment_id.clone()).collect();
        let pushed: Vec<String> = batch
            .iter()
            .filter(|c| c.send.channel == Channel::WebPush)
            .map(|c| c.send.user_id.clone())
            .collect();
        // The day may have been done since the slot was queued.
        let (done, subscriptions) = self
            .db
            .run(move |conn| {
                Ok((
                    checkins::days_done(conn, &treatments)?,
                    push_subscriptions::of_users(conn, &pushed)?,
                ))
            })
            .await?;
        let mut by_user: HashMap<String, Vec<Subscription>> = HashMap::new();
        for subscription in subscriptions {
            by_user
                .entry(subscription.user_id.clone())
                .or_default()
                .push(subscription);
        }
        let attempts = batch.iter().map(|claimed| {
            let is_done = done
                .get(&claimed.send.treatment_id)
                .is_some_and(|days| days.contains(&i64::from(claimed.send.day)));
            let mine = by_user
                .get(&claimed.send.user_id)
                .map_or(&[][..], Vec::as_slice);
            self.attempt(claimed, is_done, mine, at)
        });
        let results = join_all(attempts).await;
        let finished = clock();
        let mut gone = HashSet::new();
        let mut outcomes = Vec::with_capacity(results.len());
        for (claimed, result) in batch.iter().zip(results) {
            gone.extend(result.gone.iter().cloned());
            outcomes.push(self.outcome(claimed, result, finished));
        }
        for (claimed, outcome) in batch.iter().zip(&outcomes) {
            self.attempts
                .with_label_values(&[claimed.send.channel.as_str(), outcome.status.as_str()])
                .inc();
            tracing::info!(
                reminder_id = %claimed.send.id,
                channel = claimed.send.channel.as_str(),
                status = outcome.status.as_str(),
                "reminder attempt"
            );
        }
        let owner = self.owner.clone();
        let gone: Vec<String> = gone.into_iter().collect();
        self.db
            .background_transaction(move |conn| {
                reminder_sends::finish(conn, &owner, &outcomes)?;
                if !gone.is_empty() {
                    push_subscriptions::delete_gone(conn, &gone)?;
                }
                Ok(())
            })
            .await
    }

    /// The stored end of an attempt: sent, or tried again on the
    /// channel's schedule while the patient's day lasts.
    fn outcome(&self, claimed: &Claimed, result: Attempted, at: DateTime<Utc>) -> Outcome {
        let send = &claimed.send;
        let mut outcome = Outcome {
            id: send.id.clone(),
            status: result.status,
            next_attempt_at: at.naive_utc(),
            error: result.error,
            sent_at: (result.status == SendStatus::Sent).then_some(at.naive_utc()),
        };
        if result.status == SendStatus::Failed {
            let attempts_made = usize::try_from(send.attempts).unwrap_or(0) + 1;
            let delay = next_delay(
                attempts_made,
                send.channel.retry_schedule(),
                result.retry_after,
                rand::random::<f64>(),
            );
            let next = delay.map(|seconds| {
                at + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 2))
            });
            match next {
                Some(next) if next < utc(send.expires_at) => {
                    outcome.next_attempt_at = next.naive_utc();
                }
                Some(_) => outcome.status = SendStatus::Expired,
                None => outcome.status = SendStatus::Dead,
            }
        }
        outcome
    }

    async fn attempt(
        &self,
        claimed: &Claimed,
        done: bool,
        subscriptions: &[Subscription],
        at: DateTime<Utc>,
    ) -> Attempted {
        if done {
            return Attempted::ended(SendStatus::Skipped, None);
        }
        let expires_at = utc(claimed.send.expires_at);
        if at >= expires_at {
            return Attempted::ended(SendStatus::Expired, None);
        }
        let locale: Locale = claimed.locale.parse().unwrap_or(Locale::Ja);
        match claimed.send.channel {
            Channel::WebPush => self.push_all(subscriptions, locale, expires_at, at).await,
            Channel::Email => self.email(claimed.email.as_deref(), locale).await,
        }
    }

    /// Pushes to every subscription: sent if one took it, tried again if
    /// one may take it later, dead if none will.
    async fn push_all(
        &self,
        subscriptions: &[Subscription],
        locale: Locale,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Attempted {
        if subscriptions.is_empty() {
            return Attempted::ended(
                SendStatus::Dead,
                Some("the patient has no push subscription".to_owned()),
            );
        }
        let text = texts::of(locale);
        let notification = Notification {
            title: text.title,
            body: text.body,
            url: "/app/",
            tag: "checkin",
        };
        let payload = serde_json::to_vec(&notification).unwrap_or_default();
        let ttl = (expires_at - at).num_seconds().max(0);
        let answers = join_all(
            subscriptions
                .iter()
                .map(|subscription| self.push(subscription, payload.clone(), ttl, at)),
        )
        .await;
        let mut result = Attempted::ended(SendStatus::Dead, None);
        let mut errors = Vec::new();
        for (subscription, answer) in subscriptions.iter().zip(answers) {
            match answer {
                Push::Accepted => result.status = SendStatus::Sent,
                Push::Gone => {
                    result.gone.push(subscription.id.clone());
                    errors.push("a subscription is gone".to_owned());
                }
                Push::Transient(error, retry_after) => {
                    if result.status == SendStatus::Dead {
                        result.status = SendStatus::Failed;
                    }
                    result.retry_after = result.retry_after.max(retry_after);
                    errors.push(error);
                }
                Push::Refused(error) => errors.push(error),
            }
        }
        if result.status != SendStatus::Sent && !errors.is_empty() {
            result.error = Some(errors.join("; "));
        }
        result
    }

    async fn push(
        &self,
        subscription: &Subscription,
        payload: Vec<u8>,
        ttl: i64,
        at: DateTime<Utc>,
    ) -> Push {
        // The policy may have tightened since the subscription was saved;
        // names are checked again by the client's resolver as it connects.
        let url = match subscription::check_form(
            &self.policy,
            &self.allowed_hosts,
            &subscription.endpoint,
        ) {
            Ok(url) => url,
            Err(error) => return Push::Refused(error),
        };
        let (body, authorization) = match (
            encrypt(subscription, payload),
            self.vapid.authorization(&url, &self.subject, at),
        ) {
            (Ok(body), Ok(authorization)) => (body, authorization),
            (Err(error), _) | (_, Err(error)) => return Push::Refused(error),
        };
        let response = self
            .client
            .post(url)
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )
            .header(CONTENT_ENCODING, HeaderValue::from_static("aes128gcm"))
            .header("TTL", ttl.to_string())
            .header("Urgency", HeaderValue::from_static("normal"))
            .header(AUTHORIZATION, authorization)
            .body(body)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                let reason = if error.is_timeout() {
                    "the push service did not answer in time".to_owned()
                } else {
                    format!("the push request failed: {}", error.without_url())
                };
                return Push::Transient(reason, None);
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        match status {
            200..=299 => Push::Accepted,
            404 | 410 => Push::Gone,
            429 | 500..=599 => {
                Push::Transient(format!("the push service answered {status}"), retry_after)
            }
            _ => Push::Refused(format!("the push service answered {status}")),
        }
    }

    async fn email(&self, address: Option<&str>, locale: Locale) -> Attempted {
        let Some(mailer) = &self.mailer else {
            return Attempted::ended(
                SendStatus::Dead,
                Some("e-mail is not set up on this service".to_owned()),
            );
        };
        let Some(address) = address else {
            return Attempted::ended(
                SendStatus::Dead,
                Some("the patient turned e-mail reminders off".to_owned()),
            );
        };
        let sent = match mailer.message(address, locale) {
            Ok(message) => mailer.send(message).await,
            Err(refused) => Err(refused),
        };
        match sent {
            Ok(()) => Attempted::ended(SendStatus::Sent, None),
            Err(refused) if refused.permanent => {
                Attempted::ended(SendStatus::Dead, Some(refused.reason))
            }
            Err(refused) => Attempted::ended(SendStatus::Failed, Some(refused.reason)),
        }
    }
}
