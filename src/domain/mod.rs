//! Pure clinic logic: plain values in, plain values out; no I/O. The
//! values stored in text columns (`Level`, `Rule`, `Status`, `Role`,
//! `DeliveryStatus`, `EndpointScope`) are declared with `codes!`, which
//! derives diesel's markers for it; how they convert lives in `db::types`.

/// Declares an enum whose variants are codes: each variant with the text it
/// is stored and shown as, once. Gives `ALL` (in declaration order),
/// `as_str`, `parse`, `Serialize` and `Display` as the code, and diesel's
/// markers for a text column.
macro_rules! codes {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident => $code:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            pub const ALL: [Self; [$($code),*].len()] = [$(Self::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($code => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod accounts;
pub mod alerts;
pub mod audit_chain;
pub mod deliveries;
pub mod guidance;
pub mod reminders;
pub mod replay;
pub mod schedule;
pub mod screening;
pub mod symptoms;
pub mod treatments;
pub mod triage;
pub mod worklist;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    /// Every value of each code enum reads back as itself, and no two share
    /// a code (`parse` would return the first of them).
    macro_rules! reads_back {
        ($($kind:ty),*) => {$(
            let codes: HashSet<&str> = <$kind>::ALL.iter().map(|v| v.as_str()).collect();
            assert_eq!(codes.len(), <$kind>::ALL.len(), "{} repeats a code", stringify!($kind));
            for value in <$kind>::ALL {
                assert_eq!(<$kind>::parse(value.as_str()), Some(value));
            }
        )*};
    }

    #[test]
    fn every_code_reads_back_as_itself() {
        use super::accounts::Role;
        use super::alerts::Status;
        use super::deliveries::{DeliveryStatus, EndpointScope};
        use super::triage::{Level, Rule};
        reads_back!(Level, Rule, Status, Role, DeliveryStatus, EndpointScope);
        assert_eq!(Level::parse("severe"), None);
    }
}
