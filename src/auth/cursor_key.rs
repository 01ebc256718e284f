//! The key list cursors are authenticated with (see `api::paging`).

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The key cursors are authenticated with, derived from the signing secret
/// so that every replica accepts every replica's cursors.
#[derive(Clone)]
pub struct CursorKey(Arc<[u8; 32]>);

impl CursorKey {
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = mac_with(secret);
        mac.update(b"aftercare list cursors v1");
        Self(Arc::new(mac.finalize().into_bytes().into()))
    }

    /// The MAC of a position on the list named by `context`.
    pub(crate) fn mac(&self, context: &str, position: &[u8]) -> Hmac<Sha256> {
        let mut mac = mac_with(self.0.as_slice());
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(position);
        mac
    }
}

fn mac_with(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    #[allow(clippy::expect_used)]
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length")
}
