//! The VAPID key (RFC 8292): a P-256 key pair whose public half browsers
//! subscribe with and whose private half signs each push request. Set by
//! `AFTERCARE_VAPID_PRIVATE_KEY`, or generated once and kept in the
//! database, so that every replica and restart signs with the same key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::SecretKey;

pub struct VapidKey {
    secret: SecretKey,
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
        Ok(Self { secret })
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
        assert!(VapidKey::from_base64url("not a key").is_err());
        assert!(VapidKey::from_base64url(&URL_SAFE_NO_PAD.encode([0u8; 32])).is_err());
        assert_eq!(format!("{key:?}"), "VapidKey([REDACTED])");
    }
}
