//! One push message as it goes to a push service (RFC 8030): the payload
//! encrypted for the subscription (RFC 8291, aes128gcm) and what the
//! service is told about it.

use crate::db::push_subscriptions::Subscription;

use super::subscription::base64url;

/// What the patient's device shows; no health data.
#[derive(serde::Serialize)]
pub struct Notification<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// The page a tap opens.
    pub url: &'a str,
    /// A newer notification with the same tag replaces the older one.
    pub tag: &'a str,
}

/// The payload encrypted with the subscription's keys.
pub fn encrypt(subscription: &Subscription, payload: Vec<u8>) -> Result<Vec<u8>, String> {
    let public = base64url(&subscription.p256dh)
        .and_then(|bytes| web_push_native::p256::PublicKey::from_sec1_bytes(&bytes).ok())
        .ok_or("the subscription's p256dh is not a P-256 point")?;
    let auth = base64url(&subscription.auth)
        .filter(|bytes| bytes.len() == 16)
        .map(|bytes| web_push_native::Auth::clone_from_slice(&bytes))
        .ok_or("the subscription's auth is not 16 bytes")?;
    web_push_native::encrypt(payload, &public, &auth)
        .map_err(|error| format!("the payload could not be encrypted: {error:?}"))
}
