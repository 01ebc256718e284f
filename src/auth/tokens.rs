//! Access tokens: short-lived HS256 JWTs with the algorithm pinned and
//! exp, iat, nbf, sub, role, iss and aud all checked.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::accounts::Role;

pub const ISSUER: &str = "aftercare";
pub const AUDIENCE: &str = "aftercare-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    /// The patient record of a patient's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    /// The session (refresh-token family) the token belongs to: a request
    /// with a token of a revoked session is refused at once.
    pub sid: String,
    /// How the session was signed in (RFC 8176): `pwd`, and `otp` after a
    /// second factor; a refresh keeps it.
    #[serde(default)]
    pub amr: Vec<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// How a session was signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amr {
    Password,
    /// Password and a one-time code (or a recovery code).
    PasswordAndOtp,
}

impl Amr {
    /// As stored with the session.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "pwd",
            Self::PasswordAndOtp => "pwd otp",
        }
    }

    /// A stored value; anything unknown counts as the weaker.
    pub fn parse(raw: &str) -> Self {
        if raw.split(' ').any(|method| method == "otp") {
            Self::PasswordAndOtp
        } else {
            Self::Password
        }
    }

    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Self::Password => &["pwd"],
            Self::PasswordAndOtp => &["pwd", "otp"],
        }
    }

    pub fn has_second_factor(self) -> bool {
        self == Self::PasswordAndOtp
    }
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_seconds: u32) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "sub", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds: i64::from(ttl_seconds),
        }
    }

    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        patient_id: Option<&str>,
        session: (&str, Amr),
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let (session_id, amr) = session;
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            pid: patient_id.map(str::to_owned),
            sid: session_id.to_owned(),
            amr: amr.methods().iter().map(|m| (*m).to_owned()).collect(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: now.timestamp() + self.ttl_seconds,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The claims of a valid token; `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use chrono::Duration;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_fresh_token_verifies_and_carries_its_claims() {
        let keys = TokenKeys::new(SECRET, 900);
        let token = keys
            .issue(
                "u1",
                Role::Patient,
                Some("p1"),
                ("s1", Amr::Password),
                Utc::now(),
            )
            .unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.role, claims.pid.as_deref()),
            ("u1", Role::Patient, Some("p1"))
        );
    }

    #[test]
    fn expired_future_foreign_and_tampered_tokens_are_refused() {
        let keys = TokenKeys::new(SECRET, 900);
        let expired = keys
            .issue(
                "u1",
                Role::Admin,
                None,
                ("s1", Amr::Password),
                Utc::now() - Duration::hours(1),
            )
            .unwrap();
        assert!(keys.verify(&expired).is_none());
        let future = keys
            .issue(
                "u1",
                Role::Admin,
                None,
                ("s1", Amr::Password),
                Utc::now() + Duration::hours(1),
            )
            .unwrap();
        assert!(keys.verify(&future).is_none());
        let other = TokenKeys::new(b"another secret that is long enough!", 900);
        assert!(keys
            .verify(
                &other
                    .issue("u1", Role::Admin, None, ("s1", Amr::Password), Utc::now())
                    .unwrap()
            )
            .is_none());
        let token = keys
            .issue("u1", Role::Patient, None, ("s1", Amr::Password), Utc::now())
            .unwrap();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = token.split('.').collect();
        let payload = String::from_utf8(b64.decode(parts[1]).unwrap()).unwrap();
        let forged = b64.encode(payload.replace("\"patient\"", "\"admin\""));
        assert!(keys
            .verify(&format!("{}.{forged}.{}", parts[0], parts[2]))
            .is_none());
        let none_header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys
            .verify(&format!("{none_header}.{}.", parts[1]))
            .is_none());
        assert!(keys.verify("not.a.token").is_none());
    }
}
