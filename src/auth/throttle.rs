//! Sign-in and registration throttling that slows guessing without letting
//! a stranger lock anyone out.
//!
//! Failures are counted per (account, client address), per client address
//! and per account over the addresses that have failed for it. Past a limit
//! only the failing address is refused (429 with `Retry-After`), the right
//! password included; the same account signs in from any address that has
//! not been failing, so five wrong passwords typed by someone else do not
//! lock the patient out, and a guesser behind the clinic's load balancer
//! does not lock out the whole clinic (the address is the client's, see
//! `client_address`).

use std::net::IpAddr;

use chrono::{Duration, NaiveDateTime};

use crate::auth::secrets;
use crate::db::throttle::{self, Policy};
use crate::db::DbConnection;
use crate::error::ApiError;

/// One account from one address.
const PAIR: Policy = Policy {
    max_failures: 5,
    window: Duration::minutes(15),
    block_for: Duration::minutes(15),
};
/// One address, any accounts (and invite codes).
const ADDRESS: Policy = Policy {
    max_failures: 30,
    window: Duration::minutes(15),
    block_for: Duration::minutes(15),
};
/// One account from many addresses: once passed, every address that has
/// failed for the account within the window is refused.
const ACCOUNT: Policy = Policy {
    max_failures: 50,
    window: Duration::hours(1),
    block_for: Duration::minutes(15),
};

/// The longest window of any policy: a counter older than this, and not
/// blocking, counts for nothing.
pub const LONGEST_WINDOW: Duration = ACCOUNT.window;

/// The counters one attempt is judged by.
pub struct Attempt {
    pair: Option<String>,
    address: String,
    account: Option<String>,
}

impl Attempt {
    /// A sign-in with `email` (normalised) from `address`.
    pub fn sign_in(email: &str, address: Option<IpAddr>) -> Self {
        let account = secrets::sha256_hex(email);
        let address = address_key(address);
        Self {
            pair: Some(format!("pair:{account}:{address}")),
            address: format!("address:{address}"),
            account: Some(format!("account:{account}")),
        }
    }

    /// A registration from `address`: invite codes are guessed per address.
    pub fn registration(address: Option<IpAddr>) -> Self {
        Self {
            pair: None,
            address: format!("address:{}", address_key(address)),
            account: None,
        }
    }

    /// 429 if this address may not try now.
    pub fn check(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<(), ApiError> {
        let wait_of = |counter: Option<&throttle::Counter>| counter?.blocked_for(now);
        let mut wait = wait_of(throttle::counter(conn, &self.address)?.as_ref());
        if let Some(pair_key) = &self.pair {
            let pair = throttle::counter(conn, pair_key)?;
            wait = wait.max(wait_of(pair.as_ref()));
            // The account's block refuses only addresses that have failed
            // for it.
            if let Some(account) = &self.account {
                if pair
                    .as_ref()
                    .is_some_and(|p| p.failed_since(now - ACCOUNT.window, now))
                {
                    wait = wait.max(wait_of(throttle::counter(conn, account)?.as_ref()));
                }
            }
        }
        match wait {
            Some(retry_after) => Err(ApiError::TooManyAttempts { retry_after }),
            None => Ok(()),
        }
    }

    /// Counts a failure on every counter of the attempt, in one
    /// transaction: failures at the same moment (a guesser's parallel
    /// tries) all count.
    pub fn failed(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<(), ApiError> {
        crate::db::transaction(conn, |conn| {
            throttle::record_failure(conn, &self.address, ADDRESS, now)?;
            if let Some(pair) = &self.pair {
                throttle::record_failure(conn, pair, PAIR, now)?;
            }
            if let Some(account) = &self.account {
                throttle::record_failure(conn, account, ACCOUNT, now)?;
            }
            Ok(())
        })
    }

    /// A success forgets this address's failures for the account, not the
    /// address's or the account's totals.
    pub fn succeeded(&self, conn: &mut DbConnection) -> Result<(), ApiError> {
        match &self.pair {
            Some(pair) => throttle::clear(conn, pair),
            None => Ok(()),
        }
    }
}

/// Wrong second-factor codes of one user, from anywhere: a new
/// `mfa_token` per guess changes nothing.
const SECOND_FACTOR: Policy = Policy {
    max_failures: 5,
    window: Duration::minutes(15),
    block_for: Duration::minutes(15),
};

/// The counter of one user's wrong codes.
pub struct SecondFactor(String);

impl SecondFactor {
    pub fn of(user_id: &str) -> Self {
        Self(format!("mfa:{user_id}"))
    }

    /// 429 if the user has had too many wrong codes lately.
    pub fn check(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<(), ApiError> {
        match throttle::counter(conn, &self.0)?.and_then(|c| c.blocked_for(now)) {
            Some(retry_after) => Err(ApiError::TooManyAttempts { retry_after }),
            None => Ok(()),
        }
    }

    /// Counts a wrong code; the one that reaches the limit is answered
    /// 429 itself, the others `wrong`.
    pub fn failed(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
        wrong: ApiError,
    ) -> Result<ApiError, ApiError> {
        Ok(
            match throttle::record_failure(conn, &self.0, SECOND_FACTOR, now)? {
                Some(retry_after) => ApiError::TooManyAttempts { retry_after },
                None => wrong,
            },
        )
    }

    pub fn succeeded(&self, conn: &mut DbConnection) -> Result<(), ApiError> {
        throttle::clear(conn, &self.0)
    }
}

/// An unknown peer (a Unix socket, a test) shares one counter.
fn address_key(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "unknown".to_owned(), |address| address.to_string())
}

/// How many registrations one replica starts: a budget per second, with a
/// burst for a clinic's morning. Checked before anything else, so that a
/// flood of made-up invite codes from many addresses (which no per-address
/// count sees) costs almost nothing and leaves the CPU to sign-ins; a
/// patient who meets it is told to retry in a second.
pub struct RegistrationGate(governor::DefaultDirectRateLimiter);

impl Default for RegistrationGate {
    fn default() -> Self {
        let per_second = std::num::NonZeroU32::new(20).unwrap_or(std::num::NonZeroU32::MIN);
        let burst = std::num::NonZeroU32::new(50).unwrap_or(std::num::NonZeroU32::MIN);
        Self(governor::RateLimiter::direct(
            governor::Quota::per_second(per_second).allow_burst(burst),
        ))
    }
}

impl RegistrationGate {
    /// 429 with the seconds to wait when the budget is spent.
    pub fn admit(&self) -> Result<(), ApiError> {
        use governor::clock::{Clock, DefaultClock};
        self.0
            .check()
            .map_err(|not_until| ApiError::TooManyAttempts {
                retry_after: not_until
                    .wait_time_from(DefaultClock::default().now())
                    .as_secs()
                    .max(1),
            })
    }
}
