//! Webhook delivery policy: what a receiver's answer means, when a failed
//! delivery is tried again, and which events an endpoint may ask for.

/// Events an endpoint may subscribe to.
pub const EVENTS: [&str; 10] = [
    "alert.created",
    "alert.escalated",
    "alert.reopened",
    "alert.snoozed",
    "alert.overdue",
    "alert.acknowledged",
    "alert.resolved",
    "checkin.due",
    "audit.sealed",
    "ping",
];

/// The event that sends out the audit chain's newest seal (clinic
/// endpoints only: it concerns no patient).
pub const AUDIT_SEALED: &str = "audit.sealed";

codes! {
    /// Where a webhook delivery stands.
    pub enum DeliveryStatus {
        /// Not tried yet.
        Pending => "pending",
        /// Tried and failed; tried again at `next_attempt_at`.
        Failed => "failed",
        Delivered => "delivered",
        /// Given up: the schedule is spent or the receiver is gone.
        Dead => "dead",
    }
}

impl DeliveryStatus {
    /// Whether the delivery will still be tried.
    pub fn waiting(self) -> bool {
        matches!(self, Self::Pending | Self::Failed)
    }
}

codes! {
    /// Whose alerts an endpoint hears of.
    pub enum EndpointScope {
        /// Every alert of the clinic (an admin's endpoint).
        Clinic => "clinic",
        /// The alerts of the patients on its owner's care team.
        CareTeam => "care_team",
    }
}

/// The longest wait a receiver's Retry-After may impose: a day.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 86_400;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Any 2xx.
    Delivered,
    /// 410: the receiver is gone; the endpoint is disabled.
    Gone,
    /// Anything else, or no answer; 429 and 503 may say when to come back.
    Failed { retry_after: Option<u64> },
}

/// What a receiver's status (or its absence: timeout, refused, reset) means.
pub fn classify(status: Option<u16>, retry_after: Option<u64>) -> Answer {
    match status {
        Some(200..=299) => Answer::Delivered,
        Some(410) => Answer::Gone,
        Some(429 | 503) => Answer::Failed { retry_after },
        _ => Answer::Failed { retry_after: None },
    }
}

/// Seconds to wait before the next attempt after `attempts_made` failed
/// ones, or `None` when the schedule is spent and the delivery is dead.
/// `jitter` in 0..1 spreads retries by plus or minus 10%, so that many
/// deliveries failing together do not come back together; a receiver's
/// Retry-After is honoured when it asks for longer.
pub fn next_delay(
    attempts_made: usize,
    schedule: &[u64],
    retry_after: Option<u64>,
    jitter: f64,
) -> Option<u64> {
    let base = *schedule.get(attempts_made.checked_sub(1)?)?;
    let spread = 0.9 + 0.2 * jitter.clamp(0.0, 1.0);
    // Whole seconds; the float only carries the spread.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let jittered = ((base as f64) * spread).round().max(1.0) as u64;
    let asked = retry_after.map_or(0, |s| s.min(MAX_RETRY_AFTER_SECONDS));
    Some(jittered.max(asked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alert_event_may_be_subscribed_to() {
        for event in crate::domain::alerts::Event::ALL {
            assert!(EVENTS.contains(&event.as_str()), "{}", event.as_str());
        }
    }

    #[test]
    fn answers_are_delivered_gone_or_failed() {
        assert_eq!(classify(Some(200), None), Answer::Delivered);
        assert_eq!(classify(Some(204), None), Answer::Delivered);
        assert_eq!(classify(Some(410), None), Answer::Gone);
        assert_eq!(
            classify(Some(429), Some(30)),
            Answer::Failed {
                retry_after: Some(30)
            }
        );
        assert_eq!(
            classify(Some(500), Some(30)),
            Answer::Failed { retry_after: None }
        );
        assert_eq!(
            classify(Some(301), None),
            Answer::Failed { retry_after: None }
        );
        assert_eq!(classify(None, None), Answer::Failed { retry_after: None });
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let schedule = [5, 300, 1800];
        assert_eq!(next_delay(1, &schedule, None, 0.5), Some(5));
        assert_eq!(next_delay(2, &schedule, None, 0.5), Some(300));
        assert_eq!(next_delay(3, &schedule, None, 0.5), Some(1800));
        assert_eq!(next_delay(4, &schedule, None, 0.5), None);
        assert_eq!(next_delay(0, &schedule, None, 0.5), None);
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_retry_after_can_lengthen_it() {
        let schedule = [300];
        assert_eq!(next_delay(1, &schedule, None, 0.0), Some(270));
        assert_eq!(next_delay(1, &schedule, None, 1.0), Some(330));
        assert_eq!(next_delay(1, &schedule, Some(600), 0.5), Some(600));
        assert_eq!(next_delay(1, &schedule, Some(10), 0.5), Some(300));
        assert_eq!(
            next_delay(1, &schedule, Some(10_000_000), 0.5),
            Some(MAX_RETRY_AFTER_SECONDS)
        );
        assert_eq!(next_delay(1, &[1], None, 0.0), Some(1));
    }
}
