//! Who is calling: passwords, access and refresh tokens, the request
//! extractor, and the per-patient access check.

pub mod access;
pub mod audit;
pub mod client_address;
pub mod cursor_key;
pub mod extractor;
pub mod mfa;
pub mod password;
pub mod read_log;
pub mod secrets;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod web_session;

pub use extractor::AuthUser;
