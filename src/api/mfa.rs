//! Staff two-factor sign-in (TOTP): enrolment, confirmation with ten
//! recovery codes, turning it off, an admin's reset, and the second step
//! of every sign-in (`POST /v1/auth/mfa`, and the dashboard's form).
//!
//! A sign-in whose password is right gets a single-use `mfa_token` (5
//! minutes, void after 5 wrong codes) and no session; the code then
//! exchanges it. Wrong codes count per user, whatever the token, and a
//! code is accepted once.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Body;
use crate::auth::audit::{self, Action};
use crate::auth::mfa::{self as totp, SecretBox, CHALLENGE_MAX_FAILURES, CHALLENGE_SECONDS};
use crate::auth::throttle::SecondFactor;
use crate::auth::tokens::Amr;
use crate::auth::{secrets, AuthUser};
use crate::clock::now;
use crate::db::{mfa, users, DbConnection};
use crate::domain::accounts::Role;
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

/// A one-time code from the authenticator app, or a recovery code.
#[derive(Deserialize, Default)]
pub struct SecondFactorCode {
    pub code: Option<String>,
    pub recovery_code: Option<String>,
}

impl SecondFactorCode {
    /// The one code given (422 for neither or both).
    pub fn validated(self) -> Result<Given, ApiError> {
        match (self.code, self.recovery_code) {
            (Some(code), None) => Ok(Given::Code(code)),
            (None, Some(code)) => Ok(Given::Recovery(code)),
            (Some(_), Some(_)) => Err(FieldErrors::single(
                "code",
                "give code or recovery_code, not both",
            )),
            (None, None) => Err(FieldErrors::single("code", "is required")),
        }
    }
}

pub enum Given {
    Code(String),
    Recovery(String),
}

/// Whether `given` is right for the user now, spending it if so. A wrong
/// code counts against the user (the one reaching the limit answers 429);
/// a code already used is refused without counting. Returns the outcome as
/// a value so that a failure's count commits with the transaction.
fn check_code(
    conn: &mut DbConnection,
    sealer: &SecretBox,
    user_id: &str,
    row: &mfa::Totp,
    given: &Given,
    at: DateTime<Utc>,
) -> Result<Result<(), ApiError>, ApiError> {
    let counter = SecondFactor::of(user_id);
    if let Err(blocked) = counter.check(conn, at.naive_utc()) {
        return Ok(Err(blocked));
    }
    let outcome = match given {
        Given::Code(code) => {
            let secret = sealer.open(user_id, &row.secret_sealed)?;
            match totp::matching_step(&secret, code, at) {
                None => Err(ApiError::InvalidMfaCode),
                Some(step) if mfa::spend_step(conn, user_id, step)? => Ok(()),
                Some(_) => return Ok(Err(ApiError::MfaCodeReused)),
            }
        }
        Given::Recovery(code) => {
            let hash = totp::recovery_hash(code);
            if mfa::spend_recovery_code(conn, user_id, &hash, at.naive_utc())? {
                Ok(())
            } else if mfa::recovery_code_spent(conn, user_id, &hash)? {
                return Ok(Err(ApiError::MfaCodeReused));
            } else {
                Err(ApiError::InvalidMfaCode)
            }
        }
    };
    match outcome {
        Ok(()) => {
            counter.succeeded(conn)?;
            Ok(Ok(()))
        }
        Err(wrong) => Ok(Err(counter.failed(conn, at.naive_utc(), wrong)?)),
    }
}

/// A sign-in waiting for its second factor: a new `mfa_token`, or `None`
/// when the user has no second factor. Run after the password was right.
pub async fn challenge(state: &AppState, user: &users::User) -> Result<Option<ApiError>, ApiError> {
    let user_id = user.id.clone();
    let at = now();
    state
        .db
        .transaction(move |conn| {
            if !mfa::is_enabled(conn, &user_id)? {
                return Ok(None);
            }
            let token = secrets::random_token();
            mfa::insert_challenge(
                conn,
                &secrets::sha256_hex(&token),
                &user_id,
                at.naive_utc(),
                (at + Duration::seconds(CHALLENGE_SECONDS)).naive_utc(),
            )?;
            Ok(Some(ApiError::MfaRequired {
                mfa_token: token,
                expires_in: CHALLENGE_SECONDS,
            }))
        })
        .await
}

