//! Photos of the treated site: uploaded to a check-in (the image as the
//! body, or one `photo` part of a multipart form), kept re-encoded in the
//! media store, shown to whoever may see the check-in.
//!
//! An upload is read as a stream and refused once it passes the limit;
//! the caller's access and the check-in's room are checked before a byte
//! is read. The object is written before its row is committed, so that a
//! row never points at a missing object; a failed commit removes it again.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, SubsecRound, Utc};
use futures_util::StreamExt;
use serde::Serialize;

use crate::auth::access::{can_see_patient, may_report_for};
use crate::auth::audit::{self, Action};
use crate::auth::extractor::{AppCaller, ReadCaller};
use crate::auth::{secrets, AuthUser};
use crate::clock::{now, utc};
use crate::db::photos::{self, key_of, Photo};
use crate::db::DbConnection;
use crate::domain::accounts::Role;
use crate::error::{ApiError, FieldErrors};
use crate::photos::Refused;
use crate::state::AppState;

/// The most bytes an upload may have.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most photos a check-in may have.
pub const MAX_PER_CHECKIN: usize = 4;
/// Room for a multipart form's boundaries, headers and other small parts.
const FORM_OVERHEAD: usize = 64 * 1024;
/// What every stored image is.
const STORED_TYPE: &str = "image/jpeg";

/// A photo as the API shows it, wherever it is listed.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct PhotoView {
    pub id: String,
    pub checkin_id: String,
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub created_at: DateTime<Utc>,
    pub url: String,
    pub thumbnail_url: String,
}

impl From<&Photo> for PhotoView {
    fn from(photo: &Photo) -> Self {
        Self {
            id: photo.id.clone(),
            checkin_id: photo.checkin_id.clone(),
            content_type: photo.content_type.clone(),
            width: photo.width,
            height: photo.height,
            bytes: photo.bytes,
            created_at: utc(photo.created_at),
            url: format!("/v1/photos/{}", photo.id),
            thumbnail_url: format!("/v1/photos/{}?size=thumb", photo.id),
        }
    }
}

/// The photos of these check-ins by check-in, oldest first: one query.
pub fn by_checkin(
    conn: &mut DbConnection,
    checkin_ids: &[String],
) -> Result<HashMap<String, Vec<PhotoView>>, ApiError> {
    let mut found: HashMap<String, Vec<PhotoView>> = HashMap::new();
    for photo in photos::of_checkins(conn, checkin_ids)? {
        found
            .entry(photo.checkin_id.clone())
            .or_default()
            .push(PhotoView::from(&photo));
    }
    Ok(found)
}

#[tracing::instrument(skip_all, fields(checkin_id = %path))]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    AppCaller(user): AppCaller,
    path: web::Path<uuid::Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Patient, Role::Caregiver, Role::Physician, Role::Nurse])?;
    let checkin_id = path.into_inner().to_string();
    let key = idempotency_key(&req)?;
    let kind = body_kind(&req)?;
    let (caller, checkin, key_sent) = (user.clone(), checkin_id.clone(), key.clone());
    let patient_id = state
        .db
        .run(move |conn| {
            let patient_id = checkin_patient(conn, &caller, &checkin)?;
            // A retry of a photo kept under its key is answered below, even
            // when the check-in has no room left.
            let retried = match key_sent.as_deref() {
                Some(key) => photos::by_key(conn, &checkin, key)?.is_some(),
                None => false,
            };
            if !retried {
                room_left(conn, &checkin)?;
            }
            Ok(patient_id)
        })
        .await?;

    let upload = read_upload(&req, payload, kind).await?;
    let upload_sha256 = secrets::sha256_hex_bytes(&upload);
    let (checkin, key_given, hash) = (checkin_id.clone(), key.clone(), upload_sha256.clone());
    let earlier = state
        .db
        .run(move |conn| photos::earlier(conn, &checkin, key_given.as_deref(), &hash))
        .await?;
    if let Some(earlier) = earlier {
        return repeated(earlier, &upload_sha256);
    }

    let processed = state
        .workshop
        .process(Arc::new(upload))
        .await
        .map_err(refusal)?;
    let photo = Photo {
        id: uuid::Uuid::now_v7().to_string(),
        checkin_id,
        patient_id,
        uploaded_by: user.id.clone(),
        content_type: STORED_TYPE.to_owned(),
        width: dimension(processed.full.width),
        height: dimension(processed.full.height),
        bytes: i64::try_from(processed.full.bytes.len()).unwrap_or(i64::MAX),
        thumb_width: dimension(processed.thumb.width),
        thumb_height: dimension(processed.thumb.height),
        upload_sha256,
        sha256: secrets::sha256_hex_bytes(&processed.full.bytes),
        idempotency_key: key,
        created_at: now().trunc_subsecs(6).naive_utc(),
    };
    store(&state, &photo, processed).await?;
    let row = photo.clone();
    let committed = state
        .db
        .transaction(move |conn| {
            photos::lock_checkin(conn, &row.checkin_id)?;
            if let Some(earlier) = photos::earlier(
                conn,
                &row.checkin_id,
                row.idempotency_key.as_deref(),
                &row.upload_sha256,
            )? {
                return Ok(Err(earlier));
            }
            room_left(conn, &row.checkin_id)?;
            photos::insert(conn, &row)?;
            let at = utc(row.created_at);
            audit::record(
                conn,
                &user,
                Action::Create,
                &[(&row.patient_id, "photo", &row.id)],
                at,
            )?;
            Ok(Ok(()))
        })
        .await;
    match committed {
        Ok(Ok(())) => Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/v1/photos/{}", photo.id)))
            .json(PhotoView::from(&photo))),
        // The same photo arrived twice at once: the other one is kept.
        Ok(Err(earlier)) => {
            forget(&state, &photo.id).await;
            repeated(earlier, &photo.upload_sha256)
        }
        Err(error) => {
            forget(&state, &photo.id).await;
            Err(error)
        }
    }
}

