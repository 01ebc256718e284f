//! Domain values stored as text: each converts from and to its column once,
//! here, on both backends, so that rows carry `Level`, `Rule`, `Status`...
//! and no handler parses a string. A value the code does not know (a row
//! written by a newer version) is a deserialisation error, not a default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::accounts::Role;
use crate::domain::alerts::Status;
use crate::domain::deliveries::{DeliveryStatus, EndpointScope};
use crate::domain::triage::{Level, Rule};

/// `FromSql`/`ToSql` over `Text` for a type with `as_str` and `parse`.
macro_rules! stored_as_text {
    ($($kind:ty),* $(,)?) => {$(
        impl<DB: Backend> FromSql<Text, DB> for $kind
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                <$kind>::parse(&text).ok_or_else(|| {
                    format!("unknown {} {text:?}", stringify!($kind)).into()
                })
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $kind
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }
    )*};
}

stored_as_text!(Level, Rule, Status, Role, DeliveryStatus, EndpointScope);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_value_reads_back_as_itself() {
        for level in [
            Level::None,
            Level::Info,
            Level::Warning,
            Level::Urgent,
            Level::Emergency,
        ] {
            assert_eq!(Level::parse(level.as_str()), Some(level));
        }
        for rule in Rule::ALL {
            assert_eq!(Rule::parse(rule.as_str()), Some(rule));
        }
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        for role in [Role::Patient, Role::Physician, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
        }
        for scope in [EndpointScope::Clinic, EndpointScope::CareTeam] {
            assert_eq!(EndpointScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Level::parse("severe"), None);
    }
}
