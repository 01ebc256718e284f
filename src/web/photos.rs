//! Photos on the pages (dashboard and patient app): thumbnails that open
//! the full image, both served by `GET /v1/photos/{id}` with the page's
//! session cookie (authorised and audited there, like the API).

use maud::{html, Markup};
use serde_json::Value;

use super::text;

/// The photos of a list from the API (`[{url, thumbnail_url, ...}]`) as a
/// list named `photos` of linked thumbnails, each named "`photo` N" and
/// what it shows (`about`, such as a check-in's day); nothing when there
/// are none.
pub fn thumbnails(photos: &Value, words: (&str, &str), about: &str) -> Markup {
    let (list_name, photo_word) = words;
    let photos = photos.as_array().map(Vec::as_slice).unwrap_or_default();
    html! {
        @if !photos.is_empty() {
            ul.photos aria-label=(list_name) {
                @for (index, photo) in photos.iter().enumerate() {
                    @let name = format!("{photo_word} {} · {about}", index + 1);
                    li {
                        a href=(text(&photo["url"])) {
                            img src=(text(&photo["thumbnail_url"])) alt=(name) loading="lazy"
                                decoding="async";
                        }
                    }
                }
            }
        }
    }
}
