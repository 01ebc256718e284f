//! What an upload is, decided from its first bytes and never from the
//! `Content-Type` the client sent: a browser labels a HEIC photo from an
//! iPhone `image/jpeg` as readily as a hostile client labels a script one.

/// The formats a photo is accepted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
}

/// What the first bytes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Accepted(Format),
    /// An image, but not in a format accepted (its name for the message).
    Unsupported(&'static str),
    /// Not an image this service recognises.
    Unknown,
}

/// The ISO base media file brands of HEIF (HEIC, what iPhones take by
/// default) and AVIF.
const HEIF_BRANDS: &[(&[u8; 4], &str)] = &[
    (b"heic", "HEIC"),
    (b"heix", "HEIC"),
    (b"hevc", "HEIC"),
    (b"heim", "HEIC"),
    (b"heis", "HEIC"),
    (b"mif1", "HEIF"),
    (b"msf1", "HEIF"),
    (b"avif", "AVIF"),
    (b"avis", "AVIF"),
];

pub fn sniff(bytes: &[u8]) -> Sniffed {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Sniffed::Accepted(Format::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Sniffed::Accepted(Format::Png),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => {
            Sniffed::Accepted(Format::WebP)
        }
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Sniffed::Unsupported("GIF"),
        [_, _, _, _, b'f', b't', b'y', b'p', brand @ ..] => heif(brand),
        [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => Sniffed::Unsupported("TIFF"),
        [b'B', b'M', ..] => Sniffed::Unsupported("BMP"),
        [0x00, 0x00, 0x01, 0x00, ..] => Sniffed::Unsupported("ICO"),
        [0xFF, 0x0A, ..] | [0x00, 0x00, 0x00, 0x0C, b'J', b'X', b'L', b' ', ..] => {
            Sniffed::Unsupported("JPEG XL")
        }
        _ if is_svg(bytes) => Sniffed::Unsupported("SVG"),
        _ => Sniffed::Unknown,
    }
}

fn heif(brand: &[u8]) -> Sniffed {
    brand
        .get(..4)
        .and_then(|brand| {
            HEIF_BRANDS
                .iter()
                .find(|(known, _)| known.as_slice() == brand)
        })
        .map_or(Sniffed::Unknown, |(_, name)| Sniffed::Unsupported(name))
}

/// An SVG document: XML text (perhaps after a byte order mark and white
/// space) that opens with a declaration, a comment, a doctype or `<svg`.
fn is_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let text = String::from_utf8_lossy(&head[start..]).to_ascii_lowercase();
    let prologue =
        text.starts_with("<?xml") || text.starts_with("<!--") || text.starts_with("<!doctype");
    text.starts_with("<svg") || (prologue && text.contains("<svg"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_bytes() {
        let cases: &[(&[u8], Sniffed)] = &[
            (
                b"\xFF\xD8\xFF\xE0\x00\x10JFIF",
                Sniffed::Accepted(Format::Jpeg),
            ),
            (
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                Sniffed::Accepted(Format::Png),
            ),
            (b"RIFF\x24\0\0\0WEBPVP8 ", Sniffed::Accepted(Format::WebP)),
            (b"GIF89a\x01\0\x01\0", Sniffed::Unsupported("GIF")),
            (b"GIF87a\x01\0\x01\0", Sniffed::Unsupported("GIF")),
            (b"\0\0\0\x18ftypheic\0\0\0\0", Sniffed::Unsupported("HEIC")),
            (b"\0\0\0\x18ftypmif1\0\0\0\0", Sniffed::Unsupported("HEIF")),
            (b"\0\0\0\x1cftypavif\0\0\0\0", Sniffed::Unsupported("AVIF")),
            (b"\0\0\0\x18ftypisom\0\0\0\0", Sniffed::Unknown),
            (b"II*\0\x08\0\0\0", Sniffed::Unsupported("TIFF")),
            (
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                Sniffed::Unsupported("SVG"),
            ),
            (
                b"\xEF\xBB\xBF\n  <?xml version=\"1.0\"?>\n<svg/>",
                Sniffed::Unsupported("SVG"),
            ),
            (b"<?xml version=\"1.0\"?><note/>", Sniffed::Unknown),
            (b"<!DOCTYPE html><html>", Sniffed::Unknown),
            (b"%PDF-1.7", Sniffed::Unknown),
            (b"", Sniffed::Unknown),
            (b"\xFF\xD8", Sniffed::Unknown),
            (b"RIFF\x24\0\0\0WAVE", Sniffed::Unknown),
        ];
        for (bytes, expected) in cases {
            assert_eq!(sniff(bytes), *expected, "{bytes:?}");
        }
    }

    proptest::proptest! {
        /// The sniffing path takes any bytes at all without a panic, and
        /// never calls bytes without an accepted signature accepted.
        #[test]
        fn any_bytes_are_sniffed_without_a_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            if let Sniffed::Accepted(format) = sniff(&bytes) {
                let signature: &[u8] = match format {
                    Format::Jpeg => b"\xFF\xD8\xFF",
                    Format::Png => b"\x89PNG\r\n\x1a\n",
                    Format::WebP => b"RIFF",
                };
                proptest::prop_assert!(bytes.starts_with(signature));
            }
        }
    }
}
