//! Login, refresh, logout and invite-based registration (of patients,
//! and of caregivers with a code their patient gave them).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::views::UserView;
use super::{mfa, Body};
use crate::auth::audit::{self, Action};
use crate::auth::extractor::Current;
use crate::auth::throttle::Attempt;
use crate::auth::tokens::Amr;
use crate::auth::AuthUser;
use crate::auth::{password, secrets, web_session};
use crate::clock::now;
use crate::db::{caregivers, invites, patients, tokens, users, DbConnection};
use crate::domain::accounts::{self, Role};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

#[derive(Serialize)]
pub struct TokenPair {
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: i64,
    user: UserView,
}

/// An API session: a new one (its family is made up) or the one a refresh
/// continues, with how it was signed in and from which client.
pub struct Family {
    pub id: Option<String>,
    pub amr: Amr,
    pub user_agent: Option<String>,
}

/// Starts a session (a new refresh-token family) or continues one.
fn issue(
    conn: &mut DbConnection,
    state: &AppState,
    user: users::User,
    family: Family,
    at: DateTime<Utc>,
) -> Result<TokenPair, ApiError> {
    let role = user.role;
    let family_id = family
        .id
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let access_token = state
        .tokens
        .issue(
            &user.id,
            role,
            user.patient_id.as_deref(),
            (&family_id, family.amr),
            at,
        )
        .map_err(ApiError::Internal)?;
    let refresh_token = secrets::random_token();
    tokens::insert(
        conn,
        &tokens::NewRefreshToken {
            id: &uuid::Uuid::new_v4().to_string(),
            user_id: &user.id,
            family_id: &family_id,
            token_hash: &secrets::sha256_hex(&refresh_token),
            created_at: at.naive_utc(),
            expires_at: (at + Duration::days(i64::from(state.settings.refresh_token_ttl_days)))
                .naive_utc(),
            amr: family.amr.as_str(),
            user_agent: family.user_agent.as_deref(),
        },
    )?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.ttl_seconds,
        user: user.into(),
    })
}

#[derive(Deserialize)]
pub struct LoginRequest {
    email: String,
    password: String,
}

#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    Body(body): Body<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = verify_sign_in(&state, &req, &body.email, body.password).await?;
    // An account with a second factor gets an mfa_token, no session.
    if let Some(second_step) = mfa::challenge(&state, &user).await? {
        return Err(second_step);
    }
    let pair = start_session(&state, &req, user, Amr::Password).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// A new API session for a user whose sign-in is complete.
pub async fn start_session(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: users::User,
    amr: Amr,
) -> Result<TokenPair, ApiError> {
    let at = now();
    let state_for_db = state.clone();
    let family = Family {
        id: None,
        amr,
        user_agent: web_session::user_agent(req),
    };
    state
        .db
        .run(move |conn| {
            crate::db::transaction(conn, |conn| {
                // A login only writes a new session; registration and
                // refresh, which share `issue`, stay fully durable.
                crate::db::relaxed_commit(conn)?;
                issue(conn, &state_for_db, user, family, at)
            })
        })
        .await
}

