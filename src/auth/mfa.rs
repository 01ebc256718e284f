//! Staff two-factor sign-in: TOTP (RFC 6238: SHA-1, 6 digits, 30-second
//! steps, one step of clock drift either way) by the totp-rs crate, the
//! authenticator secrets sealed at rest, and single-use recovery codes.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use super::secrets;
use crate::error::ApiError;

/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "aftercare";
/// Seconds a code is valid for.
pub const STEP_SECONDS: u64 = 30;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Seconds an `mfa_token` lives.
pub const CHALLENGE_SECONDS: i64 = 300;
/// Wrong codes after which an `mfa_token` is void.
pub const CHALLENGE_MAX_FAILURES: i32 = 5;

const SECRET_BYTES: usize = 20;
const NONCE_BYTES: usize = 12;

/// The key TOTP secrets are sealed with: AES-256-GCM under a key derived
/// by HKDF-SHA256 from `AFTERCARE_DATA_KEY`, or from the signing secret
/// when that is unset. A copy of the database alone opens none of them
/// when the key lives outside it (`AFTERCARE_DATA_KEY`, or
/// `AFTERCARE_JWT_SECRET`).
#[derive(Clone)]
pub struct SecretBox(std::sync::Arc<Aes256Gcm>);

impl SecretBox {
    pub fn derive(key_material: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // 32 bytes is well within HKDF-SHA256's 8160-byte limit.
        #[allow(clippy::expect_used)]
        hkdf::Hkdf::<Sha256>::new(Some(b"aftercare"), key_material)
            .expand(b"totp secrets v1", &mut key)
            .expect("HKDF expands to 32 bytes");
        Self(std::sync::Arc::new(Aes256Gcm::new(&key.into())))
    }

    /// base64(nonce || ciphertext and tag); the user id is bound in as
    /// associated data, so a sealed secret moved to another row opens to
    /// nothing.
    pub fn seal(&self, user_id: &str, secret: &[u8]) -> Result<String, ApiError> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = aes_gcm::aead::Payload {
            msg: secret,
            aad: user_id.as_bytes(),
        };
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| ApiError::internal(anyhow::anyhow!("TOTP secret not sealed")))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    pub fn open(&self, user_id: &str, sealed: &str) -> Result<Vec<u8>, ApiError> {
        let unreadable = || {
            ApiError::internal(anyhow::anyhow!(
                "a TOTP secret does not open: was AFTERCARE_DATA_KEY or the signing secret changed?"
            ))
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| unreadable())?;
        if bytes.len() <= NONCE_BYTES {
            return Err(unreadable());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let payload = aes_gcm::aead::Payload {
            msg: sealed,
            aad: user_id.as_bytes(),
        };
        self.0
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| unreadable())
    }
}

/// A new random authenticator secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, ApiError> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        secret,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|error| ApiError::internal(anyhow::anyhow!("TOTP parameters: {error}")))
}

/// What an authenticator app is given: the secret in base32 and the
/// `otpauth://` URL (the QR code's content).
pub fn enrolment(secret: &[u8], account: &str) -> Result<(String, String), ApiError> {
    let totp = totp(secret.to_vec(), account)?;
    Ok((totp.get_secret_base32(), totp.get_url()))
}

/// The 30-second step whose code `code` is, within one step of `at`
/// either way; `None` if it is none of them.
pub fn matching_step(secret: &[u8], code: &str, at: DateTime<Utc>) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret.to_vec(), "check").ok()?;
    let now = u64::try_from(at.timestamp()).ok()?;
    let current = now / STEP_SECONDS;
    let mut found = None;
    // Every candidate is compared, in constant time, whatever matched.
    for step in [current.saturating_sub(1), current, current + 1] {
        let expected = totp.generate(step * STEP_SECONDS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            found = i64::try_from(step).ok();
        }
    }
    found
}

/// Ten new recovery codes, and the hashes they are stored under.
pub fn recovery_codes() -> Vec<(String, String)> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let code = secrets::recovery_code();
            let hash = recovery_hash(&code);
            (code, hash)
        })
        .collect()
}

/// A recovery code's hash, however it was typed.
pub fn recovery_hash(code: &str) -> String {
    secrets::sha256_hex(&format!(
        "recovery:{}",
        secrets::normalize_invite_code(code)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_user() {
        let sealer = SecretBox::derive(b"a key of enough length for the tests");
        let sealed = sealer.seal("u1", b"secret bytes").unwrap();
        assert!(!sealed.contains("secret"));
        assert_eq!(sealer.open("u1", &sealed).unwrap(), b"secret bytes");
        assert!(sealer.open("u2", &sealed).is_err());
        let other = SecretBox::derive(b"another key entirely, also long");
        assert!(other.open("u1", &sealed).is_err());
        // A fresh nonce each time.
        assert_ne!(sealed, sealer.seal("u1", b"secret bytes").unwrap());
    }

    #[test]
    fn codes_of_the_rfc_6238_test_vector_match_their_step() {
        // RFC 6238 appendix B, SHA-1: the secret "12345678901234567890",
        // at 59 s the 8-digit code is 94287082, so the 6-digit one 287082.
        let secret = b"12345678901234567890";
        let at = DateTime::from_timestamp(59, 0).unwrap();
        assert_eq!(matching_step(secret, "287082", at), Some(1));
        // One step of drift either way, no more.
        let later = DateTime::from_timestamp(59 + 30, 0).unwrap();
        assert_eq!(matching_step(secret, "287082", later), Some(1));
        let much_later = DateTime::from_timestamp(59 + 90, 0).unwrap();
        assert_eq!(matching_step(secret, "287082", much_later), None);
        for wrong in ["287083", "28708", "2870822", "abcdef", ""] {
            assert_eq!(matching_step(secret, wrong, at), None, "{wrong}");
        }
    }

    #[test]
    fn the_enrolment_url_names_the_issuer_and_account() {
        let (base32, url) = enrolment(&new_secret(), "dr.sato@clinic.jp").unwrap();
        assert_eq!(base32.len(), 32);
        assert!(url.starts_with("otpauth://totp/aftercare:dr.sato%40clinic.jp?"));
        assert!(url.contains(&format!("secret={base32}")));
        assert!(url.contains("issuer=aftercare"));
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_typed_back_in_any_form() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().map(|(c, _)| c).collect();
        assert_eq!(unique.len(), 10);
        let (code, hash) = &codes[0];
        assert_eq!(&recovery_hash(&code.to_lowercase().replace('-', " ")), hash);
    }
}
