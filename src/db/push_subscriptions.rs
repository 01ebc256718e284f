//! Browsers' Web Push subscriptions, per user.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::push_subscriptions;
use super::DbConnection;
use crate::error::ApiError;

#[derive(Insertable, Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = push_subscriptions)]
pub struct Subscription {
    pub id: String,
    pub user_id: String,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub expiration_time: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, subscription: &Subscription) -> Result<(), ApiError> {
    diesel::insert_into(push_subscriptions::table)
        .values(subscription)
        .execute(conn)?;
    Ok(())
}

/// The user's subscriptions, oldest first.
pub fn of_user(conn: &mut DbConnection, user_id: &str) -> Result<Vec<Subscription>, ApiError> {
    Ok(push_subscriptions::table
        .filter(push_subscriptions::user_id.eq(user_id))
        .select(Subscription::as_select())
        .order((
            push_subscriptions::created_at.asc(),
            push_subscriptions::id.asc(),
        ))
        .load(conn)?)
}

/// Deletes the user's subscription; whether there was one.
pub fn delete(conn: &mut DbConnection, user_id: &str, id: &str) -> Result<bool, ApiError> {
    let deleted = diesel::delete(
        push_subscriptions::table
            .filter(push_subscriptions::user_id.eq(user_id))
            .filter(push_subscriptions::id.eq(id)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// The subscriptions of these users.
pub fn of_users(
    conn: &mut DbConnection,
    user_ids: &[String],
) -> Result<Vec<Subscription>, ApiError> {
    Ok(push_subscriptions::table
        .filter(push_subscriptions::user_id.eq_any(user_ids))
        .select(Subscription::as_select())
        .order((
            push_subscriptions::created_at.asc(),
            push_subscriptions::id.asc(),
        ))
        .load(conn)?)
}

/// Deletes subscriptions the push service says are gone.
pub fn delete_gone(conn: &mut DbConnection, ids: &[String]) -> Result<usize, ApiError> {
    Ok(
        diesel::delete(push_subscriptions::table.filter(push_subscriptions::id.eq_any(ids)))
            .execute(conn)?,
    )
}
