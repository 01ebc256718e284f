//! What makes the app installable: the web app manifest and the service
//! worker, served under `/app/` so that the worker's scope is the app.

use actix_web::http::header;
use actix_web::HttpResponse;
use serde_json::json;

/// The service worker: it keeps the app's shell for offline use.
const SERVICE_WORKER: &str = include_str!("../../../static/app-sw.js");

pub async fn manifest() -> HttpResponse {
    let manifest = json!({
        "name": "aftercare",
        "short_name": "aftercare",
        "description": "Report how you feel after your treatment / 施術後の体調を記録",
        "id": "/app/",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0f5f6e",
        "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    });
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(manifest.to_string())
}

pub async fn service_worker() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        // A new worker is picked up at the next visit.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // The worker's own policy: it fetches (and keeps) the service's
        // files, nothing else.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; connect-src 'self'",
        ))
        .body(SERVICE_WORKER)
}
