//! Writes the audit trail for the caller: every read and change of a
//! patient's data, in the transaction of the change, or for a read in a
//! commit shared with other reads before it is shown (`ReadLog`).

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
    /// Asked for a patient's data the caller may not see (answered 404).
    Deny,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Deny => "deny",
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

/// The patient id of account events (roles, care-team staff, two-factor
/// sign-in, sessions), which concern no patient; the trail shows it as
/// null.
pub const NO_PATIENT: &str = "";

/// Records a change to an account (`resource_type` such as `mfa` or
/// `session`, of the user `account_id`), in the caller's transaction.
pub fn account(
    conn: &mut DbConnection,
    user: &AuthUser,
    action: Action,
    resource_type: &str,
    account_id: &str,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    record(
        conn,
        user,
        action,
        &[(NO_PATIENT, resource_type, account_id)],
        at,
    )
}

/// Appends one row per touched resource, in the caller's transaction.
pub fn record(
    conn: &mut DbConnection,
    user: &AuthUser,
    action: Action,
    touched: &[Touch<'_>],
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    audit::append(conn, &rows(user, action, touched, at))
}

/// What a read showed, to be audited before it is: the only way to the
/// value is `ReadLog::audit`, which returns once the rows are committed.
#[must_use = "a read is shown only once it is audited"]
pub struct Unaudited<T> {
    value: T,
    rows: Vec<AuditEvent>,
}

impl<T> Unaudited<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Unaudited<U> {
        Unaudited {
            value: f(self.value),
            rows: self.rows,
        }
    }

    pub fn try_map<U>(
        self,
        f: impl FnOnce(T) -> Result<U, ApiError>,
    ) -> Result<Unaudited<U>, ApiError> {
        Ok(Unaudited {
            value: f(self.value)?,
            rows: self.rows,
        })
    }

    pub(super) fn into_parts(self) -> (T, Vec<AuditEvent>) {
        (self.value, self.rows)
    }
}

/// `user` asked at `at` for the touched resources and was refused: audited
/// like a read, so that a stranger's attempts are on the trail too.
pub fn denied(user: &AuthUser, touched: &[Touch<'_>], at: DateTime<Utc>) -> Unaudited<()> {
    Unaudited {
        value: (),
        rows: rows(user, Action::Deny, touched, at),
    }
}

/// `value` showed `user` the touched resources at `at`.
pub fn read<T>(
    user: &AuthUser,
    touched: &[Touch<'_>],
    at: DateTime<Utc>,
    value: T,
) -> Unaudited<T> {
    Unaudited {
        value,
        rows: rows(user, Action::Read, touched, at),
    }
}

fn rows(
    user: &AuthUser,
    action: Action,
    touched: &[Touch<'_>],
    at: DateTime<Utc>,
) -> Vec<AuditEvent> {
    touched
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
        .collect()
}
