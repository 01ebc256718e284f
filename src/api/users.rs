//! Staff accounts, created by admins.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::views::UserView;
use super::{sessions, Body};
use crate::auth::audit::{self, Action};
use crate::auth::{password, AuthUser};
use crate::clock::now;
use crate::db::{care_team, mfa, users};
use crate::domain::accounts::{self, Locale, Role};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct CreateUser {
    pub email: String,
    pub password: String,
    pub role: String,
    pub display_name: String,
    pub timezone: Option<String>,
    pub locale: Option<String>,
}

/// A staff account, validated.
pub struct NewStaff {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub display_name: String,
    pub timezone: String,
    pub locale: Locale,
}

impl TryFrom<CreateUser> for NewStaff {
    type Error = ApiError;
    fn try_from(body: CreateUser) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::new();
        let email = accounts::normalize_email(&body.email).map_err(|m| errors.add("email", m));
        let _ = accounts::check_password(&body.password, &[&body.email, &body.display_name])
            .map_err(|m| errors.add("password", m));
        let role = match body.role.parse::<Role>() {
            Ok(role) if Role::STAFF.contains(&role) => Some(role),
            _ => {
                errors.add("role", "must be physician, nurse or admin");
                None
            }
        };
        let display_name = accounts::normalize_display_name(&body.display_name)
            .map_err(|m| errors.add("display_name", m));
        let timezone = body.timezone.unwrap_or_else(|| "Asia/Tokyo".to_owned());
        let _ = accounts::check_timezone(&timezone).map_err(|m| errors.add("timezone", m));
        let locale = body
            .locale
            .as_deref()
            .unwrap_or("ja")
            .parse::<Locale>()
            .map_err(|m| errors.add("locale", m));
        errors.into_result()?;
        match (email, role, display_name, locale) {
            (Ok(email), Some(role), Ok(display_name), Ok(locale)) => Ok(Self {
                email,
                password: body.password,
                role,
                display_name,
                timezone,
                locale,
            }),
            _ => Err(ApiError::internal(anyhow::anyhow!(
                "validation let an error through"
            ))),
        }
    }
}

/// Hashes the password and stores the account; shared by the API and the
/// command line.
pub async fn create_staff(state: &AppState, staff: NewStaff) -> Result<users::User, ApiError> {
    let password_hash = password::hash(staff.password).await?;
    let at = now().naive_utc();
    state
        .db
        .transaction(move |conn| {
            let id = uuid::Uuid::new_v4().to_string();
            users::insert(
                conn,
                &users::NewUser {
                    id: &id,
                    email: &staff.email,
                    password_hash: &password_hash,
                    role: staff.role,
                    display_name: &staff.display_name,
                    patient_id: None,
                    timezone: &staff.timezone,
                    locale: staff.locale.as_str(),
                    created_at: at,
                    updated_at: at,
                },
            )?;
            users::find(conn, &id)?.ok_or(ApiError::NotFound)
        })
        .await
}

/// An admin's new staff account, audited (the API's and the dashboard's).
pub async fn create_by_admin(
    state: &AppState,
    admin: AuthUser,
    staff: NewStaff,
) -> Result<users::User, ApiError> {
    admin.require(&[Role::Admin])?;
    let created = create_staff(state, staff).await?;
    let created_id = created.id.clone();
    state
        .db
        .transaction(move |conn| {
            audit::account(conn, &admin, Action::Create, "user", &created_id, now())
        })
        .await?;
    Ok(created)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let staff = NewStaff::try_from(body)?;
    let created = create_by_admin(&state, user, staff).await?;
    tracing::info!(user_id = %created.id, role = %created.role, "staff account created");
    Ok(HttpResponse::Created().json(UserView::from(created)))
}

/// A staff account as the admin's list shows it.
#[derive(Serialize)]
pub struct StaffView {
    #[serde(flatten)]
    pub user: UserView,
    pub active: bool,
    pub mfa_enabled: bool,
}

/// Every staff account (admins only), active first.
pub async fn list_staff(state: &AppState, admin: AuthUser) -> Result<Vec<StaffView>, ApiError> {
    admin.require(&[Role::Admin])?;
    state
        .db
        .run(|conn| {
            let mut listed = Vec::new();
            for user in users::staff(conn)? {
                let mfa_enabled = mfa::is_enabled(conn, &user.id)?;
                let active = user.deactivated_at.is_none();
                listed.push(StaffView {
                    user: user.into(),
                    active,
                    mfa_enabled,
                });
            }
            Ok(listed)
        })
        .await
}

/// A patient whose care team a deactivated member was on.
#[derive(Serialize)]
pub struct TeamPatient {
    pub id: String,
    pub display_name: String,
}

#[derive(Serialize)]
pub struct Deactivated {
    pub user: UserView,
    /// The patients whose care teams they were on: to be given someone
    /// else (they stay on the teams until removed, signing in no more).
    pub care_team_patients: Vec<TeamPatient>,
}

#[tracing::instrument(skip_all, fields(user_id = %path))]
pub async fn deactivate(
    state: web::Data<AppState>,
    admin: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let done = deactivate_staff(&state, admin, path.into_inner().to_string()).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// Deactivates a staff account (admins only, not their own): it signs in
/// no more and every session of it ends at once; audited.
pub async fn deactivate_staff(
    state: &AppState,
    admin: AuthUser,
    user_id: String,
) -> Result<Deactivated, ApiError> {
    admin.require(&[Role::Admin])?;
    if user_id == admin.id {
        return Err(FieldErrors::single(
            "user_id",
            "an admin cannot deactivate their own account",
        ));
    }
    let at = now();
    let (done, ended) = state
        .db
        .transaction(move |conn| {
            let member = users::find(conn, &user_id)?
                .filter(|u| u.role.is_staff())
                .ok_or(ApiError::NotFound)?;
            if users::deactivate(conn, &member.id, at.naive_utc())? {
                audit::account(conn, &admin, Action::Update, "user", &member.id, at)?;
            }
            let ended = sessions::end_all(conn, &member.id, at)?;
            let care_team_patients = care_team::patients_of_member(conn, &member.id)?
                .into_iter()
                .map(|(id, display_name)| TeamPatient { id, display_name })
                .collect();
            let user = users::find(conn, &member.id)?.ok_or(ApiError::NotFound)?;
            Ok((
                Deactivated {
                    user: user.into(),
                    care_team_patients,
                },
                ended,
            ))
        })
        .await?;
    sessions::forget(state, &ended);
    Ok(done)
}
