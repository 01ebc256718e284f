//! The physician dashboard: server-rendered pages under `/dashboard/` that
//! call the same access checks, db functions and audit as the JSON routes
//! beside them (they render the API's own views), with a session cookie
//! instead of a bearer token. No SQL and no rules here.

pub mod admin;
pub mod alert;
pub mod app;
pub mod assets;
pub mod chart;
pub mod login;
pub mod patient;
pub mod photos;
pub mod replay;
pub mod security;
pub mod session;
pub mod stats;
pub mod texts;
pub mod worklist;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use maud::{html, Markup, DOCTYPE};

use self::session::Session;
use self::texts::{texts, Texts, EN, JA};
use crate::domain::accounts::Locale;
use crate::error::ApiError;

/// Scripts only from the service, no inline script or style, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

/// A page as the browser gets it.
pub fn page(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// A redirect after a form (303: the browser follows with GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// A form whose fields may repeat (a group of checkboxes), read from the
/// urlencoded body; `web::Form` keeps one value per name.
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of the field, if it was sent.
    pub fn one(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }

    /// Every value of the field, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }
}

/// The language of a page: the user's, else the browser's first choice of
/// ours, else Japanese.
pub fn locale_of(session: Option<&Session>, req: &HttpRequest) -> Locale {
    if let Some(session) = session {
        return session.locale();
    }
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let first = accept
        .split(',')
        .map(|part| {
            part.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
        })
        .find(|tag| tag.starts_with("ja") || tag.starts_with("en"));
    match first {
        Some(tag) if tag.starts_with("en") => Locale::En,
        _ => Locale::Ja,
    }
}

/// The frame of every signed-in page: the header with the navigation,
/// the language switch and sign-out, then the content.
pub fn layout(t: &Texts, session: &Session, title: &str, here: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.lang) {
            (head(t, title, true))
            body {
                header.bar {
                    a.brand href="/dashboard/" { (t.product) }
                    nav aria-label=(t.product) {
                        @if session.user.role != crate::domain::accounts::Role::Admin {
                            a href="/dashboard/" { (t.worklist) }
                        }
                        a href="/dashboard/stats" { (t.statistics) }
                        a href="/dashboard/security" { (t.security) }
                        @if session.user.role == crate::domain::accounts::Role::Admin {
                            a href="/dashboard/admin/staff" { (t.staff_accounts) }
                            a href="/dashboard/admin/webhooks" { (t.webhooks) }
                            a href="/dashboard/admin/audit" { (t.audit_trail) }
                        }
                    }
                    form.inline method="post" action="/dashboard/language" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="locale" value=(if t.lang == "en" { "ja" } else { "en" });
                        input type="hidden" name="back" value=(here);
                        button.link type="submit" lang=(if t.lang == "en" { "ja" } else { "en" }) { (t.other_language) }
                    }
                    form.inline method="post" action="/dashboard/logout" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        span.who { (session.user.display_name) }
                        button.link type="submit" { (t.sign_out) }
                    }
                }
                main id="main" { (content) }
            }
        }
    }
}

/// Every page's head; signed-in pages also load the live-update script.
fn head(t: &Texts, title: &str, script: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (t.product) }
            link rel="stylesheet" href="/static/dashboard.css";
            @if script { script src="/static/dashboard.js" defer {} }
        }
    }
}

/// A string field of one of the API's views, empty when it is absent.
pub fn text(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// A page without the signed-in frame (sign-in, errors), in both
/// languages when the caller's is not known.
pub fn bare(t: &Texts, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.lang) {
            (head(t, title, false))
            body {
                main id="main" class="narrow" { (content) }
            }
        }
    }
}

/// What a page answers instead of itself.
#[derive(Debug)]
pub enum PageError {
    /// No session: to the sign-in page.
    SignIn,
    /// A patient's session on a staff page.
    StaffOnly,
    /// Staff without a second factor where the clinic requires one: to
    /// the page that turns it on.
    EnrolFirst,
    /// A form without the session's token, or from another origin.
    Csrf,
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError::Api(error)
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::SignIn => write!(f, "not signed in"),
            PageError::StaffOnly => write!(f, "staff only"),
            PageError::EnrolFirst => write!(f, "two-factor sign-in required"),
            PageError::Csrf => write!(f, "csrf check failed"),
            PageError::Api(error) => write!(f, "{error}"),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn | PageError::EnrolFirst => StatusCode::SEE_OTHER,
            PageError::StaffOnly | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::Api(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignIn => return see_other("/dashboard/login"),
            PageError::EnrolFirst => return see_other(SECURITY_PAGE),
            _ => {}
        }
        let status = self.status_code();
        let message = |t: &Texts| match self {
            PageError::StaffOnly => t.staff_only,
            PageError::Csrf => t.csrf_failed,
            _ if status == StatusCode::NOT_FOUND => t.not_found,
            _ if status == StatusCode::FORBIDDEN => t.not_allowed,
            _ => t.failed,
        };
        if let PageError::Api(error) = self {
            if status.is_server_error() {
                tracing::warn!(code = error.code(), "page failed");
            }
        }
        let title = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or_default()
        );
        let markup = bare(
            &EN,
            &title,
            html! {
                h1 { (title) }
                p lang="en" { (message(&EN)) }
                p lang="ja" { (message(&JA)) }
                p { a href="/dashboard/" { (EN.back_to_worklist) " / " (JA.back_to_worklist) } }
            },
        );
        page(status, markup)
    }
}

/// A QR code of `text` as an inline SVG (an invite link, an authenticator's
/// `otpauth://` URL), made by the qrcode crate.
pub fn qr_svg(text: &str) -> Result<String, ApiError> {
    Ok(qrcode::QrCode::new(text.as_bytes())
        .map_err(ApiError::internal)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// The staff member's own security page: two-factor sign-in, sessions,
/// password.
pub const SECURITY_PAGE: &str = "/dashboard/security";

/// The texts of a signed-in page.
pub fn texts_of(session: &Session) -> &'static Texts {
    texts(session.locale())
}
