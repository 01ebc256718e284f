//! Cross-cutting response rules: every error is problem+json, every
//! response carries the security headers and its request id.

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};
use actix_web::HttpMessage;
use tracing_actix_web::RequestId;

use crate::error::{problem_response, Code, PROBLEM_JSON};

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .add((header::CACHE_CONTROL, "no-store"))
}

/// Cross-origin access for the listed browser origins only: the methods
/// and headers the API uses, credentials never (tokens go in a header).
pub fn cors(origins: &[String]) -> actix_cors::Cors {
    origins.iter().fold(
        actix_cors::Cors::default()
            .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
            .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
            .max_age(600),
        |cors, origin| cors.allowed_origin(origin),
    )
}

/// Turns any error response that is not already a problem (actix's own
/// answers, for instance) into one, with nothing of the original body.
pub fn problem_for_every_error<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|response: ServiceResponse<B>| {
        let is_problem = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| {
                let value = value.as_bytes();
                // The dashboard's error pages are pages.
                value.starts_with(PROBLEM_JSON.as_bytes()) || value.starts_with(b"text/html")
            });
        if is_problem {
            return Ok(ErrorHandlerResponse::Response(
                response.map_into_left_body(),
            ));
        }
        let status = response.status();
        let code = match status.as_u16() {
            400 => Code::BadRequest,
            404 => Code::NotFound,
            405 => Code::MethodNotAllowed,
            413 => Code::PayloadTooLarge,
            415 => Code::UnsupportedMediaType,
            431 => Code::HeadersTooLarge,
            503 => Code::Unavailable,
            500..=599 => Code::Internal,
            _ => Code::RequestFailed,
        };
        let detail = status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase();
        let (request, _) = response.into_parts();
        let problem = problem_response(status, code, detail);
        let response: ServiceResponse<EitherBody<B, BoxBody>> =
            ServiceResponse::new(request, problem).map_into_right_body();
        Ok(ErrorHandlerResponse::Response(response))
    })
}

/// Echoes the request id that every log line of the request carries, so a
/// client's report can be matched to the logs.
pub fn request_id_header<S, B>(
    request: ServiceRequest,
    service: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let request_id = request.extensions().get::<RequestId>().copied();
    let response = service.call(request);
    async move {
        let mut response = response.await?;
        if let Some(id) = request_id {
            if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), value);
            }
        }
        Ok(response)
    }
}
