//! The patient web app under `/app/`: sign-up from the invite, sign-in,
//! today's check-in (which also works offline, see static/app.js and
//! static/app-sw.js), the schedule and the history. Like the dashboard, it
//! renders the API's own views through the same access checks and audit;
//! the session cookie is the dashboard's, for patients and their
//! caregivers only.

pub mod account;
pub mod caregivers;
pub mod checkin;
pub mod files;
pub mod records;
pub mod reminders;
pub mod texts;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use maud::{html, Markup, DOCTYPE};

use self::texts::{app_texts, AppTexts, EN, JA};
use super::{page, see_other, PageError};
use crate::auth::web_session::Session;
use crate::domain::accounts::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// A page's caller: a patient signed in to the app, or a caregiver with
/// the patient they report for (their link is read with every page).
/// Without a session: the sign-in page; a staff member's session (or a
/// caregiver whose link was revoked): the patients-only page.
pub struct Patient(pub Session, pub Option<String>);

impl Patient {
    /// Whose schedule the pages show: `None` for the patient's own.
    pub fn reporting_for(&self) -> Option<String> {
        self.1.clone()
    }

    pub fn texts(&self) -> &'static AppTexts {
        app_texts(self.0.locale())
    }
}

impl FromRequest for Patient {
    type Error = AppError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<actix_web::web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
            match Session::of(&state, &req).await? {
                None => Err(AppError::SignIn),
                Some(session) if session.is_staff() => Err(AppError::PatientsOnly),
                Some(session) if session.user.role == Role::Caregiver => {
                    let user = session.user.id.clone();
                    let patients = state
                        .db
                        .run(move |conn| crate::db::caregivers::patients_of(conn, &user))
                        .await?;
                    match patients.into_iter().next() {
                        Some(patient) => Ok(Patient(session, Some(patient))),
                        None => Err(AppError::PatientsOnly),
                    }
                }
                Some(session) => Ok(Patient(session, None)),
            }
        })
    }
}

/// What an app page answers instead of itself: the dashboard's reasons,
/// told in the app's words with a way back into the app.
#[derive(Debug)]
pub enum AppError {
    SignIn,
    PatientsOnly,
    Csrf,
    Api(ApiError),
}

impl From<ApiError> for AppError {
    fn from(error: ApiError) -> Self {
        AppError::Api(error)
    }
}

impl From<PageError> for AppError {
    fn from(error: PageError) -> Self {
        match error {
            PageError::SignIn => AppError::SignIn,
            PageError::StaffOnly | PageError::EnrolFirst => AppError::Api(ApiError::Forbidden),
            PageError::Csrf => AppError::Csrf,
            PageError::Api(error) => AppError::Api(error),
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::SignIn => write!(f, "not signed in"),
            AppError::PatientsOnly => write!(f, "patients only"),
            AppError::Csrf => write!(f, "csrf check failed"),
            AppError::Api(error) => write!(f, "{error}"),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::SignIn => StatusCode::SEE_OTHER,
            AppError::PatientsOnly | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Api(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::SignIn = self {
            return see_other("/app/login");
        }
        let status = self.status_code();
        let message = |t: &AppTexts| match self {
            AppError::PatientsOnly => t.patients_only,
            AppError::Csrf => t.csrf_failed,
            _ if status == StatusCode::NOT_FOUND => t.not_found,
            _ => t.failed,
        };
        if let AppError::Api(error) = self {
            if status.is_server_error() {
                tracing::warn!(code = error.code(), "app page failed");
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
                p { a href="/app/" { (EN.back_to_app) " / " (JA.back_to_app) } }
            },
        );
        page(status, markup)
    }
}

/// Every app page's head: installable (manifest, icons), the app's style
/// and its one script.
fn head(t: &AppTexts, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="theme-color" content="#0f5f6e";
            meta name="apple-mobile-web-app-title" content=(t.product);
            title { (title) " · " (t.product) }
            link rel="manifest" href="/app/manifest.webmanifest";
            link rel="icon" type="image/png" sizes="192x192" href="/static/icon-192.png";
            link rel="apple-touch-icon" href="/static/apple-touch-icon.png";
            link rel="stylesheet" href="/static/app.css";
            // Async: the form works without it, so a slow connection does
            // not keep the page from being used while the script loads.
            script src="/static/app.js" async {}
        }
    }
}

/// A page before sign-in (or an error), without the navigation.
pub fn bare(t: &AppTexts, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.lang) {
            (head(t, title))
            body {
                main id="main" { (content) }
            }
        }
    }
}

/// The frame of every signed-in page: the navigation, the language switch,
/// sign-out and the line that tells what waits to be sent.
pub fn layout(t: &AppTexts, session: &Session, title: &str, here: &str, content: Markup) -> Markup {
    let other = if t.lang == "en" { "ja" } else { "en" };
    html! {
        (DOCTYPE)
        html lang=(t.lang) {
            (head(t, title))
            body data-user=(session.user.id) data-csrf=(session.csrf) {
                header.bar {
                    span.who { (session.user.display_name) }
                    form.inline method="post" action="/app/language" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="locale" value=(other);
                        input type="hidden" name="back" value=(here);
                        button.link type="submit" lang=(other) { (t.other_language) }
                    }
                    form.inline #sign-out method="post" action="/app/logout" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        button.link type="submit" { (t.sign_out) }
                    }
                }
                nav.tabs aria-label=(t.product) {
                    a href="/app/" aria-current=[(here == "/app/").then_some("page")] { (t.today) }
                    a href="/app/schedule" aria-current=[(here == "/app/schedule").then_some("page")] { (t.schedule) }
                    a href="/app/history" aria-current=[(here == "/app/history").then_some("page")] { (t.history) }
                    a href="/app/reminders" aria-current=[(here == "/app/reminders").then_some("page")] { (t.reminders) }
                    @if session.user.role == Role::Patient {
                        a href="/app/caregivers" aria-current=[(here == "/app/caregivers").then_some("page")] { (t.caregivers) }
                    }
                }
                p #queue role="status" aria-live="polite" hidden
                    data-waiting=(t.waiting) data-sending=(t.sending) data-sent=(t.all_sent)
                    data-sign-in=(t.sign_in_to_send) data-refused=(t.not_accepted)
                    data-photo-refused=(t.photo_refused) {}
                main id="main" { (content) }
            }
        }
    }
}
