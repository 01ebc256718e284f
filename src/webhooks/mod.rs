//! Webhooks: Standard Webhooks signatures, the URL policy, the fan-out of
//! events to endpoints (in the transaction that makes the event: an
//! alert's, a reminder slot's, the audit chain's seal) and the dispatcher that delivers them.

pub mod dispatcher;
pub mod policy;
pub mod signing;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use serde_json::json;

use crate::auth::audit::NO_PATIENT;
use crate::clock::utc;
use crate::db::audit_chain::Seal;
use crate::db::webhooks::{self, Delivery};
use crate::db::{care_team, DbConnection};
use crate::domain::deliveries::{DeliveryStatus, EndpointScope, AUDIT_SEALED};
use crate::error::ApiError;

/// Rung after a commit that may have written outbox events, so that the
/// dispatcher and the live event stream do not wait for their next poll.
/// Every listener hears each ring that follows its `listen`, even one rung
/// while it was busy.
#[derive(Clone)]
pub struct Wakeup(Arc<watch::Sender<u64>>);

impl Default for Wakeup {
    fn default() -> Self {
        Self(Arc::new(watch::channel(0).0))
    }
}

impl Wakeup {
    /// Call after the commit: a wake-up before it could find nothing due.
    pub fn notify(&self) {
        self.0.send_modify(|rings| *rings = rings.wrapping_add(1));
    }

    pub fn listen(&self) -> Listener {
        Listener(self.0.subscribe())
    }
}

/// One listener of a `Wakeup`.
pub struct Listener(watch::Receiver<u64>);

impl Listener {
    /// Returns once the wake-up has rung since the last call.
    pub async fn notified(&mut self) {
        if self.0.changed().await.is_err() {
            // The wake-up is gone with the service: nothing will ring.
            std::future::pending::<()>().await;
        }
    }
}

/// One alert event, as it goes out.
pub struct Event<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
    pub patient_id: &'a str,
    /// The minimal body: identifiers, level and status.
    pub payload: &'a str,
    /// The body for endpoints that asked for `clinical`: also the rule.
    pub clinical_payload: &'a str,
}

/// Creates a pending delivery of the event for every enabled endpoint that
/// subscribes to it and may see the patient: clinic endpoints every alert,
/// a physician's endpoints the alerts of their care team's patients.
pub fn fan_out(
    conn: &mut DbConnection,
    event: &Event<'_>,
    at: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let endpoints = webhooks::enabled_endpoints(conn)?;
    fan_out_to(conn, &endpoints, event, at)
}

/// `fan_out` to endpoints the caller loaded once for many events.
pub fn fan_out_to(
    conn: &mut DbConnection,
    endpoints: &[webhooks::Endpoint],
    event: &Event<'_>,
    at: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let mut created = 0;
    for endpoint in endpoints {
        if !endpoint.enabled || !endpoint.wants(event.event_type) {
            continue;
        }
        let sees = endpoint.scope == EndpointScope::Clinic
            || care_team::is_member(conn, event.patient_id, &endpoint.owner_id)?;
        if !sees {
            continue;
        }
        webhooks::insert_delivery(conn, &new_delivery(endpoint, event, at))?;
        created += 1;
    }
    Ok(created)
}

/// Creates a pending `audit.sealed` delivery of the chain's newest seal for
/// every enabled clinic endpoint that subscribes to it, so that a copy of
/// the head lives outside the service (whoever can write the database
/// could otherwise rebuild the chain); returns whether it made any.
pub fn fan_out_seal(
    conn: &mut DbConnection,
    head: &Seal,
    at: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let id = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("aftercare:{AUDIT_SEALED}:{}", head.seq).as_bytes(),
    )
    .to_string();
    let payload = json!({
        "type": AUDIT_SEALED,
        "timestamp": at,
        "data": {"seq": head.seq, "head_hash": head.hash, "sealed_at": utc(head.sealed_at)},
    })
    .to_string();
    let event = Event {
        id: &id,
        event_type: AUDIT_SEALED,
        patient_id: NO_PATIENT,
        payload: &payload,
        clinical_payload: &payload,
    };
    let mut created = false;
    for endpoint in webhooks::enabled_endpoints(conn)? {
        if endpoint.enabled
            && endpoint.scope == EndpointScope::Clinic
            && endpoint.wants(AUDIT_SEALED)
        {
            webhooks::insert_delivery(conn, &new_delivery(&endpoint, &event, at))?;
            created = true;
        }
    }
    Ok(created)
}

/// A pending delivery of the event to the endpoint, with the body it asked for.
pub fn new_delivery(
    endpoint: &webhooks::Endpoint,
    event: &Event<'_>,
    at: DateTime<Utc>,
) -> Delivery {
    let payload = if endpoint.wants_clinical_payload() {
        event.clinical_payload
    } else {
        event.payload
    };
    Delivery {
        id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
        endpoint_id: endpoint.id.clone(),
        event_id: event.id.to_owned(),
        event_type: event.event_type.to_owned(),
        payload: payload.to_owned(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_status_code: None,
        last_error: None,
        next_attempt_at: at.naive_utc(),
        leased_until: None,
        lease_owner: None,
        created_at: at.naive_utc(),
        delivered_at: None,
    }
}
