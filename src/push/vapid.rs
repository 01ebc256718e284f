//! The VAPID key (RFC 8292): a P-256 key pair whose public half browsers
//! subscribe with and whose private half signs each push request. Set by
//! `AFTERCARE_VAPID_PRIVATE_KEY`, or generated once and kept in the
//! database, so that every replica and restart signs with the same key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use p256::SecretKey;

/// How long a signed VAPID token is valid: RFC 8292 allows at most 24 h.
const TOKEN_LIFETIME_HOURS: i64 = 12;

pub struct VapidKey {
    secret: SecretKey,
    signing: EncodingKey,
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
        Ok(Self { secret, signing })
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
    /// 8292): an ES256 token for the push service's origin, signed at
    /// `at`, and the public key.
    pub fn authorization(
        &self,
        endpoint: &url::Url,
        subject: &str,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        let audience = endpoint.origin().ascii_serialization();
        let claims = Claims {
            aud: &audience,
            exp: (at + chrono::Duration::hours(TOKEN_LIFETIME_HOURS)).timestamp(),
            sub: subject,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.signing)
            .map_err(|error| format!("the VAPID token could not be signed: {error}"))?;
        Ok(format!("vapid t={token}, k={}", self.public_key()))
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
}
