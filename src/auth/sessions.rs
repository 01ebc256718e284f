//! Sessions this replica has seen valid in the last second, so that the
//! check of an access token's session costs a database read once a second
//! per session instead of on every request. A logout or a reused refresh
//! token on this replica forgets the session at once; on another replica
//! the revocation takes effect within `FRESH`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// How long a session read as valid is believed without reading it again.
const FRESH: Duration = Duration::from_secs(1);
/// Entries kept at most: past it, the stale ones go (then all, if every
/// one is fresh), so that memory stays bounded whatever the traffic.
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct SessionCache {
    seen: Mutex<HashMap<String, Instant>>,
}

impl SessionCache {
    /// Whether the session was read as valid less than `FRESH` ago.
    pub fn is_fresh(&self, session: &str) -> bool {
        self.seen
            .lock()
            .get(session)
            .is_some_and(|at| at.elapsed() < FRESH)
    }

    pub fn remember(&self, session: &str) {
        let mut seen = self.seen.lock();
        if seen.len() >= MAX_ENTRIES {
            seen.retain(|_, at| at.elapsed() < FRESH);
            if seen.len() >= MAX_ENTRIES {
                seen.clear();
            }
        }
        seen.insert(session.to_owned(), Instant::now());
    }

    /// The session ended here: the next request reads it again.
    pub fn forget(&self, session: &str) {
        self.seen.lock().remove(session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_session_is_fresh_until_forgotten() {
        let cache = SessionCache::default();
        assert!(!cache.is_fresh("s1"));
        cache.remember("s1");
        assert!(cache.is_fresh("s1"));
        assert!(!cache.is_fresh("s2"));
        cache.forget("s1");
        assert!(!cache.is_fresh("s1"));
    }
}