/// The second step of a sign-in: the user whose `mfa_token` this is, if
/// the code is right (the token is then spent).
pub async fn complete_sign_in(
    state: &AppState,
    mfa_token: &str,
    given: SecondFactorCode,
) -> Result<users::User, ApiError> {
    let given = given.validated()?;
    let token_hash = secrets::sha256_hex(mfa_token.trim());
    let at = now();
    let sealer = state.totp_box.clone();
    state
        .db
        .transaction(move |conn| {
            let Some(user_id) =
                mfa::challenge_user(conn, &token_hash, at.naive_utc(), CHALLENGE_MAX_FAILURES)?
            else {
                return Ok(Err(ApiError::InvalidMfaToken));
            };
            let active = users::find(conn, &user_id)?.filter(|user| user.deactivated_at.is_none());
            let confirmed = mfa::totp_of(conn, &user_id)?.filter(|t| t.confirmed_at.is_some());
            let (Some(user), Some(row)) = (active, confirmed) else {
                return Ok(Err(ApiError::InvalidMfaToken));
            };
            if let Err(refused) = check_code(conn, &sealer, &user_id, &row, &given, at)? {
                if matches!(
                    refused,
                    ApiError::InvalidMfaCode | ApiError::TooManyAttempts { .. }
                ) {
                    mfa::challenge_failed(conn, &token_hash)?;
                }
                return Ok(Err(refused));
            }
            if !mfa::spend_challenge(conn, &token_hash, at.naive_utc())? {
                return Ok(Err(ApiError::InvalidMfaToken));
            }
            Ok(Ok(user))
        })
        .await?
}

#[derive(Deserialize)]
pub struct MfaSignIn {
    mfa_token: String,
    #[serde(flatten)]
    given: SecondFactorCode,
}

/// `POST /v1/auth/mfa`: the code for an `mfa_token` -> the token pair, of
/// a session signed in with both factors.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    Body(body): Body<MfaSignIn>,
) -> Result<HttpResponse, ApiError> {
    let user = complete_sign_in(&state, &body.mfa_token, body.given).await?;
    let pair = super::auth::start_session(&state, &req, user, Amr::PasswordAndOtp).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Staff only: patients and caregivers have no second factor here.
fn staff_only(user: &AuthUser) -> Result<(), ApiError> {
    if user.role.is_staff() {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

#[derive(Serialize)]
pub struct Enrolment {
    /// The secret in base32, for typing into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://` URL (what the dashboard's QR code holds).
    pub otpauth_url: String,
}

#[tracing::instrument(skip_all)]
pub async fn enrol(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(start_enrolment(&state, user).await?))
}

/// A new pending secret for the caller (replacing a pending one); 409 when
/// two-factor sign-in is on already.
pub async fn start_enrolment(state: &AppState, user: AuthUser) -> Result<Enrolment, ApiError> {
    staff_only(&user)?;
    let secret = totp::new_secret();
    let sealed = state.totp_box.seal(&user.id, &secret)?;
    let at = now();
    state
        .db
        .transaction(move |conn| {
            if mfa::is_enabled(conn, &user.id)? {
                return Err(ApiError::MfaAlreadyEnabled);
            }
            let account = users::find(conn, &user.id)?.ok_or(ApiError::InvalidToken)?;
            let (secret, otpauth_url) = totp::enrolment(&secret, &account.email)?;
            mfa::start(conn, &user.id, &sealed, at.naive_utc())?;
            audit::account(conn, &user, Action::Create, "mfa_enrolment", &user.id, at)?;
            Ok(Enrolment {
                secret,
                otpauth_url,
            })
        })
        .await
}

#[derive(Deserialize)]
pub struct CodeBody {
    code: String,
}

#[derive(Serialize)]
pub struct RecoveryCodes {
    /// Single-use; shown only here.
    pub recovery_codes: Vec<String>,
}

#[tracing::instrument(skip_all)]
pub async fn confirm(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<CodeBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(confirm_enrolment(&state, user, body.code).await?))
}

/// Turns two-factor sign-in on with the first code of the pending secret:
/// ten recovery codes, every other session ended, and the caller's own
/// session counted as signed in with both factors (the code proves the
/// authenticator).
pub async fn confirm_enrolment(
    state: &AppState,
    user: AuthUser,
    code: String,
) -> Result<RecoveryCodes, ApiError> {
    staff_only(&user)?;
    let at = now();
    let sealer = state.totp_box.clone();
    let codes = totp::recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|(_, hash)| hash.clone()).collect();
    let ended = state
        .db
        .transaction(move |conn| {
            let pending = mfa::totp_of(conn, &user.id)?;
            let row = match pending {
                Some(row) if row.confirmed_at.is_none() => row,
                Some(_) => return Ok(Err(ApiError::MfaAlreadyEnabled)),
                None => return Ok(Err(ApiError::MfaNotPending)),
            };
            if let Err(refused) = check_code(conn, &sealer, &user.id, &row, &Given::Code(code), at)?
            {
                return Ok(Err(refused));
            }
            mfa::confirm(conn, &user.id, at.naive_utc())?;
            mfa::replace_recovery_codes(conn, &user.id, &hashes, at.naive_utc())?;
            let ended = super::sessions::end_others(conn, &user, at)?;
            super::sessions::strengthen_current(conn, &user)?;
            audit::account(conn, &user, Action::Update, "mfa", &user.id, at)?;
            Ok(Ok(ended))
        })
        .await??;
    super::sessions::forget(state, &ended);
    Ok(RecoveryCodes {
        recovery_codes: codes.into_iter().map(|(code, _)| code).collect(),
    })
}