/// The answer to an upload that repeats an earlier one: the earlier photo,
/// unless the same idempotency key came with other bytes.
fn repeated(earlier: Photo, upload_sha256: &str) -> Result<HttpResponse, ApiError> {
    if earlier.upload_sha256 != upload_sha256 {
        return Err(ApiError::PhotoKeyReused);
    }
    Ok(HttpResponse::Ok().json(PhotoView::from(&earlier)))
}

fn dimension(pixels: u32) -> i32 {
    i32::try_from(pixels).unwrap_or(i32::MAX)
}

/// The check-in's patient, if the caller may report for them; else 404.
fn checkin_patient(
    conn: &mut DbConnection,
    user: &AuthUser,
    checkin_id: &str,
) -> Result<String, ApiError> {
    let patient_id = photos::patient_of_checkin(conn, checkin_id)?.ok_or(ApiError::NotFound)?;
    if !may_report_for(conn, user, &patient_id)? {
        return Err(ApiError::NotFound);
    }
    Ok(patient_id)
}

fn room_left(conn: &mut DbConnection, checkin_id: &str) -> Result<(), ApiError> {
    let count = photos::count_of_checkin(conn, checkin_id)?;
    if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_PER_CHECKIN {
        return Err(ApiError::TooManyPhotos(MAX_PER_CHECKIN));
    }
    Ok(())
}

fn refusal(refused: Refused) -> ApiError {
    match refused {
        Refused::Invalid(message) => ApiError::InvalidImage(message),
        Refused::Unsupported(name) => ApiError::UnsupportedImage(format!("the upload is {name}")),
        Refused::TooLarge(width, height) => ApiError::ImageTooLarge { width, height },
    }
}

/// Writes the image and its thumbnail; on failure neither is left.
async fn store(
    state: &AppState,
    photo: &Photo,
    processed: crate::photos::Processed,
) -> Result<(), ApiError> {
    let written = async {
        state
            .media
            .put(&photo.key(false), processed.full.bytes)
            .await?;
        state
            .media
            .put(&photo.key(true), processed.thumb.bytes)
            .await
    }
    .await;
    if let Err(error) = written {
        tracing::warn!(error = %error, photo_id = %photo.id, "a photo could not be stored");
        forget(state, &photo.id).await;
        return Err(ApiError::Unavailable);
    }
    Ok(())
}

/// Removes a photo's objects that no row will point at.
async fn forget(state: &AppState, photo_id: &str) {
    for thumb in [false, true] {
        if let Err(error) = state.media.delete(&key_of(photo_id, thumb)).await {
            tracing::warn!(error = %error, photo_id, "an unused photo object was left in the store");
        }
    }
}

/// `Idempotency-Key`: at most 255 visible ASCII characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err(FieldErrors::single(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        )),
    }
}

#[derive(Clone, Copy)]
enum BodyKind {
    Image,
    Form,
}

fn body_kind(req: &HttpRequest) -> Result<BodyKind, ApiError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|media| media.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match media.as_str() {
        "multipart/form-data" => Ok(BodyKind::Form),
        // Whatever image type is named, the bytes decide.
        image if image.starts_with("image/") => Ok(BodyKind::Image),
        "" => Err(ApiError::UnsupportedImage(
            "the upload has no Content-Type".to_owned(),
        )),
        other => Err(ApiError::UnsupportedImage(format!("the upload is {other}"))),
    }
}

