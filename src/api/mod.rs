//! HTTP resources, one module per resource; request and response types sit
//! beside their handlers. This module holds what they share: the JSON body
//! extractor, list paging, and the views of users and patients.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod care_team;
pub mod caregivers;
pub mod checkins;
pub mod events;
pub mod fhir;
pub mod instants;
pub mod me;
pub mod mfa;
pub mod ops;
pub mod paging;
pub mod patients;
pub mod photos;
pub mod push;
pub mod reminders;
pub mod replay;
pub mod schedule;
pub mod sessions;
pub mod stats;
pub mod symptoms;
pub mod timeline;
pub mod treatments;
pub mod users;
pub mod views;
pub mod webhooks;
pub mod worklist;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldErrors};

/// Largest request body accepted, except where a route says otherwise.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body of at most `LIMIT` bytes: 415 for another media
/// type, 413 above the limit, 400 for malformed JSON, 422 naming the field
/// for a wrong type or value.
pub struct Body<T, const LIMIT: usize = BODY_LIMIT>(pub T);

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for Body<T, LIMIT> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(req, payload, LIMIT, None);
        Box::pin(async move { read.await.map(Body) })
    }
}

/// A JSON body that may be left out: no body at all (of any media type)
/// reads as `T::default()`; a body is held to what [`Body`] holds it to.
pub struct OptionalBody<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(req, payload, BODY_LIMIT, Some(T::default));
        Box::pin(async move { read.await.map(OptionalBody) })
    }
}

/// Reads and parses a JSON body of at most `limit` bytes; `empty` gives
/// the value of an empty body where one may be left out.
fn read_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
    empty: Option<fn() -> T>,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|media| {
            let media = media.trim().to_ascii_lowercase();
            media == "application/json"
                || (media.starts_with("application/") && media.ends_with("+json"))
        })
        .unwrap_or(false);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let mut payload = payload.take();
    Box::pin(async move {
        if declared.is_some_and(|length| length > limit) {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        if !is_json && empty.is_none() {
            return Err(ApiError::UnsupportedMediaType);
        }
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(limit));
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|error| ApiError::MalformedJson(error.to_string()))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        match empty {
            Some(default) if bytes.is_empty() => Ok(default()),
            _ if !is_json => Err(ApiError::UnsupportedMediaType),
            _ => parse(&bytes),
        }
    })
}

/// Parses JSON, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // PostgreSQL text cannot hold NUL; refuse it on both backends alike
    // rather than store it on one and fail on the other.
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(FieldErrors::single(
            "body",
            "NUL characters are not accepted",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    if result.is_ok() {
        deserializer
            .end()
            .map_err(|error| ApiError::MalformedJson(error.to_string()))?;
    }
    result.map_err(into_api_error)
}

/// Converts an already parsed JSON value, naming the field at fault.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(into_api_error)
}

fn into_api_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let message = strip_position(&inner.to_string());
            let (field, message) = field_and_message(&path, &message);
            FieldErrors::single(field, message)
        }
        _ => ApiError::MalformedJson(inner.to_string()),
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// serde reports a missing field at its parent; clients want it at the
/// field itself.
fn field_and_message(path: &str, message: &str) -> (String, String) {
    let prefix = if path == "." {
        String::new()
    } else {
        format!("{path}.")
    };
    if let Some(rest) = message.strip_prefix("missing field `") {
        if let Some(name) = rest.split('`').next() {
            return (format!("{prefix}{name}"), "is required".to_owned());
        }
    }
    let field = if path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    (field, message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        count: u8,
    }

    fn field_errors(result: Result<Sample, ApiError>) -> String {
        match result {
            Err(ApiError::Validation(errors)) => serde_json::to_string(&errors).unwrap(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert!(field_errors(parse(br#"{}"#)).contains(r#""name":["is required"]"#));
        assert!(field_errors(parse(br#"{"name": 3}"#)).contains(r#""name":"#));
        assert!(
            field_errors(parse(br#"{"name":"a","inner":{"count":300}}"#)).contains("inner.count")
        );
        assert!(field_errors(parse(br#"{"name":"a\u0000"}"#)).contains("NUL"));
        assert!(matches!(
            parse::<Sample>(b"{\"name\":"),
            Err(ApiError::MalformedJson(_))
        ));
        assert!(matches!(
            parse::<Sample>(b"{\"name\":\"a\"} x"),
            Err(ApiError::MalformedJson(_))
        ));
        assert!(parse::<Sample>(br#"{"name":"a"}"#).is_ok());
    }
}
