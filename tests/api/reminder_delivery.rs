//! Reminders as the patient, the clinic's webhook receiver, a push service
//! and a mail server get them: once per scheduled day and channel at the
//! patient's local time, never for a day done, never twice across
//! replicas and restarts. The scheduler and the sender take the time they
//! run at, so that these tests need not wait for 19:00.

use std::time::Duration;

use chrono::{DateTime, DurationRound, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::peers::Peers;
use crate::receiver::Receiver;
use aftercare::db::reminder_sends;
use aftercare::reminders::{queue_due, sender::Sender};

const WAIT: Duration = Duration::from_secs(10);

/// A clinic whose patient's reminder time is the minute before last, in a
/// zone where that minute and the next few are the same local day; the
/// patient subscribed one browser and asked for e-mail too.
struct Due {
    clinic: Clinic,
    peers: Peers,
    settings: Vec<(String, String)>,
    /// The reminder time today, and as the patient chose it.
    fire: DateTime<Utc>,
    time: String,
    subscription: Value,
}

impl Due {
    async fn new(dispatch: bool, locale: &str) -> Option<Self> {
        let peers = Peers::start()?;
        let now = Utc::now();
        let zone: Tz = ["Asia/Tokyo", "Europe/London", "America/New_York"]
            .into_iter()
            .map(|name| name.parse::<Tz>().unwrap())
            .find(|zone| {
                let local = now.with_timezone(zone);
                (1..23).contains(&local.hour())
            })
            .unwrap();
        let settings: Vec<(String, String)> = [
            ("AFTERCARE_PUSH_ALLOWED_HOSTS", "127.0.0.1".to_owned()),
            ("AFTERCARE_WEBHOOK_ALLOW_HTTP", "true".to_owned()),
            ("AFTERCARE_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
            (
                "AFTERCARE_SMTP_URL",
                format!("smtp://127.0.0.1:{}", peers.smtp_port),
            ),
            (
                "AFTERCARE_SMTP_FROM",
                "Clinic <reminders@clinic.test>".to_owned(),
            ),
            ("AFTERCARE_PUBLIC_URL", "http://app.test".to_owned()),
            (
                "AFTERCARE_VAPID_PRIVATE_KEY",
                aftercare::push::vapid::VapidKey::generate(),
            ),
            (
                "AFTERCARE_VAPID_SUBJECT",
                "mailto:care@clinic.test".to_owned(),
            ),
            // The test queues them, at the times it names.
            ("AFTERCARE_REMINDERS", "false".to_owned()),
            ("AFTERCARE_WEBHOOK_POLL_MS", "100".to_owned()),
            ("AFTERCARE_WEBHOOK_DISPATCH", dispatch.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let pairs: Vec<(&str, &str)> = settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let app = spawn_app_with(&pairs).await;
        let clinic = Clinic::with(app, 50, zone.name(), locale).await;
        let fire = (now - chrono::Duration::minutes(2))
            .duration_trunc(chrono::Duration::minutes(1))
            .unwrap();
        let time = fire.with_timezone(&zone).format("%H:%M").to_string();
        let put = clinic
            .app
            .call(
                reqwest::Method::PUT,
                "/v1/me/reminders",
                Some(&clinic.patient),
                Some(json!({"time": time, "web_push": true, "email": "yui@example.jp"})),
            )
            .await;
        assert_eq!(put.status, 200, "{:?}", put.body);
        // Chosen long ago: a time chosen after it passed counts from tomorrow.
        clinic
            .app
            .execute("UPDATE reminder_preferences SET chosen_at = '2026-01-01 00:00:00'");
        let subscription = peers.subscription().await;
        let saved = clinic
            .app
            .post(
                "/v1/me/push-subscriptions",
                Some(&clinic.patient),
                subscription.clone(),
            )
            .await;
        assert_eq!(saved.status, 201, "{:?}", saved.body);
        Some(Self {
            clinic,
            peers,
            settings,
            fire,
            time,
            subscription,
        })
    }

    fn db(&self) -> aftercare::db::Db {
        self.clinic.app.db()
    }

    /// A sender as a replica runs it, with these settings changed.
    fn sender(&self, changed: &[(&str, &str)]) -> Sender {
        let mut pairs: Vec<(&str, &str)> = self
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.extend_from_slice(changed);
        let database = self.clinic.app.database_url();
        let settings = settings(&database, &pairs);
        let key = settings.vapid_private_key.as_ref().unwrap();
        let vapid = aftercare::push::vapid::VapidKey::from_base64url(
            secrecy::ExposeSecret::expose_secret(key),
        )
        .unwrap();
        let counter = prometheus::IntCounterVec::new(
            prometheus::Opts::new("reminders", "test"),
            &["channel", "outcome"],
        )
        .unwrap();
        Sender::new(
            self.db(),
            &settings,
            std::sync::Arc::new(vapid),
            &aftercare::webhooks::Wakeup::default(),
            counter,
        )
        .unwrap()
    }

    /// The messages of the clinic's first treatment.
    fn sends(&self) -> Vec<reminder_sends::Send> {
        self.sends_of(&self.clinic.treatment_id)
    }

    fn sends_of(&self, treatment: &str) -> Vec<reminder_sends::Send> {
        let treatment = treatment.to_owned();
        self.db()
            .transaction_blocking(move |conn| reminder_sends::of_treatment(conn, &treatment))
            .unwrap()
    }

    /// The status of each message of `treatment`, in the order stored.
    fn statuses_of(&self, treatment: &str) -> Vec<String> {
        self.sends_of(treatment)
            .into_iter()
            .map(|s| s.status.as_str().to_owned())
            .collect()
    }

    fn statuses(&self) -> Vec<(String, String)> {
        self.sends()
            .into_iter()
            .map(|s| (s.channel.as_str().to_owned(), s.status.as_str().to_owned()))
            .collect()
    }
}

fn at(when: DateTime<Utc>) -> impl Fn() -> DateTime<Utc> + Sync {
    move || when
}

#[actix_web::test]
async fn a_due_day_is_reminded_once_by_push_by_e_mail_and_by_webhook() {
    let Some(due) = Due::new(true, "en").await else {
        return;
    };
    let app = &due.clinic.app;
    let admin = app.admin_token().await;
    let receiver = Receiver::start("127.0.0.1", vec![]);
    let endpoint = app
        .post(
            "/v1/webhooks",
            Some(&admin),
            json!({"url": receiver.url, "events": ["checkin.due"]}),
        )
        .await;
    assert_eq!(endpoint.status, 201, "{:?}", endpoint.body);
    let secret = endpoint.body["secret"].as_str().unwrap().to_owned();

    let db = due.db();
    let minute = chrono::Duration::minutes(1);
    assert_eq!(queue_due(&db, due.fire - minute, true).await.unwrap(), 0);
    assert_eq!(queue_due(&db, due.fire, true).await.unwrap(), 1);
    assert_eq!(queue_due(&db, due.fire + minute, true).await.unwrap(), 0);
    // The job rings the sender; here the sender's poll finds them.
    due.peers.wait_for(1, 1, WAIT).await;
    let hooks = receiver.wait_for(1, WAIT).await;

    let pushes = due.peers.pushes().await;
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let push = &pushes[0];
    assert_eq!(push["error"], Value::Null, "{push}");
    assert_eq!(push["content_encoding"], "aes128gcm");
    assert_eq!(
        push["payload"],
        json!({"title": "Time for today's check-in",
               "body": "Tell your care team how you are today. It takes about a minute.",
               "url": "/app/", "tag": "checkin"})
    );
    let key = app.get("/v1/push/public-key", &due.clinic.patient).await;
    assert_eq!(push["vapid"]["k"], key.body["key"]);
    assert_eq!(push["vapid"]["claims"]["sub"], "mailto:care@clinic.test");
    // The message lives until the end of the patient's local day.
    let ttl: i64 = push["ttl"].as_str().unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&ttl), "{ttl}");

    let mail = due.peers.mail().await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    let message = &mail[0];
    assert_eq!(message["to"], json!(["yui@example.jp"]));
    assert_eq!(message["from"], "reminders@clinic.test");
    assert_eq!(message["headers"]["Subject"], "Time for today's check-in");
    assert_eq!(
        message["headers"]["List-Unsubscribe"],
        "<http://app.test/app/reminders>"
    );
    let plain = message["parts"]["text/plain"].as_str().unwrap();
    let html = message["parts"]["text/html"].as_str().unwrap();
    assert!(plain.contains("http://app.test/app/"), "{plain}");
    assert!(html.contains("href=\"http://app.test/app/\""), "{html}");

    assert_eq!(hooks.len(), 1);
    let hook = hooks[0].json();
    assert!(hooks[0].verifies_with(&secret));
    assert_eq!(hook["type"], "checkin.due");
    let data = &hook["data"];
    assert_eq!(data["patient_id"], due.clinic.patient_id.as_str());
    assert_eq!(data["treatment_id"], due.clinic.treatment_id.as_str());
    let day = data["day"].as_i64().unwrap();
    assert!((1..=3).contains(&day), "{day}");
    // Each later minute's scheduler tells this slot from new ones by its
    // local date (the read that keeps a recorded evening cheap).
    let due_date = data["due_date"].as_str().unwrap().to_owned();
    let known = db
        .transaction_blocking(move |conn| reminder_sends::recorded_on(conn, &[due_date]))
        .unwrap();
    let slot = (due.clinic.treatment_id.clone(), i32::try_from(day).unwrap());
    assert!(known.contains(&slot), "{known:?}");
    assert_eq!(
        data.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["day", "due_date", "patient_id", "treatment_id"]
    );
    // No health data in anything that went out. Whole words: ids and keys
    // are hex and base64, which may spell "face".
    for text in [push.to_string(), plain.to_owned(), hook.to_string()] {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .collect();
        for word in ["exo", "face", "injection", "tanaka", "symptom"] {
            assert!(!words.iter().any(|w| w == word), "{word} in {text}");
        }
    }

    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(due.peers.pushes().await.len(), 1);
    assert_eq!(due.peers.mail().await.len(), 1);
    assert_eq!(receiver.seen().len(), 1);
    assert_eq!(
        due.statuses(),
        [
            ("email".into(), "sent".into()),
            ("web_push".into(), "sent".into())
        ]
    );
}

#[actix_web::test]
async fn a_day_done_before_its_reminder_time_or_before_it_goes_out_is_not_reminded() {
    let Some(due) = Due::new(false, "en").await else {
        return;
    };
    let db = due.db();
    // Checked in a minute before the reminder time: nothing is queued.
    let before = due
        .clinic
        .check_in(json!({"client_id": uuid::Uuid::new_v4().to_string(),
                         "observed_at": due.fire - chrono::Duration::minutes(1), "symptoms": {}}))
        .await;
    assert_eq!(before.status, 201, "{:?}", before.body);
    assert_eq!(queue_due(&db, due.fire, true).await.unwrap(), 0);
    assert!(due.sends().is_empty());

    // A second treatment's day is queued, then done before the sender
    // gets to it: skipped, nothing sent.
    let second = Clinic::give(
        &due.clinic.app,
        &due.clinic.physician,
        &due.clinic.patient_id,
        50,
    )
    .await;
    assert_eq!(queue_due(&db, due.fire, true).await.unwrap(), 1);
    let after = due
        .clinic
        .app
        .post(
            &format!("/v1/treatments/{second}/checkins"),
            Some(&due.clinic.patient),
            json!({"client_id": uuid::Uuid::new_v4().to_string(), "observed_at": Utc::now(), "symptoms": {}}),
        )
        .await;
    assert_eq!(after.status, 201, "{:?}", after.body);
    let sender = due.sender(&[]);
    let clock = at(due.fire + chrono::Duration::seconds(10));
    assert_eq!(sender.drain(&clock, None).await.unwrap(), 2);
    assert_eq!(due.statuses_of(&second), ["skipped", "skipped"]);
    assert!(due.peers.pushes().await.is_empty());
    assert!(due.peers.mail().await.is_empty());
}

#[actix_web::test]
async fn a_gone_subscription_is_removed_and_a_failing_push_service_is_tried_again() {
    let Some(due) = Due::new(false, "en").await else {
        return;
    };
    let app = &due.clinic.app;
    let first = due.subscription["endpoint"].as_str().unwrap().to_owned();
    let other = due.peers.subscription().await;
    let saved = app
        .post(
            "/v1/me/push-subscriptions",
            Some(&due.clinic.patient),
            other.clone(),
        )
        .await;
    assert_eq!(saved.status, 201);
    due.peers.script(&first, &[410]).await;
    due.peers
        .script(other["endpoint"].as_str().unwrap(), &[503])
        .await;
    app.call(
        reqwest::Method::PUT,
        "/v1/me/reminders",
        Some(&due.clinic.patient),
        Some(json!({"time": due.time, "web_push": true, "email": null})),
    )
    .await;
    let db = due.db();
    let sender = due.sender(&[]);
    assert_eq!(queue_due(&db, due.fire, true).await.unwrap(), 1);
    assert_eq!(
        sender
            .drain(&at(due.fire + chrono::Duration::seconds(1)), None)
            .await
            .unwrap(),
        1
    );
    // The gone one is removed; the other is tried again after ~30 s.
    let listed = app
        .get("/v1/me/push-subscriptions", &due.clinic.patient)
        .await;
    let endpoints: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(endpoints, [other["endpoint"].as_str().unwrap()]);
    let failed = due.sends();
    assert_eq!(failed[0].status.as_str(), "failed");
    assert!(failed[0].last_error.as_deref().unwrap().contains("503"));
    let wait = aftercare::clock::utc(failed[0].next_attempt_at) - due.fire;
    assert!((26..=35).contains(&wait.num_seconds()), "{wait}");
    let early = at(due.fire + chrono::Duration::seconds(5));
    assert_eq!(sender.drain(&early, None).await.unwrap(), 0);
    let later = at(due.fire + chrono::Duration::minutes(2));
    assert_eq!(sender.drain(&later, None).await.unwrap(), 1);
    assert_eq!(due.statuses(), [("web_push".into(), "sent".into())]);
    let statuses: Vec<u64> = due
        .peers
        .pushes()
        .await
        .iter()
        .map(|p| p["status"].as_u64().unwrap())
        .collect();
    // Both subscriptions at once, then the one that failed.
    let mut first_round = statuses[..2].to_vec();
    first_round.sort_unstable();
    assert_eq!((first_round, &statuses[2..]), (vec![410, 503], &[201][..]));
}

#[actix_web::test]
async fn an_endpoint_the_policy_no_longer_allows_is_not_called_and_a_day_that_ended_is_not_reminded(
) {
    let Some(due) = Due::new(false, "en").await else {
        return;
    };
    let db = due.db();
    assert_eq!(queue_due(&db, due.fire, true).await.unwrap(), 1);
    // The clinic narrowed the allowed push services since the patient
    // subscribed: the endpoint is checked again before the send.
    let narrowed = due.sender(&[("AFTERCARE_PUSH_ALLOWED_HOSTS", "fcm.googleapis.com")]);
    let soon = at(due.fire + chrono::Duration::seconds(1));
    narrowed.drain(&soon, None).await.unwrap();
    let sends = due.sends();
    let push = sends
        .iter()
        .find(|s| s.channel.as_str() == "web_push")
        .unwrap();
    assert_eq!(push.status.as_str(), "dead");
    assert!(
        push.last_error
            .as_deref()
            .unwrap()
            .contains("not a push service this clinic allows"),
        "{:?}",
        push.last_error
    );
    assert!(due.peers.pushes().await.is_empty());
    let email = sends
        .iter()
        .find(|s| s.channel.as_str() == "email")
        .unwrap();
    assert_eq!(email.status.as_str(), "sent");

    // A message still waiting when the patient's local day ends is not sent.
    let second = Clinic::give(
        &due.clinic.app,
        &due.clinic.physician,
        &due.clinic.patient_id,
        50,
    )
    .await;
    assert_eq!(queue_due(&db, due.fire, true).await.unwrap(), 1);
    let waiting = due.sends_of(&second);
    let ended = at(aftercare::clock::utc(waiting[0].expires_at));
    assert_eq!(due.sender(&[]).drain(&ended, None).await.unwrap(), 2);
    assert_eq!(due.statuses_of(&second), ["expired", "expired"]);
    assert_eq!(due.peers.mail().await.len(), 1);
    assert!(due.peers.pushes().await.is_empty());
}

#[actix_web::test]
async fn replicas_and_a_restart_send_each_reminder_once() {
    let Some(due) = Due::new(false, "ja").await else {
        return;
    };
    let (one, two) = (due.db(), due.db());
    // Two replicas' jobs find the slot due at the same moment.
    let (a, b) = tokio::join!(
        queue_due(&one, due.fire, true),
        queue_due(&two, due.fire, true)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(due.sends().len(), 2);

    // A replica claimed both messages and died before sending them.
    let claimed = one
        .transaction(move |conn| {
            reminder_sends::claim_due(
                conn,
                "a replica that died",
                due.fire.naive_utc(),
                (due.fire + chrono::Duration::seconds(60)).naive_utc(),
                10,
            )
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    let (first, second) = (due.sender(&[]), due.sender(&[]));
    let leased = at(due.fire + chrono::Duration::seconds(30));
    assert_eq!(first.drain(&leased, None).await.unwrap(), 0);
    // Its leases expire; two senders race for the messages.
    let expired = at(due.fire + chrono::Duration::seconds(61));
    let (x, y) = tokio::join!(first.drain(&expired, None), second.drain(&expired, None));
    assert_eq!(x.unwrap() + y.unwrap(), 2);
    due.peers.wait_for(1, 1, WAIT).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(due.peers.pushes().await.len(), 1);
    assert_eq!(due.peers.mail().await.len(), 1);
    assert_eq!(
        due.statuses(),
        [
            ("email".into(), "sent".into()),
            ("web_push".into(), "sent".into())
        ]
    );
    // A restarted job finds the slot recorded.
    assert_eq!(
        queue_due(&due.db(), due.fire + chrono::Duration::minutes(5), true)
            .await
            .unwrap(),
        0
    );
}
