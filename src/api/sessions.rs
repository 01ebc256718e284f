//! The caller's sessions: one per API sign-in (refresh-token family) and
//! per browser sign-in; listing and ending them, and changing the
//! password, which ends the others. An ended session's access tokens fail
//! at the next request (the per-request session check of the extractor).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Body;
use crate::auth::audit::{self, Action};
use crate::auth::extractor::Current;
use crate::auth::{password, secrets, AuthUser};
use crate::clock::{now, utc};
use crate::db::{tokens, users, web_sessions, DbConnection};
use crate::domain::accounts;
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

#[derive(Serialize, Debug)]
pub struct SessionView {
    pub id: String,
    pub kind: &'static str,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub current: bool,
}

#[derive(Serialize)]
pub struct SessionList {
    items: Vec<SessionView>,
    next_cursor: Option<String>,
}

/// A browser session's id as shown: derived from its stored hash, which is
/// never shown (it finds the session).
fn browser_id(id_hash: &str) -> String {
    secrets::sha256_hex(&format!("session:{id_hash}"))[..32].to_owned()
}

/// The caller's live sessions, newest use first.
pub async fn load(state: &AppState, user: AuthUser) -> Result<Vec<SessionView>, ApiError> {
    let at = now().naive_utc();
    let mut all = state
        .db
        .run(move |conn| {
            let mut all: Vec<SessionView> = tokens::families_of(conn, &user.id, at)?
                .into_iter()
                .map(|family| SessionView {
                    current: user.session == Current::Api(family.family_id.clone()),
                    id: family.family_id,
                    kind: "api",
                    created_at: utc(family.created_at),
                    last_used_at: utc(family.last_used_at),
                    user_agent: family.user_agent,
                })
                .collect();
            all.extend(
                web_sessions::of_user(conn, &user.id, at)?
                    .into_iter()
                    .map(|browser| SessionView {
                        current: user.session == Current::Browser(browser.id_hash.clone()),
                        id: browser_id(&browser.id_hash),
                        kind: "browser",
                        created_at: utc(browser.created_at),
                        last_used_at: utc(browser.last_used_at.unwrap_or(browser.created_at)),
                        user_agent: browser.user_agent,
                    }),
            );
            Ok(all)
        })
        .await?;
    all.sort_by(|a, b| b.last_used_at.cmp(&a.last_used_at).then(a.id.cmp(&b.id)));
    Ok(all)
}

#[tracing::instrument(skip_all)]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let items = load(&state, user).await?;
    Ok(HttpResponse::Ok().json(SessionList {
        items,
        next_cursor: None,
    }))
}

#[tracing::instrument(skip_all)]
pub async fn end(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    end_one(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends one of the caller's sessions (404 if it is not theirs or is over).
pub async fn end_one(state: &AppState, user: AuthUser, id: String) -> Result<(), ApiError> {
    let at = now();
    let ended = state
        .db
        .transaction(move |conn| {
            let family = uuid::Uuid::parse_str(&id).ok().map(|_| id.clone());
            let ended = match family {
                Some(family)
                    if tokens::family_of_user(conn, &user.id, &family)?
                        && !tokens::session_revoked(conn, &family)? =>
                {
                    tokens::revoke_family(conn, &family, at.naive_utc())?;
                    Some(family)
                }
                _ => {
                    let browser = web_sessions::of_user(conn, &user.id, at.naive_utc())?
                        .into_iter()
                        .find(|b| browser_id(&b.id_hash) == id)
                        .ok_or(ApiError::NotFound)?;
                    web_sessions::delete_of_user(conn, &user.id, &browser.id_hash)?;
                    None
                }
            };
            audit::account(conn, &user, Action::Delete, "session", &user.id, at)?;
            Ok(ended)
        })
        .await?;
    forget(state, &ended.into_iter().collect::<Vec<_>>());
    Ok(())
}

/// Ends every session of the caller but the one the request came in; the
/// API sessions ended, to be forgotten by this replica's cache.
pub fn end_others(
    conn: &mut DbConnection,
    user: &AuthUser,
    at: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let (keep_family, keep_browser) = match &user.session {
        Current::Api(family) => (Some(family.as_str()), None),
        Current::Browser(id_hash) => (None, Some(id_hash.as_str())),
    };
    web_sessions::delete_all_of_user(conn, &user.id, keep_browser)?;
    tokens::revoke_all_of_user(conn, &user.id, keep_family, at.naive_utc())
}

/// Ends every session of the user (a deactivation, an MFA reset).
pub fn end_all(
    conn: &mut DbConnection,
    user_id: &str,
    at: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    web_sessions::delete_all_of_user(conn, user_id, None)?;
    tokens::revoke_all_of_user(conn, user_id, None, at.naive_utc())
}

/// Counts the caller's session as signed in with both factors from now on
/// (its next refresh, or its next page).
pub fn strengthen_current(conn: &mut DbConnection, user: &AuthUser) -> Result<(), ApiError> {
    match &user.session {
        Current::Api(family) => tokens::set_family_amr(conn, family, "pwd otp"),
        Current::Browser(id_hash) => web_sessions::set_amr(conn, id_hash, "pwd otp"),
    }
}

/// This replica stops believing the ended API sessions at once (others
/// within a second).
pub fn forget(state: &AppState, families: &[String]) {
    for family in families {
        state.sessions.forget(family);
    }
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[tracing::instrument(skip_all)]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    set_password(&state, user, body.current_password, body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the caller's password: the current one must be right (422
/// naming it otherwise: the caller is signed in, so this is a form error,
/// not a sign-in), the new one must be good; every other session ends.
pub async fn set_password(
    state: &AppState,
    user: AuthUser,
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    if current_password.chars().count() > accounts::PASSWORD_MAX_CHARS {
        return Err(FieldErrors::single("current_password", "is wrong"));
    }
    let user_id = user.id.clone();
    let account = state
        .db
        .run(move |conn| users::find(conn, &user_id)?.ok_or(ApiError::InvalidToken))
        .await?;
    accounts::check_password(&new_password, &[&account.email, &account.display_name])
        .map_err(|m| FieldErrors::single("new_password", m))?;
    if !password::verify(current_password, Some(account.password_hash.clone())).await? {
        return Err(FieldErrors::single("current_password", "is wrong"));
    }
    let hash = password::hash(new_password).await?;
    let at = now();
    let ended = state
        .db
        .transaction(move |conn| {
            users::set_password_hash(conn, &user.id, &hash, at.naive_utc())?;
            let ended = end_others(conn, &user, at)?;
            audit::account(conn, &user, Action::Update, "password", &user.id, at)?;
            Ok(ended)
        })
        .await?;
    forget(state, &ended);
    Ok(())
}
