//! The VAPID key (RFC 8292): a P-256 key pair whose public half browsers
//! subscribe with and whose private half signs each push request. Set by
//! `AFTERCARE_VAPID_PRIVATE_KEY`, or generated once and kept in the
//! database, so that every replica and restart signs with the same key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use p256::SecretKey;

/// How long a signed VAPID token is valid: RFC 8292 allows at most 24 h.
const TOKEN_LIFETIME_HOURS: i64 = 12;

/// A token is signed again once it has less than this left, so that none
/// expires on its way to the push service.
const TOKEN_RENEWAL_HOURS: i64 = 1;

pub struct VapidKey {
    secret: SecretKey,
    signing: EncodingKey,
    /// The last token signed for each push service origin and subject:
    /// an evening's reminders go to a handful of origins, and one ES256
    /// signature per message would cost as much CPU as the encryption.
    tokens: Mutex<HashMap<(String, String), Token>>,
}

struct Token {
    header: String,
    signed_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl Token {
    fn serves(&self, at: DateTime<Utc>) -> bool {
        self.signed_at <= at && at + Duration::hours(TOKEN_RENEWAL_HOURS) < self.expires_at
    }
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: i64,
    sub: &'a str,
}

impl VapidKey {
    /// Reads a private key as web push libraries write it: the 32-byte
    /// scalar in base64url.
    pub fn from_base64url(raw: &str) -> anyhow::Result<Self> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw.trim().trim_end_matches('='))
            .map_err(|_| anyhow::anyhow!("the VAPID private key is not base64url"))?;
        let secret = SecretKey::from_slice(&bytes)
            .map_err(|_| anyhow::anyhow!("the VAPID private key is not a P-256 private key"))?;
        let der = secret
            .to_pkcs8_der()
            .map_err(|_| anyhow::anyhow!("the VAPID private key cannot be encoded"))?;
        let signing = EncodingKey::from_ec_der(der.as_bytes());
        Ok(Self {
            secret,
            signing,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// A new private key, in the form `from_base64url` reads.
    pub fn generate() -> String {
        let secret = SecretKey::random(&mut rand::rngs::OsRng);
        URL_SAFE_NO_PAD.encode(secret.to_bytes())
    }

    /// The application server key browsers subscribe with: the public
    /// point, uncompressed (65 bytes), in base64url.
    pub fn public_key(&self) -> String {
        let point = self.secret.public_key().to_encoded_point(false);
        URL_SAFE_NO_PAD.encode(point.as_bytes())
    }

    /// The `Authorization` header of a push request to `endpoint` (RFC
    /// 8292): an ES256 token for the push service's origin, valid at `at`
    /// (signed then, or reused while it has an hour left), and the public
    /// key.
    pub fn authorization(
        &self,
        endpoint: &url::Url,
        subject: &str,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        let key = (endpoint.origin().ascii_serialization(), subject.to_owned());
        if let Some(token) = self.cached().get(&key).filter(|token| token.serves(at)) {
            return Ok(token.header.clone());
        }
        let expires_at = at + Duration::hours(TOKEN_LIFETIME_HOURS);
        let claims = Claims {
            aud: &key.0,
            exp: expires_at.timestamp(),
            sub: subject,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.signing)
            .map_err(|error| format!("the VAPID token could not be signed: {error}"))?;
        let header = format!("vapid t={token}, k={}", self.public_key());
        self.cached().insert(
            key,
            Token {
                header: header.clone(),
                signed_at: at,
                expires_at,
            },
        );
        Ok(header)
    }

    fn cached(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Token>> {
        // A poisoned cache holds only whole tokens: insertion cannot fail
        // half-way.
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VapidKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_reads_back_and_has_an_uncompressed_public_point() {
        let raw = VapidKey::generate();
        let key = VapidKey::from_base64url(&raw).unwrap();
        let public = URL_SAFE_NO_PAD.decode(key.public_key()).unwrap();
        assert_eq!((public.len(), public[0]), (65, 0x04));
        assert_eq!(
            key.public_key(),
            VapidKey::from_base64url(&raw).unwrap().public_key()
        );
    }

    #[test]
    fn the_authorization_is_a_token_for_the_push_service_origin_that_the_public_key_verifies() {
        let key = VapidKey::from_base64url(&VapidKey::generate()).unwrap();
        let endpoint = url::Url::parse("https://push.example.net:8443/send/abc?x=1").unwrap();
        let at = chrono::Utc::now();
        let header = key
            .authorization(&endpoint, "mailto:clinic@example.org", at)
            .unwrap();
        let (token, public) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .unwrap();
        assert_eq!(public, key.public_key());
        let point = URL_SAFE_NO_PAD.decode(public).unwrap();
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(&point[1..33]),
            URL_SAFE_NO_PAD.encode(&point[33..]),
        );
        let verifying = jsonwebtoken::DecodingKey::from_ec_components(&x, &y).unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://push.example.net:8443"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(token, &verifying, &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["sub"], "mailto:clinic@example.org");
        assert!(claims["exp"].as_i64().unwrap() <= at.timestamp() + 24 * 3600);
        assert!(VapidKey::from_base64url("not a key").is_err());
        assert!(VapidKey::from_base64url(&URL_SAFE_NO_PAD.encode([0u8; 32])).is_err());
        assert_eq!(format!("{key:?}"), "VapidKey([REDACTED])");
    }

    #[test]
    fn a_token_is_reused_for_its_origin_until_an_hour_before_it_expires() {
        let key = VapidKey::from_base64url(&VapidKey::generate()).unwrap();
        let endpoint = |raw: &str| url::Url::parse(raw).unwrap();
        let subject = "mailto:clinic@example.org";
        let at = chrono::Utc::now();
        let first = key
            .authorization(&endpoint("https://push.example.net/a"), subject, at)
            .unwrap();
        let later = |offset: Duration, url: &str, subject: &str| {
            key.authorization(&endpoint(url), subject, at + offset)
                .unwrap()
        };
        let same_origin = later(Duration::hours(10), "https://push.example.net/b", subject);
        assert_eq!(same_origin, first);
        assert_ne!(
            later(Duration::minutes(1), "https://push.example.com/a", subject),
            first,
            "another origin is another audience"
        );
        assert_ne!(
            later(
                Duration::minutes(1),
                "https://push.example.net/a",
                "mailto:x@example.org"
            ),
            first
        );
        let set_back = later(
            Duration::seconds(-30),
            "https://push.example.net/c",
            subject,
        );
        assert_ne!(
            set_back, first,
            "a clock set back gets a token signed at its own time"
        );
        assert_eq!(
            later(Duration::hours(10), "https://push.example.net/a", subject),
            set_back
        );
        assert_ne!(
            later(Duration::hours(11), "https://push.example.net/a", subject),
            set_back,
            "a token with less than an hour left is signed again"
        );
    }
}
