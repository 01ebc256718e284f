//! Cursor paging: `?limit=1..200` (default 50) and an opaque `?cursor=`
//! that encodes the sort key of the last item of the previous page.

use base64::Engine;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Deserialize, Debug, Default)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            Some(_) => Err(ApiError::InvalidQuery(format!(
                "limit must be 1 to {MAX_LIMIT}"
            ))),
        }
    }

    /// The (timestamp, id) key after which the page starts.
    pub fn after(&self) -> Result<Option<(NaiveDateTime, String)>, ApiError> {
        self.cursor.as_deref().map(decode).transpose()
    }

    /// The (rank, timestamp, id) key of lists sorted by a rank first.
    pub fn after_ranked(&self) -> Result<Option<(i32, NaiveDateTime, String)>, ApiError> {
        self.cursor
            .as_deref()
            .map(|cursor| {
                let key = decode_position::<Key>(cursor)?;
                let rank = key.r.ok_or(ApiError::InvalidCursor)?;
                Ok((rank, timestamp(key.t)?, key.i))
            })
            .transpose()
    }
}

#[derive(Serialize, Deserialize)]
struct Key {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<i32>,
    t: i64,
    i: String,
}

pub fn encode(at: NaiveDateTime, id: &str) -> String {
    encode_position(&Key {
        r: None,
        t: at.and_utc().timestamp_micros(),
        i: id.to_owned(),
    })
}

pub fn encode_ranked(rank: i32, at: NaiveDateTime, id: &str) -> String {
    encode_position(&Key {
        r: Some(rank),
        t: at.and_utc().timestamp_micros(),
        i: id.to_owned(),
    })
}

fn timestamp(micros: i64) -> Result<NaiveDateTime, ApiError> {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|at| at.naive_utc())
        .ok_or(ApiError::InvalidCursor)
}

/// A cursor holding any serialisable sort position.
pub fn encode_position<T: Serialize>(position: &T) -> String {
    let json = serde_json::to_vec(position).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_position<T: serde::de::DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::InvalidCursor)?;
    serde_json::from_slice(&bytes).map_err(|_| ApiError::InvalidCursor)
}

fn decode(cursor: &str) -> Result<(NaiveDateTime, String), ApiError> {
    let key = decode_position::<Key>(cursor)?;
    Ok((timestamp(key.t)?, key.i))
}

#[derive(Serialize, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Keeps the first `limit` of `limit + 1` loaded rows (the extra row only
/// tells that another page exists); the cursor is that of the last row kept,
/// when there is more.
pub fn split_page<R>(
    mut rows: Vec<R>,
    limit: i64,
    cursor: impl Fn(&R) -> String,
) -> (Vec<R>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(cursor)
    } else {
        None
    };
    (rows, next_cursor)
}

/// A page in (timestamp, id) order, each row shown through `view`.
pub fn page<R, T>(
    rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> (NaiveDateTime, String),
    view: impl FnMut(R) -> T,
) -> Page<T> {
    let (rows, next_cursor) = split_page(rows, limit, |row| {
        let (at, id) = key(row);
        encode(at, &id)
    });
    Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = chrono::DateTime::from_timestamp_micros(1_764_000_000_123_456)
            .unwrap()
            .naive_utc();
        let query = PageQuery {
            limit: None,
            cursor: Some(encode(at, "abc")),
        };
        assert_eq!(query.after().unwrap(), Some((at, "abc".to_owned())));
        let bad = PageQuery {
            limit: Some(0),
            cursor: Some("%%%".into()),
        };
        assert!(matches!(bad.after(), Err(ApiError::InvalidCursor)));
        assert!(matches!(bad.limit(), Err(ApiError::InvalidQuery(_))));
        assert_eq!(PageQuery::default().limit().unwrap(), 50);
    }

    #[test]
    fn the_extra_row_becomes_the_cursor() {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        let rows = vec![1, 2, 3];
        let full = page(rows.clone(), 2, |r| (at, r.to_string()), |r| r);
        assert_eq!(full.items, vec![1, 2]);
        assert!(full.next_cursor.is_some());
        let last = page(rows, 3, |r| (at, r.to_string()), |r| r);
        assert!(last.next_cursor.is_none());
    }
}
