//! Web Push subscriptions: the VAPID key browsers subscribe with, and the
//! patient's subscriptions (at most `MAX_PER_USER`), each checked by
//! push::subscription and the outbound URL policy before it is kept.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Body;
use crate::auth::AuthUser;
use crate::clock::{now, utc};
use crate::db::push_subscriptions::{self, Subscription};
use crate::domain::accounts::Role;
use crate::error::{ApiError, FieldErrors};
use crate::push::subscription::{self, check_keys};
use crate::state::AppState;
use crate::webhooks::policy::Policy;

pub const MAX_PER_USER: usize = 10;

#[tracing::instrument(skip_all)]
pub async fn public_key(state: web::Data<AppState>, _user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "key": state.vapid.public_key() }))
}

#[derive(Deserialize, Serialize)]
pub struct Keys {
    p256dh: String,
    auth: String,
}

/// `PushSubscription.toJSON()`, spelled as the browser gives it.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSubscription {
    endpoint: String,
    #[serde(default)]
    expiration_time: Option<i64>,
    keys: Keys,
}

#[derive(Serialize)]
pub struct SubscriptionView {
    id: String,
    endpoint: String,
    expiration_time: Option<i64>,
    created_at: DateTime<Utc>,
}

impl From<Subscription> for SubscriptionView {
    fn from(s: Subscription) -> Self {
        SubscriptionView {
            id: s.id,
            endpoint: s.endpoint,
            expiration_time: s.expiration_time,
            created_at: utc(s.created_at),
        }
    }
}

/// The endpoint, if push messages may go there: the URL policy's form, an
/// allowed push service, and an address the policy allows.
pub async fn check_endpoint(state: &AppState, raw: &str) -> Result<url::Url, ApiError> {
    let policy = Policy::of(&state.settings);
    subscription::check_form(&policy, &state.settings.push_allowed_hosts, raw)
        .map_err(ApiError::PushEndpointNotAllowed)?;
    policy
        .check(raw)
        .await
        .map_err(ApiError::PushEndpointNotAllowed)
}

#[tracing::instrument(skip_all)]
pub async fn subscribe(
    state: web::Data<AppState>,
    user: AuthUser,
    Body(body): Body<NewSubscription>,
) -> Result<HttpResponse, ApiError> {
    let (created, view) = save(&state, user, body).await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(json!({"id": view.id, "created_at": view.created_at})))
}

/// Keeps the subscription (the patient app's switch posts here too);
/// whether it is new, and it.
pub async fn save(
    state: &AppState,
    user: AuthUser,
    body: NewSubscription,
) -> Result<(bool, SubscriptionView), ApiError> {
    user.require(&[Role::Patient])?;
    let mut errors = FieldErrors::new();
    check_keys(&body.keys.p256dh, &body.keys.auth, &mut errors);
    errors.into_result()?;
    let endpoint = check_endpoint(state, &body.endpoint).await?.to_string();
    state
        .db
        .transaction(move |conn| {
            let mine = push_subscriptions::of_user(conn, &user.id)?;
            if let Some(known) = mine.iter().find(|s| s.endpoint == endpoint) {
                return Ok((false, known.clone().into()));
            }
            if mine.len() >= MAX_PER_USER {
                return Err(FieldErrors::single(
                    "endpoint",
                    format!("at most {MAX_PER_USER} subscriptions per user; delete one first"),
                ));
            }
            let subscription = Subscription {
                id: uuid::Uuid::new_v4().to_string(),
                user_id: user.id.clone(),
                endpoint,
                p256dh: body.keys.p256dh,
                auth: body.keys.auth,
                expiration_time: body.expiration_time,
                created_at: now().naive_utc(),
            };
            push_subscriptions::insert(conn, &subscription)?;
            Ok((true, subscription.into()))
        })
        .await
}

#[tracing::instrument(skip_all)]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Patient])?;
    let mine = state
        .db
        .run(move |conn| push_subscriptions::of_user(conn, &user.id))
        .await?;
    let items: Vec<SubscriptionView> = mine.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[tracing::instrument(skip_all)]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Patient])?;
    let id = path.into_inner().to_string();
    let deleted = state
        .db
        .transaction(move |conn| push_subscriptions::delete(conn, &user.id, &id))
        .await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
