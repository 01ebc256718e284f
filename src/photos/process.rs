//! From the bytes a patient sent to the images that are kept: the format
//! told by the bytes, the size read from the header before any pixel is
//! decoded, the pixels decoded under a memory limit, turned upright,
//! converted to sRGB, made at most 2048 px on their longest side, and
//! encoded again as JPEG, which keeps none of the original's metadata
//! (EXIF with its GPS position, XMP, IPTC, ICC profile, comments, embedded
//! thumbnails). Runs on a blocking thread: this is CPU work.

use std::io::Cursor;

use fast_image_resize as fr;
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
        image,
        orientation,
        icc,
    } = decode(format, upload)?;
    // Smaller first, so that turning and converting touch fewer pixels (a
    // turn by 90 degrees swaps the sides, which a square bound ignores).
    let rgb = fit(opaque_rgb(image), MAX_SIDE)?;
    let mut turned = DynamicImage::ImageRgb8(rgb);
    turned.apply_orientation(orientation);
    let mut rgb = turned.into_rgb8();
    if let Some(icc) = icc {
        to_srgb(&mut rgb, &icc);
    }
    let thumb = fit(rgb.clone(), THUMB_SIDE)?;
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

/// The image within `side` x `side`, its shape kept; one that fits
/// already is kept as it is (never enlarged). An antialiased bilinear
/// convolution on the 8-bit pixels (fast_image_resize), so that a
/// 12-megapixel photo needs no floating-point copy of itself.
fn fit(rgb: RgbImage, side: u32) -> Result<RgbImage, Refused> {
    let (width, height) = rgb.dimensions();
    let longest = width.max(height);
    if longest <= side {
        return Ok(rgb);
    }
    let scaled = |length: u32| {
        let exact = u64::from(length) * u64::from(side) / u64::from(longest);
        u32::try_from(exact).unwrap_or(side).max(1)
    };
    let (to_width, to_height) = (scaled(width), scaled(height));
    let failed = |_| Refused::Invalid("the image could not be resized".to_owned());
    let source = fr::images::ImageRef::new(width, height, rgb.as_raw(), fr::PixelType::U8x3)
        .map_err(failed)?;
    let mut target = fr::images::Image::new(to_width, to_height, fr::PixelType::U8x3);
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
    fr::Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|_| Refused::Invalid("the image could not be resized".to_owned()))?;
    RgbImage::from_raw(to_width, to_height, target.into_vec())
        .ok_or_else(|| Refused::Invalid("the image could not be resized".to_owned()))
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

#[cfg(test)]
mod tests {
    use image::codecs::png::PngEncoder;
    use image::codecs::webp::WebPEncoder;
    use image::{ImageEncoder, Rgb};
    use proptest::prelude::*;

    use super::*;

    /// A picture of `width` x `height` in `format`, a gradient so that
    /// mutations land on varied bytes.
    fn picture(format: Format, width: u32, height: u32) -> Vec<u8> {
        let rgb = RgbImage::from_fn(width, height, |x, y| {
            Rgb([
                (x * 7 % 256) as u8,
                (y * 5 % 256) as u8,
                ((x + y) % 256) as u8,
            ])
        });
        let mut bytes = Vec::new();
        match format {
            Format::Jpeg => JpegEncoder::new_with_quality(&mut bytes, 90)
                .encode_image(&rgb)
                .unwrap(),
            Format::Png => PngEncoder::new(&mut bytes)
                .write_image(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
                .unwrap(),
            Format::WebP => WebPEncoder::new_lossless(&mut bytes)
                .encode(rgb.as_raw(), width, height, image::ExtendedColorType::Rgb8)
                .unwrap(),
        }
        bytes
    }

    fn format() -> impl Strategy<Value = Format> {
        prop_oneof![Just(Format::Jpeg), Just(Format::Png), Just(Format::WebP)]
    }

    /// What every kept image is, whatever was sent: a baseline JPEG with
    /// no segment but the coder's own (no EXIF, XMP, ICC or comment), at
    /// most 2048 px, with a thumbnail of at most 256 px.
    fn assert_kept(processed: &Processed) {
        for (encoded, side) in [(&processed.full, MAX_SIDE), (&processed.thumb, THUMB_SIDE)] {
            assert!(encoded.bytes.starts_with(&[0xFF, 0xD8]));
            assert!(encoded.width.max(encoded.height) <= side);
            assert!(encoded.width > 0 && encoded.height > 0);
            let mut at = 2;
            while let (Some(0xFF), Some(&marker)) =
                (encoded.bytes.get(at), encoded.bytes.get(at + 1))
            {
                if marker == 0xDA {
                    break;
                }
                assert!(
                    !matches!(marker, 0xE1..=0xEF | 0xFE),
                    "a metadata segment {marker:#x} was kept"
                );
                let length = &encoded.bytes[at + 2..at + 4];
                at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_bytes_are_refused_or_kept_without_a_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        ) {
            if let Ok(processed) = process(&bytes) {
                assert_kept(&processed);
            }
        }

        #[test]
        fn a_damaged_picture_is_refused_or_kept_without_a_panic(
            format in format(),
            (width, height) in (1u32..96, 1u32..96),
            damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let mut bytes = picture(format, width, height);
            for (at, value) in damage {
                let at = at.index(bytes.len());
                bytes[at] = value;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len()));
            }
            if let Ok(processed) = process(&bytes) {
                assert_kept(&processed);
            }
        }

        #[test]
        fn a_whole_picture_keeps_its_size_and_its_thumbnail_its_shape(
            format in format(),
            (width, height) in (1u32..400, 1u32..400),
        ) {
            let processed = process(&picture(format, width, height)).unwrap();
            assert_kept(&processed);
            prop_assert_eq!((processed.full.width, processed.full.height), (width, height));
            let thumb = &processed.thumb;
            if width.max(height) <= THUMB_SIDE {
                prop_assert_eq!((thumb.width, thumb.height), (width, height));
            } else {
                // The longest side is 256; the other keeps the ratio, to a pixel.
                prop_assert_eq!(thumb.width.max(thumb.height), THUMB_SIDE);
                let kept = f64::from(thumb.width) / f64::from(thumb.height);
                let sent = f64::from(width) / f64::from(height);
                let one_pixel = 1.0 / f64::from(thumb.width.min(thumb.height)) * kept.max(1.0);
                prop_assert!((kept - sent).abs() <= one_pixel * 1.5, "{kept} vs {sent}");
            }
        }
    }

    #[test]
    fn a_header_that_claims_a_gigapixel_is_refused_before_decoding() {
        // A PNG header for 50,000 x 50,000 pixels and nothing else.
        let mut png = picture(Format::Png, 1, 1);
        png[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        let crc = crc_of(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            process(&png).unwrap_err(),
            Refused::TooLarge(50_000, 50_000)
        );
    }

    /// PNG's chunk CRC (ISO 3309), bit by bit: the test's own, so as not
    /// to trust the decoder's.
    fn crc_of(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    0xEDB8_8320 ^ (crc >> 1)
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