/// The upload's bytes, read as they arrive and refused (413) as soon as
/// they pass `MAX_BYTES`, whatever `Content-Length` claimed.
async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    kind: BodyKind,
) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let allowed = match kind {
        BodyKind::Image => MAX_BYTES,
        BodyKind::Form => MAX_BYTES + FORM_OVERHEAD,
    };
    if declared.is_some_and(|length| length > allowed) {
        return Err(ApiError::PayloadTooLarge(MAX_BYTES));
    }
    match kind {
        BodyKind::Image => {
            let mut payload = payload.into_inner();
            let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(MAX_BYTES));
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|error| {
                    ApiError::InvalidImage(format!("the upload was cut off: {error}"))
                })?;
                if bytes.len() + chunk.len() > MAX_BYTES {
                    return Err(ApiError::PayloadTooLarge(MAX_BYTES));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        }
        BodyKind::Form => read_form(req, payload).await,
    }
}

/// The `photo` part of a multipart form; other parts are read and left.
async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let form_error = |error: actix_multipart::MultipartError| {
        FieldErrors::single(
            "body",
            format!("the multipart form cannot be read: {error}"),
        )
    };
    let mut form = actix_multipart::Multipart::new(req.headers(), payload.into_inner());
    let mut photo: Option<Vec<u8>> = None;
    let mut other_bytes = 0;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(form_error)?;
        let is_photo = field.name() == Some("photo") && photo.is_none();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(form_error)?;
            if is_photo {
                if bytes.len() + chunk.len() > MAX_BYTES {
                    return Err(ApiError::PayloadTooLarge(MAX_BYTES));
                }
                bytes.extend_from_slice(&chunk);
            } else {
                other_bytes += chunk.len();
                if other_bytes > FORM_OVERHEAD {
                    return Err(ApiError::PayloadTooLarge(MAX_BYTES));
                }
            }
        }
        if is_photo {
            photo = Some(bytes);
        }
    }
    photo.ok_or_else(|| FieldErrors::single("photo", "a file part named photo is required"))
}

#[derive(serde::Deserialize)]
pub struct SizeQuery {
    #[serde(default)]
    size: Option<String>,
}

impl SizeQuery {
    /// Whether the thumbnail is asked for.
    pub fn thumb(&self) -> Result<bool, ApiError> {
        match self.size.as_deref() {
            None | Some("full") => Ok(false),
            Some("thumb") => Ok(true),
            Some(_) => Err(ApiError::InvalidQuery(
                "size must be thumb or full".to_owned(),
            )),
        }
    }
}

#[tracing::instrument(skip_all, fields(photo_id = %path))]
pub async fn get(
    state: web::Data<AppState>,
    ReadCaller(user): ReadCaller,
    path: web::Path<uuid::Uuid>,
    query: web::Query<SizeQuery>,
) -> Result<HttpResponse, ApiError> {
    let thumb = query.thumb()?;
    image_response(&state, user, path.into_inner().to_string(), thumb).await
}

/// Whether the caller may see the photo: whoever may see its patient, and
/// a caregiver whose link stands the photos of the check-ins they recorded.
fn may_see_photo(
    conn: &mut DbConnection,
    user: &AuthUser,
    photo: &photos::Photo,
) -> Result<bool, ApiError> {
    if user.role != Role::Caregiver {
        return can_see_patient(conn, user, &photo.patient_id);
    }
    Ok(may_report_for(conn, user, &photo.patient_id)?
        && photos::recorder_of_checkin(conn, &photo.checkin_id)?.as_deref() == Some(&user.id))
}

/// The stored image (or its thumbnail) for a caller who may see its
/// check-in, audited as read; 404 for anyone else. The dashboard and the
/// patient app show photos through this too.
pub async fn image_response(
    state: &AppState,
    user: AuthUser,
    photo_id: String,
    thumb: bool,
) -> Result<HttpResponse, ApiError> {
    let photo = state
        .db
        .run(move |conn| {
            let photo = photos::find(conn, &photo_id)?.ok_or(ApiError::NotFound)?;
            if !may_see_photo(conn, &user, &photo)? {
                return Ok(Err(audit::denied(
                    &user,
                    &[(&photo.patient_id, "photo", &photo.id)],
                    now(),
                )));
            }
            let touched = [(photo.patient_id.as_str(), "photo", photo.id.as_str())];
            Ok(Ok(
                audit::read(&user, &touched, now(), ()).map(|()| photo.clone())
            ))
        })
        .await?;
    let photo = match photo {
        Ok(read) => state.reads.audit(read).await?,
        Err(denied) => {
            state.reads.audit(denied).await?;
            return Err(ApiError::NotFound);
        }
    };
    let bytes = state.media.get(&photo.key(thumb)).await.map_err(|error| {
        tracing::warn!(error = %error, photo_id = %photo.id, "a stored photo could not be read");
        ApiError::Unavailable
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(STORED_TYPE)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "inline; filename=\"photo-{}{}.jpg\"",
                photo.id,
                if thumb { "-thumb" } else { "" }
            ),
        ))
        .body(bytes))
}
