//! The API suite: one binary, run on SQLite by default and on PostgreSQL
//! when AFTERCARE_TEST_POSTGRES_URL is set.

mod alert_rules;
mod alerts;
mod auth;
mod authorisation;
mod checkins;
mod cli;
mod contract;
mod dashboard;
mod dashboard_admin;
mod errors;
mod events;
mod fhir;
mod hardening;
mod helpers;
mod hostile;
mod ops;
mod page_access;
mod patient_app;
mod patients;
mod peers;
mod photo_store;
mod photos;
mod plans;
mod push;
mod receiver;
mod reminder_delivery;
mod reminders;
mod rules_v2;
mod scenarios;
mod shapes;
mod spec;
mod storage;
mod treatments;
mod views;
mod webhooks;
