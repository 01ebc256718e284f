//! Staff accounts, created by admins.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::views::UserView;
use super::Body;
use crate::auth::{password, AuthUser};
use crate::clock::now;
use crate::db::users;
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

#[tracing::instrument(skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let staff = NewStaff::try_from(body)?;
    let created = create_staff(&state, staff).await?;
    tracing::info!(user_id = %created.id, role = %created.role, "staff account created");
    Ok(HttpResponse::Created().json(UserView::from(created)))
}
