//! The caller's own account.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::views::UserView;
use super::Body;
use crate::auth::audit::{self, Action};
use crate::auth::AuthUser;
use crate::clock::now;
use crate::db::{caregivers, patients, users};
use crate::domain::accounts::{self, Locale, Role};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

#[tracing::instrument(skip_all)]
pub async fn get(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let view = state
        .db
        .run(move |conn| {
            let found = users::find(conn, &user.id)?.ok_or(ApiError::InvalidToken)?;
            let mut view = UserView::from(found);
            if user.role == Role::Caregiver {
                view.caregiver_of = Some(caregivers::patients_of(conn, &user.id)?);
            }
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
pub struct UpdateMe {
    display_name: Option<String>,
    timezone: Option<String>,
    locale: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<UpdateMe>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::new();
    let mut changes = users::UserChanges::default();
    if let Some(name) = &body.display_name {
        changes.display_name = accounts::normalize_display_name(name)
            .map_err(|m| errors.add("display_name", m))
            .ok();
    }
    if let Some(zone) = &body.timezone {
        changes.timezone = accounts::check_timezone(zone)
            .map_err(|m| errors.add("timezone", m))
            .ok()
            .map(|_| zone.clone());
    }
    if let Some(locale) = &body.locale {
        changes.locale = locale
            .parse::<Locale>()
            .map_err(|m| errors.add("locale", m))
            .ok()
            .map(|l| l.as_str().to_owned());
    }
    errors.into_result()?;
    let updated = save(&state, user, changes).await?;
    Ok(HttpResponse::Ok().json(UserView::from(updated)))
}

/// Switches the caller's language, as `PATCH /v1/me {"locale"}` does (the
/// pages' language switch).
pub async fn set_locale(state: &AppState, user: AuthUser, locale: Locale) -> Result<(), ApiError> {
    let changes = users::UserChanges {
        locale: Some(locale.as_str().to_owned()),
        ..users::UserChanges::default()
    };
    save(state, user, changes).await.map(|_| ())
}

async fn save(
    state: &AppState,
    user: AuthUser,
    mut changes: users::UserChanges,
) -> Result<users::User, ApiError> {
    changes.updated_at = Some(now().naive_utc());
    state
        .db
        .transaction(move |conn| {
            users::update(conn, &user.id, &changes)?;
            // A patient who moves or switches language gets their schedule
            // and guidance in the new zone and language.
            if let Some(patient_id) = &user.patient_id {
                patients::set_preferences(
                    conn,
                    patient_id,
                    changes.timezone.as_deref(),
                    changes.locale.as_deref(),
                )?;
                audit::record(
                    conn,
                    &user,
                    Action::Update,
                    &[(patient_id, "patient", patient_id)],
                    now(),
                )?;
            }
            users::find(conn, &user.id)?.ok_or(ApiError::InvalidToken)
        })
        .await
}
