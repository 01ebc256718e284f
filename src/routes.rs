//! Every route of the service, in one table. The same table lists the
//! (method, path) pairs that the contract test compares with openapi.yaml.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::api::{
    alerts, audit, auth, care_team, caregivers, checkins, events, fhir, me, mfa, ops, patients,
    photos, push, reminders, replay, schedule, sessions, stats, symptoms, timeline, treatments,
    users, webhooks, worklist,
};
use crate::error::ApiError;
use crate::web as web_pages;

macro_rules! routes {
    ($($path:literal => { $($method:ident : $handler:path),+ $(,)? }),* $(,)?) => {
        /// (method, path) of every route, as openapi.yaml names them.
        pub const ROUTES: &[(&str, &str)] = &[$($((stringify!($method), $path),)+)*];

        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $(.route(web::$method().to($handler)))+
                        .default_service(web::to(method_not_allowed)),
                );
            )*
        }
    };
}

routes! {
    "/healthz" => { get: ops::healthz },
    "/readyz" => { get: ops::readyz },
    "/metrics" => { get: ops::metrics },
    "/openapi.yaml" => { get: ops::openapi },
    "/v1/auth/login" => { post: auth::login },
    "/v1/auth/refresh" => { post: auth::refresh },
    "/v1/auth/logout" => { post: auth::logout },
    "/v1/auth/register" => { post: auth::register },
    "/v1/auth/mfa" => { post: mfa::sign_in },
    "/v1/me" => { get: me::get, patch: me::update },
    "/v1/me/password" => { post: sessions::change_password },
    "/v1/me/sessions" => { get: sessions::list },
    "/v1/me/sessions/{session_id}" => { delete: sessions::end },
    "/v1/me/mfa/totp" => { post: mfa::enrol },
    "/v1/me/mfa/totp/confirm" => { post: mfa::confirm },
    "/v1/me/mfa/totp/disable" => { post: mfa::disable },
    "/v1/users" => { post: users::create },
    "/v1/users/{user_id}/deactivate" => { post: users::deactivate },
    "/v1/users/{user_id}/mfa/reset" => { post: mfa::reset },
    "/v1/patients" => { get: patients::list, post: patients::create },
    "/v1/patients/{patient_id}" => { get: patients::get },
    "/v1/patients/{patient_id}/invite" => { post: patients::invite },
    "/v1/patients/{patient_id}/care-team/{physician_id}" => { put: care_team::add, delete: care_team::remove },
    "/v1/patients/{patient_id}/treatments" => { get: treatments::list, post: treatments::create },
    "/v1/treatments/{treatment_id}" => { get: treatments::get },
    "/v1/treatments/{treatment_id}/checkins" => { get: checkins::list, post: checkins::create },
    "/v1/sync" => { post: checkins::sync::sync },
    "/v1/checkins/{checkin_id}/photos" => { post: photos::upload },
    "/v1/photos/{photo_id}" => { get: photos::get },
    "/v1/me/schedule" => { get: schedule::mine },
    "/v1/me/caregivers" => { get: caregivers::list, post: caregivers::invite },
    "/v1/me/caregivers/{user_id}" => { delete: caregivers::revoke },
    "/v1/me/reminders" => { get: reminders::get, put: reminders::put },
    "/v1/push/public-key" => { get: push::public_key },
    "/v1/me/push-subscriptions" => { get: push::list, post: push::subscribe },
    "/v1/me/push-subscriptions/{subscription_id}" => { delete: push::unsubscribe },
    "/v1/symptoms" => { get: symptoms::catalogue },
    "/v1/alerts" => { get: alerts::list },
    "/v1/events" => { get: events::stream },
    "/v1/worklist" => { get: worklist::list },
    "/v1/stats/symptoms" => { get: stats::symptoms },
    "/v1/triage/replay" => { post: replay::replay },
    "/v1/audit" => { get: audit::list },
    "/v1/audit/export" => { get: audit::export },
    "/v1/webhooks" => { get: webhooks::list, post: webhooks::create },
    "/v1/webhooks/{webhook_id}" => { get: webhooks::get, patch: webhooks::update, delete: webhooks::delete },
    "/v1/webhooks/{webhook_id}/rotate-secret" => { post: webhooks::rotate_secret },
    "/v1/webhooks/{webhook_id}/ping" => { post: webhooks::ping },
    "/v1/webhooks/{webhook_id}/deliveries" => { get: webhooks::deliveries },
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry" => { post: webhooks::retry },
    "/v1/patients/{patient_id}/timeline" => { get: timeline::get },
    "/v1/patients/{patient_id}/fhir" => { get: fhir::export },
    "/v1/alerts/{alert_id}" => { get: alerts::get },
    "/v1/alerts/{alert_id}/acknowledge" => { post: alerts::acknowledge },
    "/v1/alerts/{alert_id}/snooze" => { post: alerts::snooze },
    "/v1/alerts/{alert_id}/resolve" => { post: alerts::resolve },
}

