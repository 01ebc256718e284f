//! Cursor paging: `?limit=1..200` (default 50) and an opaque `?cursor=`
//! that encodes the sort position of the last item of the previous page.
//!
//! A cursor is the position (JSON, base64url) and a MAC over it and the
//! list it was made for: the path and every other query parameter. A cursor
//! the service did not make, or one used with other filters, is 400
//! `invalid_cursor` before any of it is read, so no crafted position (a NUL
//! in an id, a timestamp out of any database's range) reaches a query.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::Mac;
use serde::{Deserialize, Serialize};

use crate::auth::audit::{self, Audited, Unaudited};
use crate::auth::cursor_key::CursorKey;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;
/// Bytes of the MAC a cursor carries.
const TAG_BYTES: usize = 16;

/// `limit` and `cursor` of a list request, with what a cursor is bound to.
pub struct PageQuery {
    limit: Option<String>,
    cursor: Option<String>,
    /// The path and the other query parameters, sorted.
    context: String,
    key: CursorKey,
}

impl FromRequest for PageQuery {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_parts(req))
    }
}

impl PageQuery {
    fn from_parts(req: &HttpRequest) -> Result<Self, ApiError> {
        let key = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.cursors.clone())
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no cursor key")))?;
        Self::parse(req.path(), req.query_string(), key)
    }

    /// `limit` and `cursor` of the query string; the other parameters,
    /// sorted, and the path are what a cursor is bound to.
    fn parse(path: &str, query: &str, key: CursorKey) -> Result<Self, ApiError> {
        let (mut limit, mut cursor, mut filters) = (None, None, Vec::new());
        let once = |slot: &mut Option<String>, name: &str, value: &str| match slot {
            Some(_) => Err(ApiError::InvalidQuery(format!("{name} is given twice"))),
            None => {
                *slot = Some(value.to_owned());
                Ok(())
            }
        };
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "limit" => once(&mut limit, "limit", &value)?,
                "cursor" => once(&mut cursor, "cursor", &value)?,
                _ => filters.push(format!("{name}={value}")),
            }
        }
        filters.sort();
        Ok(Self {
            limit,
            cursor: cursor.filter(|c| !c.is_empty()),
            context: format!("{path}?{}", filters.join("&")),
            key,
        })
    }

    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit.as_deref() {
            None | Some("") => Ok(DEFAULT_LIMIT),
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or_else(|| ApiError::InvalidQuery(format!("limit must be 1 to {MAX_LIMIT}"))),
        }
    }

    /// The (timestamp, id) key after which the page starts.
    pub fn after(&self) -> Result<Option<(NaiveDateTime, String)>, ApiError> {
        self.position::<Key>()?
            .map(|key| Ok((timestamp(key.t)?, key.i)))
            .transpose()
    }

    /// The (rank, timestamp, id) key of lists sorted by a rank first.
    pub fn after_ranked(&self) -> Result<Option<(i32, NaiveDateTime, String)>, ApiError> {
        self.position::<Key>()?
            .map(|key| {
                let rank = key.r.ok_or(ApiError::InvalidCursor)?;
                Ok((rank, timestamp(key.t)?, key.i))
            })
            .transpose()
    }

    /// Any position this list's cursors were made from.
    pub fn position<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>, ApiError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        let (position, tag) = cursor.split_once('.').ok_or(ApiError::InvalidCursor)?;
        let position = URL_SAFE_NO_PAD
            .decode(position)
            .map_err(|_| ApiError::InvalidCursor)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| ApiError::InvalidCursor)?;
        // A shorter tag would be easier to guess: only the full length.
        if tag.len() != TAG_BYTES
            || self
                .key
                .mac(&self.context, &position)
                .verify_truncated_left(&tag)
                .is_err()
        {
            return Err(ApiError::InvalidCursor);
        }
        serde_json::from_slice(&position)
            .map(Some)
            .map_err(|_| ApiError::InvalidCursor)
    }

    /// The cursor of any serialisable position, for this list.
    pub fn cursor_of<T: Serialize>(&self, position: &T) -> String {
        let json = serde_json::to_vec(position).unwrap_or_default();
        let tag = self.key.mac(&self.context, &json).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES])
        )
    }

    pub fn cursor(&self, at: NaiveDateTime, id: &str) -> String {
        self.cursor_of(&Key {
            r: None,
            t: at.and_utc().timestamp_micros(),
            i: id.to_owned(),
        })
    }

    pub fn cursor_ranked(&self, rank: i32, at: NaiveDateTime, id: &str) -> String {
        self.cursor_of(&Key {
            r: Some(rank),
            t: at.and_utc().timestamp_micros(),
            i: id.to_owned(),
        })
    }

    /// A page in (timestamp, id) order, each row shown through `view`.
    pub fn page<R, T>(
        &self,
        rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> (NaiveDateTime, String),
        view: impl FnMut(R) -> T,
    ) -> Page<T> {
        let (rows, next_cursor) = split_page(rows, limit, |row| {
            let (at, id) = key(row);
            self.cursor(at, &id)
        });
        Page {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Key {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<i32>,
    t: i64,
    i: String,
}

fn timestamp(micros: i64) -> Result<NaiveDateTime, ApiError> {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|at| at.naive_utc())
        .ok_or(ApiError::InvalidCursor)
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

impl<T> Page<T> {
    pub fn map<U>(self, item: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(item).collect(),
            next_cursor: self.next_cursor,
        }
    }

    /// The items turned into others all at once (to load what they need in
    /// one query).
    pub fn try_map_all<U>(
        self,
        items: impl FnOnce(Vec<T>) -> Result<Vec<U>, ApiError>,
    ) -> Result<Page<U>, ApiError> {
        Ok(Page {
            items: items(self.items)?,
            next_cursor: self.next_cursor,
        })
    }
}

/// One page of a list of health data: the first `limit` of the loaded
/// `limit + 1` rows, each to be recorded in the audit trail as read by
/// `user` before the page is shown (`ReadLog::audit`).
pub fn audited_page<R: Audited>(
    user: &AuthUser,
    at: DateTime<Utc>,
    rows: Vec<R>,
    limit: i64,
    cursor: impl Fn(&R) -> String,
) -> Unaudited<Page<R>> {
    let (items, next_cursor) = split_page(rows, limit, cursor);
    let touched: Vec<_> = items.iter().map(Audited::touch).collect();
    audit::read(user, &touched, at, ()).map(|()| Page { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(path_and_query: &str) -> PageQuery {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        PageQuery::parse(path, query, CursorKey::derive(b"test secret")).unwrap()
    }

    #[test]
    fn cursors_round_trip_on_their_own_list_only() {
        let at = chrono::DateTime::from_timestamp_micros(1_764_000_000_123_456)
            .unwrap()
            .naive_utc();
        let made = query("/v1/alerts?status=open&level=urgent").cursor(at, "abc");
        let back = query(&format!(
            "/v1/alerts?level=urgent&status=open&cursor={made}"
        ));
        assert_eq!(back.after().unwrap(), Some((at, "abc".to_owned())));
        for other in [
            format!("/v1/alerts?status=open&cursor={made}"),
            format!("/v1/audit?status=open&level=urgent&cursor={made}"),
        ] {
            assert!(
                matches!(query(&other).after(), Err(ApiError::InvalidCursor)),
                "{other}"
            );
        }
        // Nor a prefix of its own tag (a one-byte tag is guessed in 256 tries).
        let (position, tag) = made.split_once('.').unwrap();
        let short = format!("{position}.{}", &tag[..4]);
        let truncated = query(&format!(
            "/v1/alerts?level=urgent&status=open&cursor={short}"
        ));
        assert!(matches!(truncated.after(), Err(ApiError::InvalidCursor)));
        // Another key (another clinic's secret) does not accept it.
        let mut foreign = query(&format!(
            "/v1/alerts?level=urgent&status=open&cursor={made}"
        ));
        foreign.key = CursorKey::derive(b"another secret");
        assert!(matches!(foreign.after(), Err(ApiError::InvalidCursor)));
    }

    #[test]
    fn forged_and_garbage_cursors_are_refused() {
        let position = URL_SAFE_NO_PAD.encode(br#"{"t":-9223372036854775808,"i":"a\u0000b"}"#);
        for cursor in [
            "%%%".to_owned(),
            position.clone(),
            format!("{position}.AAAAAAAAAAAAAAAAAAAAAA"),
            format!("{position}."),
            ".".to_owned(),
        ] {
            let q = PageQuery {
                cursor: Some(cursor.clone()),
                ..query("/v1/patients")
            };
            assert!(
                matches!(q.after(), Err(ApiError::InvalidCursor)),
                "{cursor}"
            );
        }
        let bad_limit = PageQuery {
            limit: Some("0".into()),
            ..query("/v1/patients")
        };
        assert!(matches!(bad_limit.limit(), Err(ApiError::InvalidQuery(_))));
        assert_eq!(query("/v1/patients").limit().unwrap(), 50);
    }

    #[test]
    fn the_extra_row_becomes_the_cursor() {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        let rows = vec![1, 2, 3];
        let q = query("/v1/patients");
        let full = q.page(rows.clone(), 2, |r| (at, r.to_string()), |r| r);
        assert_eq!(full.items, vec![1, 2]);
        assert!(full.next_cursor.is_some());
        let last = q.page(rows, 3, |r| (at, r.to_string()), |r| r);
        assert!(last.next_cursor.is_none());
    }
}
