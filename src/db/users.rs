//! Accounts of patients, caregivers, physicians, nurses and admins.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::DbConnection;
use crate::domain::accounts::Role;
use crate::error::ApiError;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: String,
    pub patient_id: Option<String>,
    pub timezone: String,
    pub locale: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deactivated_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub display_name: &'a str,
    pub patient_id: Option<&'a str>,
    pub timezone: &'a str,
    pub locale: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub timezone: Option<String>,
    pub locale: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<User>, ApiError> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>, ApiError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn email_exists(conn: &mut DbConnection, email: &str) -> Result<bool, ApiError> {
    Ok(find_by_email(conn, email)?.is_some())
}

/// Inserts a user; a taken email (even one taken concurrently) is
/// `EmailTaken`.
pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> Result<(), ApiError> {
    if email_exists(conn, user.email)? {
        return Err(ApiError::EmailTaken);
    }
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map_err(|error| match error {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => ApiError::EmailTaken,
            other => other.into(),
        })?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &UserChanges) -> Result<(), ApiError> {
    diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// The user who holds the patient record's account, if one registered.
pub fn find_by_patient(
    conn: &mut DbConnection,
    patient_id: &str,
) -> Result<Option<User>, ApiError> {
    Ok(users::table
        .filter(users::patient_id.eq(patient_id))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// The account, if `id` is one that may be on a care team (a physician or
/// a nurse, active or deactivated).
pub fn care_team_staff(conn: &mut DbConnection, id: &str) -> Result<Option<User>, ApiError> {
    Ok(find(conn, id)?.filter(|user| user.role.is_care_team()))
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    id: &str,
    hash: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// Deactivates the account (it signs in no more); false if it already was.
pub fn deactivate(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<bool, ApiError> {
    Ok(diesel::update(
        users::table
            .find(id)
            .filter(users::deactivated_at.is_null()),
    )
    .set(users::deactivated_at.eq(Some(at)))
    .execute(conn)?
        > 0)
}

/// The staff accounts, active first, by name.
pub fn staff(conn: &mut DbConnection) -> Result<Vec<User>, ApiError> {
    Ok(users::table
        .filter(users::role.eq_any([Role::Physician, Role::Nurse, Role::Admin]))
        .order((
            users::deactivated_at.is_not_null(),
            users::display_name.asc(),
        ))
        .select(User::as_select())
        .load(conn)?)
}
