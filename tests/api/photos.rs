//! Photos of the treated site: every bad input of the contract, what is
//! kept of a good one (read back from the store: no metadata, upright,
//! sRGB, at most 2048 px, a 256 px thumbnail), who may see it, and that a
//! failed store write leaves no row behind. The S3 store is tested against
//! a real S3-compatible server (moto) in tests/api/photo_store.rs.

use image::{ImageEncoder, Rgb, RgbImage};
use serde_json::json;

use crate::helpers::{Clinic, Reply, TestApp};
use crate::photo_store::{stores, Store};

/// A JPEG of `width` x `height`, left half red and right half blue.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    jpeg_of(&RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    }))
}

pub fn jpeg_of(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(image)
        .unwrap();
    bytes
}

/// A plain colour, so that each photo of a test is other bytes.
pub fn jpeg_coloured(shade: u8) -> Vec<u8> {
    jpeg_of(&RgbImage::from_pixel(64, 48, Rgb([shade, 100, 100])))
}

/// The JPEG with these segments (marker, payload) right after its SOI.
fn with_segments(jpeg: &[u8], segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    for (marker, payload) in segments {
        out.extend_from_slice(&[0xFF, *marker]);
        out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// An EXIF block (little-endian TIFF) with an orientation and a GPS
/// position.
fn exif(orientation: u16) -> Vec<u8> {
    let mut tiff = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    tiff.extend_from_slice(&2u16.to_le_bytes());
    // Orientation, SHORT.
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0]);
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    // The GPS IFD, LONG offset 38.
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    // GPSLatitudeRef "N".
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    payload
}

/// A camera photo as it arrives: EXIF with GPS and orientation 6 (turn 90
/// degrees clockwise), XMP, IPTC, an ICC profile (Display P3) and a
/// comment.
pub fn camera_jpeg(width: u32, height: u32) -> Vec<u8> {
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend_from_slice(&p3);
    with_segments(
        &jpeg(width, height),
        &[
            (0xE1, exif(6)),
            (
                0xE1,
                b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>35,41N</exif:GPSLatitude></x:xmpmeta>"
                    .to_vec(),
            ),
            (0xED, b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x0cClinic Tokyo".to_vec()),
            (0xE2, icc),
            (0xFE, b"taken at home, 35.68N 139.69E".to_vec()),
        ],
    )
}

/// The markers of a JPEG up to its first scan.
pub fn markers(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], b"\xFF\xD8", "a JPEG");
    let mut found = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        assert_eq!(jpeg[at], 0xFF);
        let marker = jpeg[at + 1];
        found.push(marker);
        if marker == 0xDA {
            break;
        }
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        at += 2 + length;
    }
    found
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut checked = kind.to_vec();
    checked.extend_from_slice(data);
    out.extend_from_slice(&crc32(&checked).to_be_bytes());
    out
}

/// A PNG with transparency, and these chunks right after its IHDR.
fn png_with(extra: &[Vec<u8>]) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(40, 30, |x, _| {
        if x < 20 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([0, 160, 0, 255])
        }
    });
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(image.as_raw(), 40, 30, image::ExtendedColorType::Rgba8)
        .unwrap();
    // Signature (8) and IHDR (4 + 4 + 13 + 4).
    let mut out = png[..33].to_vec();
    for chunk in extra {
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&png[33..]);
    out
}

/// A PNG whose header claims `width` x `height` and has no pixels.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&chunk(b"IHDR", &ihdr));
    out.extend_from_slice(&chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend_from_slice(&chunk(b"IEND", &[]));
    out
}

/// The JPEG with its frame header changed to claim `width` x `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = jpeg(16, 16);
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame");
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

fn webp() -> Vec<u8> {
    let image = RgbImage::from_pixel(30, 20, Rgb([200, 180, 40]));
    let mut bytes = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut bytes)
        .write_image(image.as_raw(), 30, 20, image::ExtendedColorType::Rgb8)
        .unwrap();
    bytes
}

