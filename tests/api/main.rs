//! The API suite: one binary, run on SQLite by default and on PostgreSQL
//! when AFTERCARE_TEST_POSTGRES_URL is set.

mod auth;
mod cli;
mod contract;
mod errors;
mod helpers;
mod ops;
mod patients;
mod storage;
