//! Photos on the dashboard's pages: thumbnails that open the full image,
//! both served by `GET /v1/photos/{id}` with the page's session cookie
//! (authorised and audited there, like the API).

use maud::{html, Markup};
use serde_json::Value;

use super::text;
use super::texts::Texts;

/// The photos of a list from the API (`[{url, thumbnail_url, ...}]`) as
/// linked thumbnails, each named "Photo N" and what it shows (`about`,
/// such as a check-in's day); nothing when there are none.
pub fn thumbnails(t: &Texts, photos: &Value, about: &str) -> Markup {
    let photos = photos.as_array().map(Vec::as_slice).unwrap_or_default();
    html! {
        @if !photos.is_empty() {
            ul.photos aria-label=(t.photos) {
                @for (index, photo) in photos.iter().enumerate() {
                    @let name = format!("{} {} · {about}", t.photo, index + 1);
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
