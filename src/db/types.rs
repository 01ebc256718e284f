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
use crate::domain::reminders::{Channel, SendStatus};
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

stored_as_text!(
    Level,
    Rule,
    Status,
    Role,
    DeliveryStatus,
    EndpointScope,
    Channel,
    SendStatus,
);
