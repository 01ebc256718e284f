//! The symptom catalogue as the apps show it: every code, its group and
//! its label in both languages (clinical-rules.md, "Symptom catalogue").

use actix_web::HttpResponse;
use serde::Serialize;

use crate::auth::AuthUser;
use crate::domain::symptoms::Symptom;

#[derive(Serialize)]
struct Labels {
    en: &'static str,
    ja: &'static str,
}

#[derive(Serialize)]
struct Entry {
    code: &'static str,
    group: &'static str,
    labels: Labels,
}

#[derive(Serialize)]
struct Catalogue {
    items: Vec<Entry>,
}

/// Any signed-in user: the catalogue holds no patient data.
#[tracing::instrument(skip_all)]
pub async fn catalogue(_user: AuthUser) -> HttpResponse {
    let items = Symptom::ALL
        .iter()
        .map(|s| Entry {
            code: s.code(),
            group: s.group().as_str(),
            labels: Labels {
                en: s.label_en(),
                ja: s.label_ja(),
            },
        })
        .collect();
    HttpResponse::Ok().json(Catalogue { items })
}