/// Checks an email and password as every sign-in does (the API's and the
/// dashboard's): sizes first, the throttles, then the password; the
/// attempt is counted either way. An unknown email, a wrong password and a
/// deactivated account are the same `invalid_credentials`. The second
/// factor, if the account has one, is the caller's next step
/// (`mfa::challenge`).
pub async fn verify_sign_in(
    state: &AppState,
    req: &HttpRequest,
    email: &str,
    password: String,
) -> Result<users::User, ApiError> {
    // Sizes first: a 60 KB password is not worth hashing.
    let mut errors = FieldErrors::new();
    if email.chars().count() > accounts::EMAIL_MAX_CHARS {
        errors.add(
            "email",
            format!("must be at most {} characters", accounts::EMAIL_MAX_CHARS),
        );
    }
    if password.chars().count() > accounts::PASSWORD_MAX_CHARS {
        errors.add(
            "password",
            format!(
                "must be at most {} characters",
                accounts::PASSWORD_MAX_CHARS
            ),
        );
    }
    errors.into_result()?;
    let email = email.trim().to_lowercase();
    let attempt = Attempt::sign_in(&email, state.client_address(req));
    let at = now();
    let (attempt, user) = state
        .db
        .run(move |conn| {
            attempt.check(conn, at.naive_utc())?;
            let user = users::find_by_email(conn, &email)?;
            Ok((attempt, user))
        })
        .await?;
    let verified =
        password::verify(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    state
        .db
        .run(move |conn| match user {
            Some(user) if verified && user.deactivated_at.is_none() => {
                attempt.succeeded(conn)?;
                Ok(user)
            }
            _ => {
                attempt.failed(conn, at.naive_utc())?;
                tracing::info!("login failed");
                Err(ApiError::InvalidCredentials)
            }
        })
        .await
}

#[derive(Deserialize)]
pub struct RefreshRequest {
    refresh_token: String,
}

enum Refreshed {
    Pair(Box<TokenPair>),
    /// The family (session) that was revoked.
    Reused(String),
}

#[tracing::instrument(skip_all)]
pub async fn refresh(
    state: web::Data<AppState>,
    Body(body): Body<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = secrets::sha256_hex(body.refresh_token.trim());
    let at = now();
    let state_for_db = state.clone();
    // The family's revocation must commit even though the caller gets an
    // error, so the transaction returns `Reused` as a value.
    let outcome = state
        .db
        .transaction(move |conn| {
            let token = tokens::find_by_hash(conn, &hash)?.ok_or(ApiError::InvalidRefreshToken)?;
            if token.spent_at.is_some() {
                tokens::revoke_family(conn, &token.family_id, at.naive_utc())?;
                return Ok(Refreshed::Reused(token.family_id));
            }
            if token.revoked_at.is_some() || token.expires_at <= at.naive_utc() {
                return Err(ApiError::InvalidRefreshToken);
            }
            if !tokens::spend(conn, &token.id, at.naive_utc())? {
                tokens::revoke_family(conn, &token.family_id, at.naive_utc())?;
                return Ok(Refreshed::Reused(token.family_id));
            }
            let user = users::find(conn, &token.user_id)?
                .filter(|user| user.deactivated_at.is_none())
                .ok_or(ApiError::InvalidRefreshToken)?;
            // A refresh keeps the sign-in's strength; where staff must use a
            // second factor, a session made without one is not continued.
            let amr = Amr::parse(&token.amr);
            if state_for_db.settings.require_staff_mfa
                && user.role.is_staff()
                && !amr.has_second_factor()
            {
                return Err(ApiError::SignInAgainWithMfa);
            }
            let family = Family {
                id: Some(token.family_id),
                amr,
                user_agent: token.user_agent,
            };
            issue(conn, &state_for_db, user, family, at).map(|pair| Refreshed::Pair(Box::new(pair)))
        })
        .await?;
    match outcome {
        Refreshed::Pair(pair) => Ok(HttpResponse::Ok().json(pair)),
        Refreshed::Reused(family) => {
            state.sessions.forget(&family);
            tracing::warn!("refresh token reused; its family was revoked");
            Err(ApiError::RefreshTokenReused)
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn logout(
    state: web::Data<AppState>,
    Body(body): Body<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = secrets::sha256_hex(body.refresh_token.trim());
    let at = now();
    let ended = state
        .db
        .run(move |conn| {
            let Some(token) = tokens::find_by_hash(conn, &hash)? else {
                return Ok(None);
            };
            tokens::revoke_family(conn, &token.family_id, at.naive_utc())?;
            Ok(Some(token.family_id))
        })
        .await?;
    if let Some(family) = ended {
        state.sessions.forget(&family);
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct RegisterRequest {
    pub invite_code: String,
    pub email: String,
    pub password: String,
    /// A caregiver's name as the patient's care team sees it (their
    /// relationship if not given); a patient's comes from their record.
    pub display_name: Option<String>,
}

/// How long a refused registration waits for its answer. A made-up invite
/// code costs the service almost nothing, but a client that sends its next
/// try when the last is answered (as nearly all do) would still keep the
/// CPU busy with cheap refusals and slow everyone's sign-in; a second
/// spent waiting, not computing, slows each such client to one try a
/// second, and a patient who mistyped the code hardly notices it.
const REFUSAL_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

#[tracing::instrument(skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    Body(body): Body<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let issuing = state.clone();
    let family = Family {
        id: None,
        amr: Amr::Password,
        user_agent: web_session::user_agent(&req),
    };
    let pair = register_patient(&state, &req, body, move |conn, user, at| {
        issue(conn, &issuing, user, family, at)
    })
    .await?;
    Ok(HttpResponse::Created().json(pair))
}

/// Registration checks the invite before it hashes the password: a flood
/// of made-up codes costs one index read each, is throttled per address
/// like sign-in failures, is answered only after `REFUSAL_DELAY`, and
/// leaves the hashing threads to real sign-ins. `then` starts the new
/// account's sign-in (tokens, or the patient app's session) in the
/// transaction that creates it.
pub async fn register_patient<T, F>(
    state: &AppState,
    req: &HttpRequest,
    body: RegisterRequest,
    then: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, users::User, DateTime<Utc>) -> Result<T, ApiError>
        + Send
        + 'static,
{
    let registered = async {
        state.registrations.admit()?;
        let mut errors = FieldErrors::new();
        let email = accounts::normalize_email(&body.email)
            .map_err(|m| errors.add("email", m))
            .ok();
        let _ = accounts::check_password(&body.password, &[&body.email])
            .map_err(|m| errors.add("password", m));
        let display_name = match body.display_name.as_deref() {
            None => None,
            Some(name) => accounts::normalize_display_name(name)
                .map_err(|m| errors.add("display_name", m))
                .ok(),
        };
        let code = secrets::normalize_invite_code(&body.invite_code);
        if code.is_empty() {
            errors.add("invite_code", "is required");
        }
        errors.into_result()?;
        let email =
            email.ok_or_else(|| ApiError::internal(anyhow::anyhow!("validated email missing")))?;
        let code_hash = secrets::sha256_hex(&code);
        let attempt = Attempt::registration(state.client_address(req));
        let at = now();
        let lookup = code_hash.clone();
        state
            .db
            .run(move |conn| {
                attempt.check(conn, at.naive_utc())?;
                if invites::redeemable(conn, &lookup, at.naive_utc())?
                    || caregivers::redeemable(conn, &lookup, at.naive_utc())?
                {
                    Ok(())
                } else {
                    attempt.failed(conn, at.naive_utc())?;
                    Err(ApiError::InvalidInvite)
                }
            })
            .await?;
        let password_hash = password::hash(body.password).await?;
        state
            .db
            .transaction(move |conn| {
                // Redeemed for real here: a concurrent registration with the
                // same code may have taken it while this one hashed.
                let id = uuid::Uuid::new_v4().to_string();
                let new_user =
                    |conn: &mut DbConnection, role, name: &str, patient: &patients::Patient| {
                        users::insert(
                            conn,
                            &users::NewUser {
                                id: &id,
                                email: &email,
                                password_hash: &password_hash,
                                role,
                                display_name: name,
                                patient_id: (role == Role::Patient).then_some(patient.id.as_str()),
                                timezone: &patient.timezone,
                                locale: &patient.locale,
                                created_at: at.naive_utc(),
                                updated_at: at.naive_utc(),
                            },
                        )
                    };
                if let Some(patient_id) = invites::redeem(conn, &code_hash, at.naive_utc())? {
                    if users::find_by_patient(conn, &patient_id)?.is_some() {
                        return Err(ApiError::InvalidInvite);
                    }
                    let patient =
                        patients::find(conn, &patient_id)?.ok_or(ApiError::InvalidInvite)?;
                    new_user(conn, Role::Patient, &patient.display_name, &patient)?;
                } else {
                    let (patient_id, relationship) =
                        caregivers::redeem(conn, &code_hash, at.naive_utc())?
                            .ok_or(ApiError::InvalidInvite)?;
                    let patient =
                        patients::find(conn, &patient_id)?.ok_or(ApiError::InvalidInvite)?;
                    let name = display_name.unwrap_or_else(|| relationship.clone());
                    new_user(conn, Role::Caregiver, &name, &patient)?;
                    caregivers::link(conn, &patient_id, &id, &relationship, at.naive_utc())?;
                    let caregiver = AuthUser {
                        id: id.clone(),
                        role: Role::Caregiver,
                        patient_id: None,
                        request_id: None,
                        mfa: false,
                        session: Current::Api(String::new()),
                    };
                    let link = [(patient_id.as_str(), "caregiver", id.as_str())];
                    audit::record(conn, &caregiver, Action::Create, &link, at)?;
                }
                let user = users::find(conn, &id)?.ok_or(ApiError::NotFound)?;
                then(conn, user, at)
            })
            .await
    }
    .await;
    if registered.is_err() {
        actix_web::rt::time::sleep(REFUSAL_DELAY).await;
    }
    registered
}