#[tracing::instrument(skip_all)]
pub async fn disable(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<CodeBody>,
) -> Result<HttpResponse, ApiError> {
    turn_off(&state, user, body.code).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Turns the caller's two-factor sign-in off with a current code; every
/// other session ends.
pub async fn turn_off(state: &AppState, user: AuthUser, code: String) -> Result<(), ApiError> {
    staff_only(&user)?;
    let at = now();
    let sealer = state.totp_box.clone();
    let ended = state
        .db
        .transaction(move |conn| {
            let Some(row) = mfa::totp_of(conn, &user.id)?.filter(|t| t.confirmed_at.is_some())
            else {
                return Ok(Err(ApiError::MfaNotEnabled));
            };
            if let Err(refused) = check_code(conn, &sealer, &user.id, &row, &Given::Code(code), at)?
            {
                return Ok(Err(refused));
            }
            mfa::remove(conn, &user.id)?;
            let ended = super::sessions::end_others(conn, &user, at)?;
            audit::account(conn, &user, Action::Delete, "mfa", &user.id, at)?;
            Ok(Ok(ended))
        })
        .await??;
    super::sessions::forget(state, &ended);
    Ok(())
}

#[tracing::instrument(skip_all, fields(user_id = %path))]
pub async fn reset(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    reset_for(&state, user, path.into_inner().to_string()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An admin's reset of a staff member's two-factor sign-in (a lost phone):
/// it is off, every session of theirs ends, and the trail says who did it.
pub async fn reset_for(state: &AppState, admin: AuthUser, user_id: String) -> Result<(), ApiError> {
    admin.require(&[Role::Admin])?;
    let at = now();
    let ended = state
        .db
        .transaction(move |conn| {
            let member = users::find(conn, &user_id)?
                .filter(|u| u.role.is_staff())
                .ok_or(ApiError::NotFound)?;
            mfa::remove(conn, &member.id)?;
            let ended = super::sessions::end_all(conn, &member.id, at)?;
            audit::account(conn, &admin, Action::Delete, "mfa", &member.id, at)?;
            Ok(ended)
        })
        .await?;
    super::sessions::forget(state, &ended);
    Ok(())
}