/// The dashboard's pages and files: not part of openapi.yaml (the API), but
/// the same authorisation and audit (src/web).
macro_rules! pages {
    ($($path:literal => { $($method:ident : $handler:path),+ $(,)? }),* $(,)?) => {
        /// (method, path) of every page.
        pub const PAGES: &[(&str, &str)] = &[$($((stringify!($method), $path),)+)*];

        pub fn configure_pages(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $(.route(web::$method().to($handler)))+
                        .default_service(web::to(method_not_allowed)),
                );
            )*
        }
    };
}

pages! {
    "/dashboard/login" => { get: web_pages::login::show, post: web_pages::login::sign_in },
    "/dashboard/login/mfa" => { post: web_pages::login::second_step },
    "/dashboard/logout" => { post: web_pages::login::sign_out },
    "/dashboard/language" => { post: web_pages::login::switch_language },
    "/dashboard/" => { get: web_pages::worklist::show },
    "/dashboard/worklist/rows" => { get: web_pages::worklist::fragment },
    "/dashboard/alerts/{alert_id}" => { get: web_pages::alert::show },
    "/dashboard/alerts/{alert_id}/{action}" => { post: web_pages::alert::act },
    "/dashboard/patients/{patient_id}" => { get: web_pages::patient::show },
    "/dashboard/patients/{patient_id}/invite" => { post: web_pages::patient::invite },
    "/dashboard/patients/{patient_id}/treatments" => { post: web_pages::patient::record_treatment },
    "/dashboard/patients/{patient_id}/fhir" => { get: web_pages::patient::fhir },
    "/dashboard/stats" => { get: web_pages::stats::show },
    "/dashboard/stats/replay" => { get: web_pages::replay::show },
    "/dashboard/security" => { get: web_pages::security::show },
    "/dashboard/security/mfa" => { post: web_pages::security::start },
    "/dashboard/security/mfa/confirm" => { post: web_pages::security::confirm },
    "/dashboard/security/mfa/disable" => { post: web_pages::security::disable },
    "/dashboard/security/sessions/{session_id}/end" => { post: web_pages::security::end_session },
    "/dashboard/security/password" => { post: web_pages::security::change_password },
    "/dashboard/admin/staff" => { get: web_pages::admin::staff, post: web_pages::admin::create_staff_account },
    "/dashboard/admin/staff/{user_id}/deactivate" => { post: web_pages::admin::deactivate },
    "/dashboard/admin/staff/{user_id}/mfa-reset" => { post: web_pages::admin::reset_mfa },
    "/dashboard/admin/webhooks" => { get: web_pages::admin::webhooks::list, post: web_pages::admin::webhooks::create },
    "/dashboard/admin/webhooks/{webhook_id}/deliveries" => { get: web_pages::admin::webhooks::deliveries },
    "/dashboard/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/retry" => { post: web_pages::admin::webhooks::retry },
    "/dashboard/admin/audit" => { get: web_pages::admin::audit_trail },
    "/app/login" => { get: web_pages::app::account::show_login, post: web_pages::app::account::sign_in },
    "/app/register" => { get: web_pages::app::account::show_register, post: web_pages::app::account::register },
    "/app/logout" => { post: web_pages::app::account::sign_out },
    "/app/language" => { post: web_pages::app::account::switch_language },
    "/app/" => { get: web_pages::app::checkin::today },
    "/app/checkin" => { post: web_pages::app::checkin::send },
    "/app/schedule" => { get: web_pages::app::records::schedule_page },
    "/app/history" => { get: web_pages::app::records::history_page },
    "/app/reminders" => { get: web_pages::app::reminders::reminders_page, post: web_pages::app::reminders::save },
    "/app/reminders/push" => { post: web_pages::app::reminders::subscribe },
    "/app/caregivers" => { get: web_pages::app::caregivers::caregivers_page, post: web_pages::app::caregivers::invite },
    "/app/caregivers/{user_id}/revoke" => { post: web_pages::app::caregivers::revoke },
    "/app/manifest.webmanifest" => { get: web_pages::app::files::manifest },
    "/app/sw.js" => { get: web_pages::app::files::service_worker },
    "/static/{name}" => { get: web_pages::assets::file },
}

/// `/dashboard` without its slash.
pub async fn dashboard_root() -> HttpResponse {
    crate::web::see_other("/dashboard/")
}

/// `/app` without its slash (an invite link typed by hand).
pub async fn app_root() -> HttpResponse {
    crate::web::see_other("/app/")
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let pattern = req.match_pattern().unwrap_or_default();
    let allow: Vec<String> = ROUTES
        .iter()
        .chain(PAGES)
        .filter(|(_, path)| *path == pattern)
        .map(|(method, _)| method.to_ascii_uppercase())
        .collect();
    let mut response = ApiError::MethodNotAllowed.error_response();
    if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
