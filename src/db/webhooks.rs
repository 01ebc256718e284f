//! Webhook endpoints, their deliveries and every attempt. Deliveries are
//! claimed with a lease: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
//! that replicas sharing the database never take the same delivery; on
//! SQLite (one writer at a time) inside an immediate transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use super::DbConnection;
use crate::domain::deliveries::{DeliveryStatus, EndpointScope};
use crate::error::ApiError;

/// Bodies with identifiers, level and status: the default.
pub const PAYLOAD_MINIMAL: &str = "minimal";
/// Bodies that also name the rule, for endpoints asked for it.
pub const PAYLOAD_CLINICAL: &str = "clinical";

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: String,
    pub owner_id: String,
    pub scope: EndpointScope,
    pub url: String,
    /// JSON array of event types.
    pub events: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `minimal` or `clinical`: whether bodies name the rule.
    pub payload: String,
}

impl Endpoint {
    pub fn wants_clinical_payload(&self) -> bool {
        self.payload == PAYLOAD_CLINICAL
    }

    pub fn wants(&self, event_type: &str) -> bool {
        serde_json::from_str::<Vec<String>>(&self.events)
            .map(|events| events.iter().any(|e| e == event_type))
            .unwrap_or(false)
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
    pub leased_until: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub id: String,
    pub delivery_id: String,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

pub fn insert_endpoint(conn: &mut DbConnection, endpoint: &Endpoint) -> Result<(), ApiError> {
    diesel::insert_into(webhook_endpoints::table)
        .values(endpoint)
        .execute(conn)?;
    Ok(())
}

pub fn find_endpoint(conn: &mut DbConnection, id: &str) -> Result<Option<Endpoint>, ApiError> {
    Ok(webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()?)
}

/// Endpoints in creation order, all of them or one owner's.
pub fn list_endpoints(
    conn: &mut DbConnection,
    owner: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Endpoint>, ApiError> {
    let mut query = webhook_endpoints::table
        .select(Endpoint::as_select())
        .order((
            webhook_endpoints::created_at.asc(),
            webhook_endpoints::id.asc(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(owner) = owner {
        query = query.filter(webhook_endpoints::owner_id.eq(owner.to_owned()));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            webhook_endpoints::created_at
                .gt(at)
                .or(webhook_endpoints::created_at
                    .eq(at)
                    .and(webhook_endpoints::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

pub fn enabled_endpoints(conn: &mut DbConnection) -> Result<Vec<Endpoint>, ApiError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::enabled.eq(true))
        .select(Endpoint::as_select())
        .load(conn)?)
}

/// Writes the endpoint's changeable fields as they are in `endpoint`.
pub fn update_endpoint(conn: &mut DbConnection, endpoint: &Endpoint) -> Result<(), ApiError> {
    diesel::update(webhook_endpoints::table.find(&endpoint.id))
        .set((
            webhook_endpoints::url.eq(&endpoint.url),
            webhook_endpoints::events.eq(&endpoint.events),
            webhook_endpoints::description.eq(&endpoint.description),
            webhook_endpoints::enabled.eq(endpoint.enabled),
            webhook_endpoints::disabled_reason.eq(&endpoint.disabled_reason),
            webhook_endpoints::secret.eq(&endpoint.secret),
            webhook_endpoints::previous_secret.eq(&endpoint.previous_secret),
            webhook_endpoints::previous_secret_until.eq(endpoint.previous_secret_until),
            webhook_endpoints::updated_at.eq(endpoint.updated_at),
            webhook_endpoints::payload.eq(&endpoint.payload),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_endpoint(conn: &mut DbConnection, id: &str) -> Result<(), ApiError> {
    diesel::delete(
        webhook_attempts::table.filter(
            webhook_attempts::delivery_id.eq_any(
                webhook_deliveries::table
                    .filter(webhook_deliveries::endpoint_id.eq(id))
                    .select(webhook_deliveries::id),
            ),
        ),
    )
    .execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id)))
        .execute(conn)?;
    diesel::delete(webhook_endpoints::table.find(id)).execute(conn)?;
    Ok(())
}

/// Disables the endpoint: its receiver answered 410 Gone.
pub fn disable_endpoint(
    conn: &mut DbConnection,
    id: &str,
    reason: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::enabled.eq(false),
            webhook_endpoints::disabled_reason.eq(Some(reason)),
            webhook_endpoints::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_delivery(conn: &mut DbConnection, delivery: &Delivery) -> Result<(), ApiError> {
    diesel::insert_into(webhook_deliveries::table)
        .values(delivery)
        .execute(conn)?;
    Ok(())
}

pub fn find_delivery(conn: &mut DbConnection, id: &str) -> Result<Option<Delivery>, ApiError> {
    Ok(webhook_deliveries::table
        .find(id)
        .select(Delivery::as_select())
        .first(conn)
        .optional()?)
}

/// The endpoint's deliveries, newest first.
pub fn list_deliveries(
    conn: &mut DbConnection,
    endpoint_id: &str,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Delivery>, ApiError> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id.to_owned()))
        .select(Delivery::as_select())
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            webhook_deliveries::created_at
                .lt(at)
                .or(webhook_deliveries::created_at
                    .eq(at)
                    .and(webhook_deliveries::id.lt(id))),
        );
    }
    Ok(query.load(conn)?)
}

pub fn attempts_of(
    conn: &mut DbConnection,
    delivery_ids: &[String],
) -> Result<Vec<Attempt>, ApiError> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(delivery_ids))
        .select(Attempt::as_select())
        .order((
            webhook_attempts::attempted_at.asc(),
            webhook_attempts::id.asc(),
        ))
        .load(conn)?)
}

/// Makes a failed or dead delivery due now (a person's retry).
pub fn retry_now(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Pending),
            webhook_deliveries::next_attempt_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Leases up to `limit` due deliveries of enabled endpoints to `owner`
/// until `until`, in the caller's transaction; returns them with their
/// endpoints. (`any_due` first: an idle poll need not write.)
pub fn claim_due(
    conn: &mut DbConnection,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<(Delivery, Endpoint)>, ApiError> {
    let ids: Vec<String> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(
            "UPDATE webhook_deliveries SET leased_until = $1, lease_owner = $2 \
             WHERE id IN (SELECT d.id FROM webhook_deliveries d \
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                 WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= $3 \
                   AND (d.leased_until IS NULL OR d.leased_until < $3) AND e.enabled \
                 ORDER BY d.next_attempt_at LIMIT $4 FOR UPDATE OF d SKIP LOCKED) \
             RETURNING id",
        )
        .bind::<Timestamp, _>(until)
        .bind::<Text, _>(owner)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<ClaimedId>(pg)?
        .into_iter()
        .map(|c| c.id)
        .collect(),
        DbConnection::Sqlite(_) => {
            let due: Vec<String> = webhook_deliveries::table
                .inner_join(webhook_endpoints::table)
                .filter(
                    webhook_deliveries::status
                        .eq_any([DeliveryStatus::Pending, DeliveryStatus::Failed]),
                )
                .filter(webhook_deliveries::next_attempt_at.le(now))
                .filter(
                    webhook_deliveries::leased_until
                        .is_null()
                        .or(webhook_deliveries::leased_until.lt(now)),
                )
                .filter(webhook_endpoints::enabled.eq(true))
                .order(webhook_deliveries::next_attempt_at.asc())
                .limit(limit)
                .select(webhook_deliveries::id)
                .load(conn)?;
            diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&due)))
                .set((
                    webhook_deliveries::leased_until.eq(Some(until)),
                    webhook_deliveries::lease_owner.eq(Some(owner)),
                ))
                .execute(conn)?;
            due
        }
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .select((Delivery::as_select(), Endpoint::as_select()))
        .load(conn)?)
}

pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, ApiError> {
    let due: i64 = webhook_deliveries::table
        .filter(
            webhook_deliveries::status.eq_any([DeliveryStatus::Pending, DeliveryStatus::Failed]),
        )
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .count()
        .get_result(conn)?;
    Ok(due > 0)
}

/// How an attempt ended, as stored.
pub struct Finish<'a> {
    pub status: DeliveryStatus,
    pub status_code: Option<i32>,
    pub error: Option<&'a str>,
    pub next_attempt_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// Records the attempt and the delivery's new state, releasing the lease
/// if this owner still holds it.
pub fn finish(
    conn: &mut DbConnection,
    attempt: &Attempt,
    owner: &str,
    finish: &Finish<'_>,
) -> Result<(), ApiError> {
    diesel::insert_into(webhook_attempts::table)
        .values(attempt)
        .execute(conn)?;
    diesel::update(
        webhook_deliveries::table
            .find(&attempt.delivery_id)
            .filter(webhook_deliveries::lease_owner.eq(owner)),
    )
    .set((
        webhook_deliveries::status.eq(finish.status),
        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        webhook_deliveries::last_status_code.eq(finish.status_code),
        webhook_deliveries::last_error.eq(finish.error),
        webhook_deliveries::next_attempt_at.eq(finish.next_attempt_at),
        webhook_deliveries::delivered_at.eq(finish.delivered_at),
        webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::lease_owner.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Gives back every lease this owner holds (at shutdown).
pub fn release_leases(conn: &mut DbConnection, owner: &str) -> Result<usize, ApiError> {
    Ok(
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::lease_owner.eq(owner)))
            .set((
                webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
                webhook_deliveries::lease_owner.eq(None::<String>),
            ))
            .execute(conn)?,
    )
}
