//! Random secrets handed to clients (refresh tokens, invite and recovery
//! codes) and the
//! hashes under which they are stored.

use base64::Engine;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

/// 32 random bytes from the OS generator, base64url without padding.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Crockford base32 without the easily confused letters: what a patient can
/// type from a printed slip.
const INVITE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// An invite code such as `7K3M-Q9XD-2FHT-B8NC` (80 bits).
pub fn invite_code() -> String {
    grouped_code(4)
}

/// A recovery code such as `Q9XD-2FHT-B8NC` (60 bits; single-use and
/// throttled like any code).
pub fn recovery_code() -> String {
    grouped_code(3)
}

/// `groups` groups of 4 characters of `INVITE_ALPHABET`, joined by dashes.
fn grouped_code(groups: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..groups * 4)
        .map(|_| char::from(INVITE_ALPHABET[rng.gen_range(0..INVITE_ALPHABET.len())]))
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Accepts a code as typed: any case, with or without dashes and spaces.
pub fn normalize_invite_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Hex SHA-256; the secrets hashed here carry enough entropy that a fast
/// hash is safe.
pub fn sha256_hex(value: &str) -> String {
    sha256_hex_bytes(value.as_bytes())
}

/// Hex SHA-256 of bytes (a photo's content hash).
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_grouped_and_typed_back_in_any_form() {
        let code = invite_code();
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(normalize_invite_code(&typed), code.replace('-', ""));
        assert_ne!(invite_code(), code);
    }

    #[test]
    fn tokens_are_long_random_and_hash_stably() {
        let token = random_token();
        assert_eq!(token.len(), 43);
        assert_ne!(random_token(), token);
        assert_eq!(sha256_hex("abc").len(), 64);
        assert_eq!(sha256_hex("abc"), sha256_hex("abc"));
    }
}
