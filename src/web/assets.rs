//! The dashboard's static files, built into the binary.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::error::ApiError;

/// (name, content type, bytes) of every file under static/.
const FILES: &[(&str, &str, &str)] = &[
    (
        "dashboard.css",
        "text/css; charset=utf-8",
        include_str!("../../static/dashboard.css"),
    ),
    (
        "dashboard.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/dashboard.js"),
    ),
];

pub async fn file(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (_, content_type, body) = FILES
        .iter()
        .find(|(file, _, _)| *file == name.as_str())
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(*body))
}
