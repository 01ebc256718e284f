//! An upload's bytes through the whole path a photo takes before it is
//! kept: the format told by the bytes, the header's size, the decoding
//! under its memory limit, the turn, the colour conversion and the JPEG
//! encoding. Anything may be refused; nothing may panic, hang or take
//! more memory than the limit allows, and whatever is kept is a JPEG
//! within the stored sizes.
#![no_main]

use aftercare::photos::process::{process, MAX_SIDE, THUMB_SIDE};
use aftercare::photos::sniff::{sniff, Sniffed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|upload: &[u8]| {
    let sniffed = sniff(upload);
    let kept = process(upload);
    if let Ok(kept) = kept {
        assert!(matches!(sniffed, Sniffed::Accepted(_)));
        for (image, side) in [(&kept.full, MAX_SIDE), (&kept.thumb, THUMB_SIDE)] {
            assert!(image.bytes.starts_with(&[0xFF, 0xD8]));
            assert!(image.width.max(image.height) <= side);
        }
    }
});
