//! Writes the audit trail for the caller: every read and change of a
//! patient's data, in the transaction of the change or right after the read.

use chrono::{DateTime, Utc};

use crate::db::audit::{self, AuditEvent};
use crate::db::DbConnection;
use crate::error::ApiError;

use super::AuthUser;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// One touched resource: (patient id, resource type, resource id).
pub type Touch<'a> = (&'a str, &'a str, &'a str);

/// A row of health data that a list shows, and so audits as read.
pub trait Audited {
    fn touch(&self) -> Touch<'_>;
}

impl Audited for crate::db::treatments::Treatment {
    fn touch(&self) -> Touch<'_> {
        (&self.patient_id, "treatment", &self.id)
    }
}

impl Audited for crate::db::checkins::Checkin {
    fn touch(&self) -> Touch<'_> {
        (&self.patient_id, "checkin", &self.id)
    }
}

impl Audited for crate::db::patients::Patient {
    fn touch(&self) -> Touch<'_> {
        (&self.id, "patient", &self.id)
    }
}

impl Audited for crate::db::alerts::Alert {
    fn touch(&self) -> Touch<'_> {
        (&self.patient_id, "alert", &self.id)
    }
}

/// Appends one row per touched resource.
pub fn record(
    conn: &mut DbConnection,
    user: &AuthUser,
    action: Action,
    touched: &[Touch<'_>],
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let rows: Vec<AuditEvent> = touched
        .iter()
        .map(|(patient_id, resource_type, resource_id)| AuditEvent {
            id: uuid::Uuid::now_v7().to_string(),
            at: at.naive_utc(),
            actor_id: user.id.clone(),
            actor_role: user.role,
            action: action.as_str().to_owned(),
            patient_id: (*patient_id).to_owned(),
            resource_type: (*resource_type).to_owned(),
            resource_id: (*resource_id).to_owned(),
            request_id: user.request_id.clone(),
        })
        .collect();
    audit::append(conn, &rows)
}
