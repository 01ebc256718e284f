//! The clock and the conversions between stored UTC timestamps and
//! instants: a leaf that every layer may use.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// Now, to the microsecond both databases keep, so that what is returned
/// equals what is read back later.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A stored timestamp (UTC, without zone) as an instant.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}
