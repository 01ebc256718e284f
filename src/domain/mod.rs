//! Pure clinic logic: plain values in, plain values out; no I/O, no diesel.

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
