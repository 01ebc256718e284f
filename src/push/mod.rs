//! Web Push (RFC 8030, 8291, 8292): the service's VAPID key, the checks
//! a browser's push subscription passes before it is kept and again before
//! each send, and the encryption of a message. Any patient can
//! register an endpoint, so an endpoint must pass the webhook URL policy
//! and name a host of `AFTERCARE_PUSH_ALLOWED_HOSTS`: it must not be a way
//! to make the server call an arbitrary host.

pub mod send;
pub mod subscription;
pub mod vapid;
