//! Pure clinic logic: plain values in, plain values out; no I/O, no diesel.

pub mod accounts;
pub mod symptoms;
pub mod triage;
