//! From the bytes a patient sent to the images that are kept: the format
//! told by the bytes, the size read from the header before any pixel is
//! decoded, the pixels decoded under a memory limit, turned upright,
//! converted to sRGB, made at most 2048 px on their longest side, and
//! encoded again as JPEG, which keeps none of the original's metadata
//! (EXIF with its GPS position, XMP, IPTC, ICC profile, comments, embedded
//! thumbnails). Runs on a blocking thread: this is CPU work.

use std::io::Cursor;

use image::codecs::jpeg::{JpegDecoder, JpegEncoder};
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{DynamicImage, ImageDecoder, ImageError, Limits, RgbImage};

use super::sniff::{sniff, Format, Sniffed};

/// The most pixels an upload may have (a 40-megapixel camera).
pub const MAX_PIXELS: u64 = 40_000_000;
/// The longest side of the stored image and of its thumbnail.
pub const MAX_SIDE: u32 = 2048;
pub const THUMB_SIDE: u32 = 256;
/// What one decode may allocate: a 40-megapixel RGBA image, with room.
const MAX_ALLOC: u64 = 192 * 1024 * 1024;
const QUALITY: u8 = 85;
const THUMB_QUALITY: u8 = 80;

/// Why an upload is not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not an image, or a truncated or corrupt one.
    Invalid(String),
    /// An image in a format not accepted (its name), or animated.
    Unsupported(String),
    /// More than `MAX_PIXELS` (width, height).
    TooLarge(u32, u32),
}

/// The stored image and its thumbnail, both JPEG.
#[derive(Debug)]
pub struct Processed {
    pub full: Encoded,
    pub thumb: Encoded,
}

#[derive(Debug)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

pub fn process(upload: &[u8]) -> Result<Processed, Refused> {
    let format = match sniff(upload) {
        Sniffed::Accepted(format) => format,
        Sniffed::Unsupported(name) => return Err(Refused::Unsupported(name.to_owned())),
        Sniffed::Unknown => {
            return Err(Refused::Invalid(
                "the upload is not a JPEG, PNG or WebP image".to_owned(),
            ))
        }
    };
    let Decoded {
        mut image,
        orientation,
        icc,
    } = decode(format, upload)?;
    // Smaller first, so that turning and converting touch fewer pixels (a
    // turn by 90 degrees swaps the sides, which a square bound ignores).
    if image.width().max(image.height()) > MAX_SIDE {
        image = image.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    image.apply_orientation(orientation);
    let mut rgb = opaque_rgb(image);
    if let Some(icc) = icc {
        to_srgb(&mut rgb, &icc);
    }
    let thumb = DynamicImage::ImageRgb8(rgb.clone())
        .resize(
            THUMB_SIDE,
            THUMB_SIDE,
            image::imageops::FilterType::Triangle,
        )
        .into_rgb8();
    Ok(Processed {
        full: encode(&rgb, QUALITY)?,
        thumb: encode(&thumb, THUMB_QUALITY)?,
    })
}

struct Decoded {
    image: DynamicImage,
    orientation: image::metadata::Orientation,
    icc: Option<Vec<u8>>,
}

fn decode(format: Format, upload: &[u8]) -> Result<Decoded, Refused> {
    let cursor = Cursor::new(upload);
    match format {
        Format::Jpeg => {
            // The decoder fills a scan cut short with grey; a photo cut
            // short in transit is refused instead.
            if !jpeg_is_whole(upload) {
                return Err(Refused::Invalid("the image is truncated".to_owned()));
            }
            decode_with(JpegDecoder::new(cursor).map_err(invalid)?)
        }
        Format::Png => {
            let decoder = PngDecoder::new(cursor).map_err(invalid)?;
            if decoder.is_apng().map_err(invalid)? {
                return Err(Refused::Unsupported("animated PNG".to_owned()));
            }
            decode_with(decoder)
        }
        Format::WebP => {
            let decoder = WebPDecoder::new(cursor).map_err(invalid)?;
            if decoder.has_animation() {
                return Err(Refused::Unsupported("animated WebP".to_owned()));
            }
            decode_with(decoder)
        }
    }
}

/// Whether the JPEG's end of image follows its first scan. The segments
/// before the scan are stepped over by their lengths (an EXIF thumbnail
/// has an end of image of its own); within a scan 0xFF is always
/// followed by 0x00 or a restart marker, so the first 0xFF 0xD9 after it
/// ends the image or a later scan.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let mut at = 2;
    while let (Some(0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) {
        if marker == 0xFF {
            at += 1;
            continue;
        }
        if marker == 0xDA {
            return bytes[at..].windows(2).any(|pair| pair == [0xFF, 0xD9]);
        }
        let Some(length) = bytes.get(at + 2..at + 4) else {
            return false;
        };
        at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
    }
    false
}

/// The size is known once the header is read: a decompression bomb (a few
/// kilobytes that claim a gigapixel) is refused before any pixel buffer.
fn decode_with(mut decoder: impl ImageDecoder) -> Result<Decoded, Refused> {
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refused::TooLarge(width, height));
    }
    if width == 0 || height == 0 {
        return Err(Refused::Invalid("the image has no pixels".to_owned()));
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    decoder
        .set_limits(limits)
        .map_err(too_large(width, height))?;
    // Metadata that cannot be read is metadata not applied: the picture
    // itself still counts.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(too_large(width, height))?;
    Ok(Decoded {
        image,
        orientation,
        icc,
    })
}

fn invalid(error: ImageError) -> Refused {
    Refused::Invalid(match error {
        ImageError::IoError(_) => "the image is truncated".to_owned(),
        ImageError::Limits(_) => "the image needs more memory than allowed".to_owned(),
        _ => "the image is corrupt or truncated".to_owned(),
    })
}

fn too_large(width: u32, height: u32) -> impl Fn(ImageError) -> Refused {
    move |error| match error {
        ImageError::Limits(_) => Refused::TooLarge(width, height),
        other => invalid(other),
    }
}

/// Eight-bit RGB, transparency laid over white (JPEG has no alpha, and a
/// transparent pixel's colour is often black).
fn opaque_rgb(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut rgb = RgbImage::new(width, height);
    for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = pixel.0;
        let over_white = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            u8::try_from((c * a + 255 * (255 - a) + 127) / 255).unwrap_or(u8::MAX)
        };
        out.0 = [over_white(r), over_white(g), over_white(b)];
    }
    rgb
}

/// Converts the pixels from the image's RGB profile to sRGB; a profile
/// that cannot be read or is not RGB leaves them as they are.
fn to_srgb(rgb: &mut RgbImage, icc: &[u8]) {
    use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};
    let Ok(source) = ColorProfile::new_from_slice(icc) else {
        return;
    };
    if source.color_space != DataColorSpace::Rgb {
        return;
    }
    let Ok(transform) = source.create_transform_8bit(
        Layout::Rgb,
        &ColorProfile::new_srgb(),
        Layout::Rgb,
        TransformOptions::default(),
    ) else {
        return;
    };
    let mut converted = vec![0; rgb.as_raw().len()];
    if transform.transform(rgb.as_raw(), &mut converted).is_ok() {
        rgb.copy_from_slice(&converted);
    }
}

fn encode(rgb: &RgbImage, quality: u8) -> Result<Encoded, Refused> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(rgb)
        .map_err(|_| Refused::Invalid("the image could not be encoded again".to_owned()))?;
    Ok(Encoded {
        bytes,
        width: rgb.width(),
        height: rgb.height(),
    })
}