const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// A check-in of the clinic's patient; its id.
pub async fn checkin(clinic: &Clinic) -> String {
    clinic.report(30, json!({})).await.body["checkin"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Uploads `bytes` as the body, as `content_type`.
pub async fn upload(
    app: &TestApp,
    token: &str,
    checkin_id: &str,
    content_type: &str,
    bytes: Vec<u8>,
    key: Option<&str>,
) -> Reply {
    let path = format!("/v1/checkins/{checkin_id}/photos");
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(bytes);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let reply = app.send(request).await;
    crate::spec::check_against_spec("POST", &path, &reply);
    reply
}

/// The stored image: status, headers and bytes.
pub async fn fetch(
    app: &TestApp,
    token: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

#[actix_web::test]
async fn a_camera_photo_is_kept_upright_in_srgb_without_metadata_and_at_most_2048_px() {
    for store in stores() {
        a_camera_photo_is_kept_in(&store).await;
    }
}

async fn a_camera_photo_is_kept_in(store: &Store) {
    let clinic = Clinic::with(store.app(false).await, 48, "Asia/Tokyo", "ja").await;
    let checkin_id = checkin(&clinic).await;
    let sent = camera_jpeg(3000, 2000);
    let reply = upload(
        &clinic.app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        sent.clone(),
        None,
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let photo = &reply.body;
    // Turned a quarter clockwise: 2000 x 3000, then fitted in 2048.
    assert_eq!(
        (
            &photo["checkin_id"],
            &photo["content_type"],
            &photo["width"],
            &photo["height"]
        ),
        (
            &json!(checkin_id),
            &json!("image/jpeg"),
            &json!(1365),
            &json!(2048)
        )
    );
    let id = photo["id"].as_str().unwrap();
    assert_eq!(
        reply.header("location"),
        Some(format!("/v1/photos/{id}").as_str())
    );

    let (status, headers, stored) =
        fetch(&clinic.app, &clinic.patient, &format!("/v1/photos/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(
        cache.contains("no-store") && cache.contains("private"),
        "{cache}"
    );
    assert_eq!(photo["bytes"], json!(stored.len()));
    // Only the JFIF header and the image's own tables: no APP1 (EXIF,
    // XMP), APP2 (ICC), APP13 (IPTC) or comment.
    let found = markers(&stored);
    assert!(
        found
            .iter()
            .all(|m| matches!(m, 0xE0 | 0xDB | 0xC0 | 0xC2 | 0xC4 | 0xDD | 0xDA)),
        "markers {found:02x?}"
    );
    for needle in [
        &b"Exif"[..],
        b"GPS",
        b"35,41N",
        b"ICC_PROFILE",
        b"Clinic Tokyo",
        b"taken at home",
    ] {
        assert!(
            !stored.windows(needle.len()).any(|w| w == needle),
            "{needle:?} survived"
        );
    }
    let image = image::load_from_memory(&stored).unwrap().into_rgb8();
    assert_eq!(image.dimensions(), (1365, 2048));
    // The left half (red) is now on top, the right half (blue) below.
    let top = image.get_pixel(680, 200).0;
    let bottom = image.get_pixel(680, 1850).0;
    assert!(top[0] > 150 && top[2] < 90, "top {top:?}");
    assert!(bottom[2] > 150 && bottom[0] < 90, "bottom {bottom:?}");
    // Display P3 red is more saturated in sRGB terms than the same numbers
    // read as sRGB: the conversion moved green and blue down.
    assert!(
        top[1] < 12 && top[2] < 12,
        "converted from Display P3: {top:?}"
    );

    let (status, headers, thumb) = fetch(
        &clinic.app,
        &clinic.patient,
        &format!("/v1/photos/{id}?size=thumb"),
    )
    .await;
    assert_eq!(
        (status, &headers["content-type"]),
        (200, &"image/jpeg".parse().unwrap())
    );
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!(thumb.height(), 256);
    assert!((170..=171).contains(&thumb.width()), "{}", thumb.width());
    assert_eq!(
        fetch(
            &clinic.app,
            &clinic.patient,
            &format!("/v1/photos/{id}?size=huge")
        )
        .await
        .0,
        400
    );
    assert_eq!(
        clinic.app.count("SELECT COUNT(*) AS n FROM photos WHERE length(upload_sha256) = 64 AND length(sha256) = 64"),
        1
    );
    assert_eq!(
        store.objects(&clinic.app).await,
        [format!("photos/{id}.jpg"), format!("photos/{id}.thumb.jpg")],
        "{}",
        store.name()
    );
}

#[actix_web::test]
async fn png_and_webp_are_accepted_and_transparency_becomes_white() {
    let clinic = Clinic::new(48).await;
    let checkin_id = checkin(&clinic).await;
    let png = png_with(&[
        chunk(b"tEXt", b"Comment\0taken at home"),
        chunk(b"eXIf", &exif(1)[6..]),
    ]);
    // Labelled as something else: the bytes decide.
    let reply = upload(
        &clinic.app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        png,
        None,
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(
        (&reply.body["width"], &reply.body["height"]),
        (&json!(40), &json!(30))
    );
    let id = reply.body["id"].as_str().unwrap();
    let (_, _, stored) = fetch(&clinic.app, &clinic.patient, &format!("/v1/photos/{id}")).await;
    assert!(!stored.windows(13).any(|w| w == b"taken at home"));
    let image = image::load_from_memory(&stored).unwrap().into_rgb8();
    let clear = image.get_pixel(5, 15).0;
    assert!(
        clear.iter().all(|c| *c > 235),
        "transparent became white: {clear:?}"
    );

    let reply = upload(
        &clinic.app,
        &clinic.patient,
        &checkin_id,
        "image/webp",
        webp(),
        None,
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(
        (&reply.body["width"], &reply.body["height"]),
        (&json!(30), &json!(20))
    );
}

#[actix_web::test]
async fn every_bad_upload_of_the_contract_is_refused_and_nothing_is_stored() {
    for store in stores() {
        every_bad_upload_is_refused_by(&store).await;
    }
}

async fn every_bad_upload_is_refused_by(store: &Store) {
    let clinic = Clinic::with(store.app(false).await, 48, "Asia/Tokyo", "ja").await;
    let checkin_id = checkin(&clinic).await;
    let app = &clinic.app;
    let mut truncated = jpeg(800, 600);
    truncated.truncate(truncated.len() / 2);
    let apng = png_with(&[chunk(b"acTL", &[0, 0, 0, 1, 0, 0, 0, 0])]);
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x08free".to_vec();
    /// What is sent, as what, and the answer: status, code, a word of the detail.
    type Case<'a> = (&'a str, &'a str, Vec<u8>, u16, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "not an image",
            "image/jpeg",
            b"hello, this is text".to_vec(),
            422,
            "invalid_image",
            "JPEG, PNG or WebP",
        ),
        (
            "truncated JPEG",
            "image/jpeg",
            truncated,
            422,
            "invalid_image",
            "truncated",
        ),
        (
            "truncated PNG",
            "image/png",
            png_with(&[])[..60].to_vec(),
            422,
            "invalid_image",
            "",
        ),
        (
            "GIF",
            "image/gif",
            GIF.to_vec(),
            415,
            "unsupported_media_type",
            "GIF",
        ),
        (
            "SVG",
            "image/svg+xml",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            415,
            "unsupported_media_type",
            "SVG",
        ),
        (
            "HEIC",
            "image/heic",
            heic,
            415,
            "unsupported_media_type",
            "HEIC",
        ),
        (
            "animated PNG",
            "image/png",
            apng,
            415,
            "unsupported_media_type",
            "animated",
        ),
        (
            "JSON",
            "application/json",
            b"{}".to_vec(),
            415,
            "unsupported_media_type",
            "application/json",
        ),
        (
            "too many pixels (PNG)",
            "image/png",
            png_claiming(10_000, 10_000),
            422,
            "image_too_large",
            "40 megapixels",
        ),
        (
            "too many pixels (JPEG)",
            "image/jpeg",
            jpeg_claiming(8000, 6000),
            422,
            "image_too_large",
            "8000 x 6000",
        ),
        (
            "too many bytes",
            "image/jpeg",
            vec![0xFF; 10 * 1024 * 1024 + 1],
            413,
            "payload_too_large",
            "",
        ),
    ];
    for (what, content_type, bytes, status, code, detail) in cases {
        let reply = upload(app, &clinic.patient, &checkin_id, content_type, bytes, None).await;
        assert_eq!(
            (reply.status, reply.code()),
            (status, code),
            "{what}: {:?}",
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
        assert!(
            reply.body["detail"].as_str().unwrap().contains(detail),
            "{what}: {:?}",
            reply.body
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM photos"), 0);
    let objects = store.objects(app).await;
    assert!(
        objects.is_empty(),
        "{}: nothing stored: {objects:?}",
        store.name()
    );
}

#[actix_web::test]
async fn an_upload_streamed_past_the_limit_is_refused_while_it_is_read() {
    let clinic = Clinic::new(48).await;
    let checkin_id = checkin(&clinic).await;
    // No Content-Length: the limit holds as the chunks arrive.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..12).map(|_| Ok(vec![0xFFu8; 1024 * 1024])).collect();
    let request = clinic
        .app
        .client
        .post(format!(
            "{}/v1/checkins/{checkin_id}/photos",
            clinic.app.address
        ))
        .bearer_auth(&clinic.patient)
        .header("Content-Type", "image/jpeg")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )));
    let reply = clinic.app.send(request).await;
    assert_eq!(
        (reply.status, reply.code()),
        (413, "payload_too_large"),
        "{:?}",
        reply.body
    );
}

#[actix_web::test]
async fn a_multipart_form_with_a_photo_part_is_accepted() {
    let clinic = Clinic::new(48).await;
    let checkin_id = checkin(&clinic).await;
    let boundary = "----aftercare-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nleft cheek\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"IMG_0001.JPG\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&jpeg(320, 240));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let reply = upload(
        &clinic.app,
        &clinic.patient,
        &checkin_id,
        &content_type,
        body,
        None,
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(
        (&reply.body["width"], &reply.body["height"]),
        (&json!(320), &json!(240))
    );

    let empty = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n--{boundary}--\r\n");
    let reply = upload(
        &clinic.app,
        &clinic.patient,
        &checkin_id,
        &content_type,
        empty.into_bytes(),
        None,
    )
    .await;
    assert_eq!(
        (reply.status, reply.code()),
        (422, "validation_failed"),
        "{:?}",
        reply.body
    );
    assert!(reply.body["errors"]["photo"].is_array());
}

#[actix_web::test]
async fn a_check_in_takes_four_photos_and_retries_are_answered_with_the_first() {
    let clinic = Clinic::new(48).await;
    let checkin_id = checkin(&clinic).await;
    let app = &clinic.app;
    let first = upload(
        app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg_coloured(10),
        Some("photo-1"),
    )
    .await;
    assert_eq!(first.status, 201);
    let again = upload(
        app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg_coloured(10),
        Some("photo-1"),
    )
    .await;
    assert_eq!((again.status, &again.body["id"]), (200, &first.body["id"]));
    let other = upload(
        app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg_coloured(200),
        Some("photo-1"),
    )
    .await;
    assert_eq!((other.status, other.code()), (409, "idempotency_conflict"));
    // The same bytes without a key are the same photo.
    let same = upload(
        app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg_coloured(10),
        None,
    )
    .await;
    assert_eq!((same.status, &same.body["id"]), (200, &first.body["id"]));
    // The physician on the care team adds photos too.
    for shade in [60, 110, 160] {
        let reply = upload(
            app,
            &clinic.physician,
            &checkin_id,
            "image/jpeg",
            jpeg_coloured(shade),
            None,
        )
        .await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
    }
    let fifth = upload(
        app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg_coloured(240),
        None,
    )
    .await;
    assert_eq!(
        (fifth.status, fifth.code()),
        (409, "too_many_photos"),
        "{:?}",
        fifth.body
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM photos"), 4);
    // A retry under its key is still answered once the check-in is full
    // (the device did not hear the first answer).
    let retried = upload(
        app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg_coloured(10),
        Some("photo-1"),
    )
    .await;
    assert_eq!(
        (retried.status, &retried.body["id"]),
        (200, &first.body["id"])
    );
    let bad_key = upload(
        app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg_coloured(30),
        Some("a key with spaces"),
    )
    .await;
    assert_eq!((bad_key.status, bad_key.code()), (422, "validation_failed"));
}

#[actix_web::test]
async fn only_who_may_see_the_check_in_sees_its_photos_and_each_look_is_audited() {
    let clinic = Clinic::new(48).await;
    let checkin_id = checkin(&clinic).await;
    let app = &clinic.app;
    let reply = upload(
        app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg(100, 80),
        None,
    )
    .await;
    let photo = format!("/v1/photos/{}", reply.body["id"].as_str().unwrap());

    let (_, stranger_physician) = app.physician("Dr Kato").await;
    let stranger_patient = {
        let reply = app
            .post(
                "/v1/patients",
                Some(&stranger_physician),
                json!({"display_name": "Mori Ken", "timezone": "Asia/Tokyo", "locale": "ja"}),
            )
            .await;
        let code = reply.body["invite"]["code"].as_str().unwrap().to_owned();
        app.register(&code, "ken@example.jp").await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let admin = app.admin_token().await;
    for (who, token, status) in [
        ("the patient", clinic.patient.as_str(), 200),
        ("the care team", clinic.physician.as_str(), 200),
        ("an admin", admin.as_str(), 200),
        ("another physician", stranger_physician.as_str(), 404),
        ("another patient", stranger_patient.as_str(), 404),
    ] {
        assert_eq!(fetch(app, token, &photo).await.0, status, "{who}");
        assert_eq!(
            fetch(app, token, &format!("{photo}?size=thumb")).await.0,
            status,
            "{who}"
        );
    }
    assert_eq!(fetch(app, "", &photo).await.0, 401);
    assert_eq!(
        fetch(
            app,
            &clinic.patient,
            &format!("/v1/photos/{}", uuid::Uuid::new_v4())
        )
        .await
        .0,
        404
    );
    // Uploads to a check-in the caller may not see are 404 too, before a
    // byte is decoded; admins read but do not add.
    for token in [&stranger_physician, &stranger_patient] {
        let reply = upload(app, token, &checkin_id, "image/jpeg", jpeg(50, 50), None).await;
        assert_eq!((reply.status, reply.code()), (404, "not_found"));
    }
    let reply = upload(app, &admin, &checkin_id, "image/jpeg", jpeg(50, 50), None).await;
    assert_eq!(reply.status, 403);
    let unknown = upload(
        app,
        &clinic.patient,
        &uuid::Uuid::new_v4().to_string(),
        "image/jpeg",
        jpeg(50, 50),
        None,
    )
    .await;
    assert_eq!(unknown.status, 404);

    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource_type = 'photo' AND action = 'read'"),
        6
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource_type = 'photo' AND action = 'deny'"),
        4
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource_type = 'photo' AND action = 'create'"),
        1
    );
}

#[actix_web::test]
async fn a_failed_store_write_leaves_no_row_and_no_object() {
    for store in stores() {
        let clinic = Clinic::with(store.app(true).await, 48, "Asia/Tokyo", "ja").await;
        let checkin_id = checkin(&clinic).await;
        let app = &clinic.app;
        let reply = upload(
            app,
            &clinic.patient,
            &checkin_id,
            "image/jpeg",
            jpeg(100, 80),
            None,
        )
        .await;
        assert_eq!(
            (reply.status, reply.code()),
            (503, "service_unavailable"),
            "{}: {:?}",
            store.name(),
            reply.body
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM photos"), 0);
        assert!(store.objects(app).await.is_empty(), "{}", store.name());
        if let Store::Local = store {
            store.mend(app);
            let reply = upload(
                app,
                &clinic.patient,
                &checkin_id,
                "image/jpeg",
                jpeg(100, 80),
                None,
            )
            .await;
            assert_eq!(
                reply.status, 201,
                "the same upload goes through once the store works"
            );
            assert_eq!(
                store.objects(app).await.len(),
                2,
                "the image and its thumbnail"
            );
        }
    }
}
