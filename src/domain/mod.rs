//! Pure clinic logic: plain values in, plain values out; no I/O. The
//! values stored in text columns (`Level`, `Rule`, `Status`, `Role`,
//! `DeliveryStatus`) derive diesel's markers for it; how they convert lives
//! in `db::types`. Each shows as its code, in JSON and in text.

/// `Serialize` and `Display` as the value's code (`as_str`).
macro_rules! shown_as_code {
    ($($kind:ty),* $(,)?) => {$(
        impl serde::Serialize for $kind {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $kind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

shown_as_code!(
    triage::Level,
    triage::Rule,
    alerts::Status,
    deliveries::DeliveryStatus,
    deliveries::EndpointScope
);

pub mod accounts;
pub mod alerts;
pub mod deliveries;
pub mod guidance;
pub mod schedule;
pub mod screening;
pub mod symptoms;
pub mod treatments;
pub mod triage;
pub mod worklist;
