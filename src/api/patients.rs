//! Patient records: created by physicians with an invite for the patient's
//! app, listed and read within the caller's care teams.

use actix_web::{web, HttpResponse};
use chrono::{Datelike, Duration};
use serde::{Deserialize, Serialize};

use super::paging::{audited_page, PageQuery};
use super::views::{InviteView, PatientView};
use super::Body;
use crate::auth::audit::{self, Action};
use crate::auth::{access, secrets, AuthUser};
use crate::clock::now;
use crate::db::{care_team, invites, patients, users, DbConnection};
use crate::domain::accounts::{self, Locale, Role};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct CreatePatient {
    display_name: String,
    birth_year: Option<i32>,
    timezone: String,
    locale: String,
}

struct NewPatient {
    display_name: String,
    birth_year: Option<i32>,
    timezone: String,
    locale: Locale,
}

impl TryFrom<CreatePatient> for NewPatient {
    type Error = ApiError;
    fn try_from(body: CreatePatient) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::new();
        let display_name = accounts::normalize_display_name(&body.display_name)
            .map_err(|m| errors.add("display_name", m));
        if let Some(year) = body.birth_year {
            let _ = accounts::check_birth_year(year, now().year())
                .map_err(|m| errors.add("birth_year", m));
        }
        let _ = accounts::check_timezone(&body.timezone).map_err(|m| errors.add("timezone", m));
        let locale = body
            .locale
            .parse::<Locale>()
            .map_err(|m| errors.add("locale", m));
        errors.into_result()?;
        match (display_name, locale) {
            (Ok(display_name), Ok(locale)) => Ok(Self {
                display_name,
                birth_year: body.birth_year,
                timezone: body.timezone,
                locale,
            }),
            _ => Err(ApiError::internal(anyhow::anyhow!(
                "validation let an error through"
            ))),
        }
    }
}

#[derive(Serialize)]
struct PatientCreated {
    #[serde(flatten)]
    patient: PatientView,
    invite: InviteView,
}

/// Voids the patient's open invites and makes a new one.
fn new_invite(
    conn: &mut DbConnection,
    state: &AppState,
    patient_id: &str,
    created_by: &str,
) -> Result<InviteView, ApiError> {
    let at = now();
    let code = secrets::invite_code();
    let expires_at = at + Duration::days(i64::from(state.settings.invite_ttl_days));
    invites::replace(
        conn,
        &invites::NewInvite {
            id: &uuid::Uuid::new_v4().to_string(),
            patient_id,
            code_hash: &secrets::sha256_hex(&secrets::normalize_invite_code(&code)),
            created_by: Some(created_by),
            created_at: at.naive_utc(),
            expires_at: expires_at.naive_utc(),
        },
    )?;
    Ok(InviteView { code, expires_at })
}

#[tracing::instrument(skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<CreatePatient>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Physician, Role::Admin])?;
    let patient = NewPatient::try_from(body)?;
    let state_for_db = state.clone();
    let created = state
        .db
        .transaction(move |conn| {
            let id = uuid::Uuid::new_v4().to_string();
            let at = now().naive_utc();
            patients::insert(
                conn,
                &patients::NewPatient {
                    id: &id,
                    display_name: &patient.display_name,
                    birth_year: patient.birth_year,
                    timezone: &patient.timezone,
                    locale: patient.locale.as_str(),
                    created_by: Some(&user.id),
                    created_at: at,
                },
            )?;
            if user.role == Role::Physician {
                care_team::add(conn, &id, &user.id, Some(&user.id), at)?;
            }
            let invite = new_invite(conn, &state_for_db, &id, &user.id)?;
            let patient = patients::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            audit::record(conn, &user, Action::Create, &[(&id, "patient", &id)], now())?;
            Ok(PatientCreated {
                patient: patient.into(),
                invite,
            })
        })
        .await?;
    tracing::info!(patient_id = %created.patient.id, "patient created");
    Ok(HttpResponse::Created().json(created))
}

#[tracing::instrument(skip_all)]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let after = query.after()?;
    let body = state
        .db
        .run(move |conn| {
            let scope = match user.role {
                Role::Admin => patients::Scope::All,
                Role::Physician | Role::Nurse => patients::Scope::CareTeamOf(&user.id),
                Role::Patient => {
                    patients::Scope::Only(user.patient_id.as_deref().unwrap_or_default())
                }
                Role::Caregiver => return Err(ApiError::Forbidden),
            };
            let rows = patients::list(conn, scope, after, limit + 1)?;
            let page = audited_page(&user, now(), rows, limit, |p| {
                query.cursor(p.created_at, &p.id)
            });
            Ok(page.map(|page| page.map(PatientView::from)))
        })
        .await?;
    Ok(HttpResponse::Ok().json(state.reads.audit(body).await?))
}

#[tracing::instrument(skip_all, fields(patient_id = %path))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let patient = read(&state, user, path.into_inner().to_string()).await?;
    Ok(HttpResponse::Ok().json(PatientView::from(patient)))
}

/// The patient, if the caller may see them; the read is audited.
pub async fn read(
    state: &AppState,
    user: AuthUser,
    patient_id: String,
) -> Result<patients::Patient, ApiError> {
    let patient = state
        .db
        .run(move |conn| {
            let patient = access::patient_for(conn, &user, &patient_id)?;
            let touched = [(patient.id.as_str(), "patient", patient.id.as_str())];
            let read = audit::read(&user, &touched, now(), ());
            Ok(read.map(|()| patient))
        })
        .await?;
    state.reads.audit(patient).await
}

#[tracing::instrument(skip_all, fields(patient_id = %path))]
pub async fn invite(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let invite = issue_invite(&state, user, path.into_inner().to_string()).await?;
    Ok(HttpResponse::Created().json(invite))
}

/// A new invite code for a patient without an account, voiding the older
/// ones; the code is shown only in this answer (stored as a hash).
pub async fn issue_invite(
    state: &web::Data<AppState>,
    user: AuthUser,
    patient_id: String,
) -> Result<InviteView, ApiError> {
    let state_for_db = state.clone();
    state
        .db
        .transaction(move |conn| {
            if matches!(user.role, Role::Patient | Role::Caregiver) {
                return Err(ApiError::NotFound);
            }
            access::patient_for(conn, &user, &patient_id)?;
            // Nurses see the patient but do not enrol them.
            user.require(&[Role::Physician, Role::Admin])?;
            if users::find_by_patient(conn, &patient_id)?.is_some() {
                return Err(ApiError::PatientAlreadyRegistered);
            }
            let invite = new_invite(conn, &state_for_db, &patient_id, &user.id)?;
            audit::record(
                conn,
                &user,
                Action::Create,
                &[(&patient_id, "invite", &patient_id)],
                now(),
            )?;
            Ok(invite)
        })
        .await
}
