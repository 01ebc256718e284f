//! Photos of the treated site: one row per stored image, whose bytes are
//! in the media store (src/photos/store.rs).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::schema::{checkins, photos};
use super::DbConnection;
use crate::error::ApiError;

#[derive(Insertable, Queryable, Selectable, Clone, Debug, PartialEq)]
#[diesel(table_name = photos)]
pub struct Photo {
    pub id: String,
    pub checkin_id: String,
    pub patient_id: String,
    pub uploaded_by: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub thumb_width: i32,
    pub thumb_height: i32,
    pub upload_sha256: String,
    pub sha256: String,
    pub idempotency_key: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Photo {
    /// The store's key of the image, or of its thumbnail.
    pub fn key(&self, thumb: bool) -> String {
        key_of(&self.id, thumb)
    }
}

pub fn key_of(id: &str, thumb: bool) -> String {
    if thumb {
        format!("photos/{id}.thumb.jpg")
    } else {
        format!("photos/{id}.jpg")
    }
}

/// The check-in's patient, or None if there is no such check-in.
pub fn patient_of_checkin(
    conn: &mut DbConnection,
    checkin_id: &str,
) -> Result<Option<String>, ApiError> {
    Ok(checkins::table
        .find(checkin_id)
        .select(checkins::patient_id)
        .first(conn)
        .optional()?)
}

/// Who recorded the check-in, or None if there is no such check-in.
pub fn recorder_of_checkin(
    conn: &mut DbConnection,
    checkin_id: &str,
) -> Result<Option<String>, ApiError> {
    Ok(checkins::table
        .find(checkin_id)
        .select(checkins::recorded_by)
        .first(conn)
        .optional()?)
}

/// Holds the check-in's row until the transaction ends, so that two
/// uploads to it at once count each other (SQLite's transactions already
/// take turns).
pub fn lock_checkin(conn: &mut DbConnection, checkin_id: &str) -> Result<(), ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        #[derive(QueryableByName)]
        struct Locked {
            #[diesel(sql_type = Text)]
            #[allow(dead_code)]
            id: String,
        }
        diesel::sql_query("SELECT id FROM checkins WHERE id = $1 FOR UPDATE")
            .bind::<Text, _>(checkin_id)
            .load::<Locked>(pg)?;
    }
    Ok(())
}

pub fn insert(conn: &mut DbConnection, photo: &Photo) -> Result<(), ApiError> {
    diesel::insert_into(photos::table)
        .values(photo)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Photo>, ApiError> {
    Ok(photos::table
        .find(id)
        .select(Photo::as_select())
        .first(conn)
        .optional()?)
}

/// The photos of these check-ins, oldest first.
pub fn of_checkins(
    conn: &mut DbConnection,
    checkin_ids: &[String],
) -> Result<Vec<Photo>, ApiError> {
    if checkin_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    // Bounded lists of parameters: SQLite allows some thousands.
    for chunk in checkin_ids.chunks(500) {
        found.extend(
            photos::table
                .filter(photos::checkin_id.eq_any(chunk))
                .select(Photo::as_select())
                .order((photos::created_at.asc(), photos::id.asc()))
                .load(conn)?,
        );
    }
    found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(found)
}

/// The photos of a patient, oldest first (the FHIR export).
pub fn of_patient(conn: &mut DbConnection, patient_id: &str) -> Result<Vec<Photo>, ApiError> {
    Ok(photos::table
        .filter(photos::patient_id.eq(patient_id))
        .select(Photo::as_select())
        .order((photos::created_at.asc(), photos::id.asc()))
        .load(conn)?)
}

pub fn count_of_checkin(conn: &mut DbConnection, checkin_id: &str) -> Result<i64, ApiError> {
    Ok(photos::table
        .filter(photos::checkin_id.eq(checkin_id))
        .count()
        .get_result(conn)?)
}

/// The photo sent to the check-in under this idempotency key, if any.
pub fn by_key(
    conn: &mut DbConnection,
    checkin_id: &str,
    idempotency_key: &str,
) -> Result<Option<Photo>, ApiError> {
    Ok(photos::table
        .filter(photos::checkin_id.eq(checkin_id))
        .filter(photos::idempotency_key.eq(idempotency_key))
        .select(Photo::as_select())
        .first(conn)
        .optional()?)
}

/// The photo this upload repeats: the one sent under the same
/// idempotency key, else the same bytes sent to the check-in before.
pub fn earlier(
    conn: &mut DbConnection,
    checkin_id: &str,
    idempotency_key: Option<&str>,
    upload_sha256: &str,
) -> Result<Option<Photo>, ApiError> {
    if let Some(key) = idempotency_key {
        if let Some(photo) = by_key(conn, checkin_id, key)? {
            return Ok(Some(photo));
        }
    }
    Ok(photos::table
        .filter(photos::checkin_id.eq(checkin_id))
        .filter(photos::upload_sha256.eq(upload_sha256))
        .select(Photo::as_select())
        .first(conn)
        .optional()?)
}
