//! What every handler shares: the database, the token keys, the settings.

use crate::auth::tokens::TokenKeys;
use crate::config::Settings;
use crate::db::Db;
use crate::telemetry::Metrics;
use crate::webhooks::Wakeup;

pub struct AppState {
    pub db: Db,
    pub tokens: TokenKeys,
    pub settings: Settings,
    /// Rung after a commit that may have left webhook deliveries.
    pub deliveries: Wakeup,
    pub metrics: std::sync::Arc<Metrics>,
    /// Authenticates list cursors.
    pub cursors: crate::auth::cursor_key::CursorKey,
    /// Sessions seen valid in the last second.
    pub sessions: crate::auth::sessions::SessionCache,
    /// Audits reads in commits shared by many requests.
    pub reads: crate::auth::read_log::ReadLog,
    /// New outbox events for the event streams open on this replica.
    pub events: std::sync::Arc<crate::stream::EventHub>,
    /// Registrations this replica starts per second.
    pub registrations: crate::auth::throttle::RegistrationGate,
    /// The Web Push (VAPID) key every replica signs with.
    pub vapid: std::sync::Arc<crate::push::vapid::VapidKey>,
    /// Where photos are kept.
    pub media: crate::photos::store::MediaStore,
    /// Where uploads wait their turn to be processed.
    pub workshop: crate::photos::Workshop,
    /// Seals staff TOTP secrets at rest.
    pub totp_box: crate::auth::mfa::SecretBox,
}

impl AppState {
    /// The client's address: the socket peer, or what the trusted proxies
    /// in front of it say.
    pub fn client_address(&self, req: &actix_web::HttpRequest) -> Option<std::net::IpAddr> {
        self.settings
            .trusted_proxies
            .client_address(req.peer_addr().map(|peer| peer.ip()), req.headers())
    }
}
