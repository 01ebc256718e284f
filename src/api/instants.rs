//! Instants and dates as clients may send them: parsed at the edge into
//! values both databases store the same way. Years 1900 to 9999 (PostgreSQL
//! and SQLite's text timestamps disagree outside them), no leap second
//! (PostgreSQL rolls it into the next minute, SQLite keeps `:60`), and
//! microseconds at most.

use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, Timelike, Utc};
use serde::{Deserialize, Deserializer};

pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

fn instant<E: serde::de::Error>(raw: &str) -> Result<DateTime<Utc>, E> {
    let invalid = || {
        E::custom(format!(
            "must be an RFC 3339 instant in the years {} to {}, without a leap second",
            YEARS.start(),
            YEARS.end()
        ))
    };
    let parsed = DateTime::parse_from_rfc3339(raw).map_err(|_| invalid())?;
    let at = parsed.with_timezone(&Utc);
    if !YEARS.contains(&at.year()) || at.nanosecond() >= 1_000_000_000 {
        return Err(invalid());
    }
    Ok(at.trunc_subsecs(6))
}

/// `#[serde(deserialize_with = "instants::required")]`
pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    instant(&String::deserialize(deserializer)?)
}

/// `#[serde(default, deserialize_with = "instants::optional")]`
pub fn optional<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|raw| instant(&raw))
        .transpose()
}

/// A `YYYY-MM-DD` query parameter in the years 1900 to 9999:
/// `#[serde(default, deserialize_with = "instants::optional_date")]`.
pub fn optional_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    let Some(raw) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
        .ok()
        .filter(|date| raw.len() == 10 && YEARS.contains(&date.year()))
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "dates are YYYY-MM-DD in the years {} to {}",
                YEARS.start(),
                YEARS.end()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Body {
        #[serde(deserialize_with = "required")]
        at: DateTime<Utc>,
    }

    #[derive(Deserialize, Debug)]
    struct Query {
        #[serde(default, deserialize_with = "optional_date")]
        from: Option<NaiveDate>,
    }

    fn at(raw: &str) -> Result<DateTime<Utc>, String> {
        serde_json::from_value::<Body>(serde_json::json!({ "at": raw }))
            .map(|b| b.at)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn instants_inside_the_range_are_kept_to_the_microsecond() {
        assert_eq!(
            at("2026-12-01T09:30:00.1234567+09:00")
                .unwrap()
                .to_rfc3339(),
            "2026-12-01T00:30:00.123456+00:00"
        );
        assert!(at("1900-01-01T00:00:00Z").is_ok());
        assert!(at("9999-12-31T23:59:59Z").is_ok());
    }

    #[test]
    fn instants_no_database_stores_alike_are_refused() {
        for raw in [
            "-262143-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "1899-12-31T23:59:59Z",
            "+10000-01-01T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2026-12-01",
            "yesterday",
        ] {
            assert!(at(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn dates_are_bounded_too() {
        let from = |raw: &str| {
            serde_json::from_value::<Query>(serde_json::json!({ "from": raw })).map(|q| q.from)
        };
        assert!(from("2026-11-01").unwrap().is_some());
        for raw in [
            "-262143-01-01",
            "0001-01-01",
            "10000-01-01",
            "2026-1-1",
            "2026-02-30",
        ] {
            assert!(from(raw).is_err(), "{raw}");
        }
    }
}
