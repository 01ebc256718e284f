//! A browser's push subscription (`PushSubscription.toJSON()`), checked:
//! the endpoint's host is an allowed push service, `p256dh` a P-256 point
//! (65 bytes, uncompressed) and `auth` 16 bytes, both base64url.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::FieldErrors;
use crate::webhooks::policy::Policy;

/// The push services of the major browsers.
pub const DEFAULT_ALLOWED_HOSTS: [&str; 5] = [
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.push.apple.com",
    "*.notify.windows.com",
    "*.wns.windows.com",
];

/// Whether `host` is one of `allowed`: an exact name, or `*.suffix` for any
/// name below the suffix (not the suffix itself).
pub fn host_allowed(allowed: &[String], host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    allowed
        .iter()
        .any(|pattern| match pattern.strip_prefix("*.") {
            Some(suffix) => host
                .strip_suffix(suffix)
                .is_some_and(|below| below.len() > 1 && below.ends_with('.')),
            None => host == *pattern,
        })
}

/// The form checks of an endpoint, on saving it and again before every
/// send: the webhook URL policy, then the allowed hosts. (Names are
/// resolved and their addresses checked by the caller or, when sending,
/// by the client's resolver.)
pub fn check_form(policy: &Policy, allowed: &[String], raw: &str) -> Result<url::Url, String> {
    let url = policy.check_form(raw)?;
    let host = url.host_str().unwrap_or_default();
    if !host_allowed(allowed, host) {
        return Err(format!("{host} is not a push service this clinic allows"));
    }
    Ok(url)
}

/// Reads a base64url key of a subscription (padding tolerated).
pub fn base64url(raw: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')).ok()
}

/// Checks the subscription's keys; errors name `keys.p256dh`, `keys.auth`.
pub fn check_keys(p256dh: &str, auth: &str, errors: &mut FieldErrors) {
    let point = base64url(p256dh).filter(|bytes| bytes.len() == 65 && bytes[0] == 0x04);
    if point.is_none_or(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).is_err()) {
        errors.add(
            "keys.p256dh",
            "must be an uncompressed P-256 public key (65 bytes), base64url",
        );
    }
    if base64url(auth).is_none_or(|bytes| bytes.len() != 16) {
        errors.add("keys.auth", "must be 16 bytes, base64url");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::elliptic_curve::sec1::ToEncodedPoint;

    #[test]
    fn endpoints_pass_the_webhook_url_policy_address_by_address() {
        let strict = Policy::default();
        for (raw, internal) in crate::webhooks::policy::SPECIAL_PURPOSE {
            let host = if raw.contains(':') {
                format!("[{raw}]")
            } else {
                (*raw).to_owned()
            };
            let endpoint = format!("https://{host}/push/1");
            // Allowed by name (as the URL writes it): only the policy decides.
            let named = url::Url::parse(&endpoint).unwrap();
            let allowed = [named.host_str().unwrap().to_owned()];
            let checked = check_form(&strict, &allowed, &endpoint);
            assert_eq!(checked.is_err(), *internal, "{raw}: {checked:?}");
        }
    }

    fn hosts() -> Vec<String> {
        DEFAULT_ALLOWED_HOSTS
            .iter()
            .map(|h| (*h).to_owned())
            .collect()
    }

    #[test]
    fn hosts_are_matched_exactly_or_below_a_wildcard() {
        let allowed = hosts();
        for host in [
            "fcm.googleapis.com",
            "FCM.googleapis.com.",
            "web.push.apple.com",
            "db5.notify.windows.com",
        ] {
            assert!(host_allowed(&allowed, host), "{host}");
        }
        for host in [
            "push.apple.com",
            "evilpush.apple.com",
            "fcm.googleapis.com.evil.example",
            "googleapis.com",
            "127.0.0.1",
            "",
        ] {
            assert!(!host_allowed(&allowed, host), "{host}");
        }
    }

    #[test]
    fn keys_must_be_a_point_on_the_curve_and_sixteen_bytes() {
        let public = p256::SecretKey::random(&mut rand::rngs::OsRng)
            .public_key()
            .to_encoded_point(false);
        let good = URL_SAFE_NO_PAD.encode(public.as_bytes());
        let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
        let mut errors = FieldErrors::new();
        check_keys(&good, &auth, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let mut off_curve = vec![0x04];
        off_curve.extend([1u8; 64]);
        for (p256dh, auth) in [
            (URL_SAFE_NO_PAD.encode(&off_curve), auth.clone()),
            (
                URL_SAFE_NO_PAD.encode(&public.as_bytes()[..64]),
                auth.clone(),
            ),
            ("not base64url!".to_owned(), auth.clone()),
            (good.clone(), URL_SAFE_NO_PAD.encode([7u8; 15])),
        ] {
            let mut errors = FieldErrors::new();
            check_keys(&p256dh, &auth, &mut errors);
            assert!(!errors.is_empty(), "{p256dh} {auth}");
        }
    }
}
