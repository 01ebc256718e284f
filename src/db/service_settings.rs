//! Values the service generates once and keeps, such as the signing secret.

use diesel::prelude::*;

use super::schema::service_settings;
use super::DbConnection;
use crate::error::ApiError;

fn read(conn: &mut DbConnection, key: &str) -> Result<Option<String>, ApiError> {
    Ok(service_settings::table
        .find(key)
        .select(service_settings::value)
        .first::<String>(conn)
        .optional()?)
}

/// Returns the stored value for `key`, storing `generate()` first if there
/// is none. Replicas starting at once agree on the first value written.
pub fn get_or_insert(
    conn: &mut DbConnection,
    key: &str,
    generate: impl FnOnce() -> String,
) -> Result<String, ApiError> {
    if let Some(value) = read(conn, key)? {
        return Ok(value);
    }
    let inserted = diesel::insert_into(service_settings::table)
        .values((
            service_settings::key.eq(key),
            service_settings::value.eq(generate()),
        ))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => read(conn, key)?.ok_or(ApiError::NotFound),
        Err(error) => Err(error.into()),
    }
}
