//! Where photos are shown: on their check-in in the list, on the timeline's
//! day, beside the alert's evidence and on the dashboard's alert and
//! patient pages, whose thumbnails the page's own session cookie loads
//! (and only the cookie of someone who may see the patient).

use reqwest::header::COOKIE;
use serde_json::{json, Value};

use crate::dashboard::Browser;
use crate::helpers::*;
use crate::photos::{jpeg, upload};

/// What a cookie (and nothing else) fetches: status and content type.
async fn fetch_with_cookie(browser: &Browser<'_>, path: &str) -> (u16, String) {
    let response = browser
        .client
        .get(format!("{}{path}", browser.address()))
        .header(COOKIE, browser.cookie_header())
        .send()
        .await
        .unwrap();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.status().as_u16(), kind)
}

#[actix_web::test]
async fn a_photo_is_listed_on_its_check_in_its_day_its_alert_and_the_dashboard() {
    let clinic = Clinic::new(30).await;
    let quiet = clinic.report(2, json!({"symptoms": {"redness": 1}})).await;
    let urgent = clinic
        .report(25, json!({"symptoms": {"headache": 4}}))
        .await;
    let checkin_id = urgent.body["checkin"]["id"].as_str().unwrap().to_owned();
    let alert_id = urgent.body["alerts"][0]["id"].as_str().unwrap().to_owned();
    let photo = upload(
        &clinic.app,
        &clinic.patient,
        &checkin_id,
        "image/jpeg",
        jpeg(640, 480),
        None,
    )
    .await;
    assert_eq!(photo.status, 201, "{:?}", photo.body);
    let photo_id = photo.body["id"].as_str().unwrap().to_owned();
    let shown = json!([photo.body]);

    let list = clinic
        .app
        .get(
            &format!("/v1/treatments/{}/checkins", clinic.treatment_id),
            &clinic.physician,
        )
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let photos_of = |id: &Value| -> Value {
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["id"] == *id)
            .map(|item| item["photos"].clone())
            .unwrap()
    };
    assert_eq!(photos_of(&urgent.body["checkin"]["id"]), shown);
    assert_eq!(photos_of(&quiet.body["checkin"]["id"]), json!([]));

    let timeline = clinic
        .app
        .get(
            &format!("/v1/patients/{}/timeline", clinic.patient_id),
            &clinic.physician,
        )
        .await;
    assert_eq!(timeline.status, 200, "{:?}", timeline.body);
    let days = timeline.body["treatments"][0]["days"].as_array().unwrap();
    let with_photos: Vec<(i64, &Value)> = days
        .iter()
        .map(|d| (d["day"].as_i64().unwrap(), &d["photos"]))
        .filter(|(_, photos)| photos.as_array().is_some_and(|p| !p.is_empty()))
        .collect();
    // The check-in's own local day (which day it is depends on the hour
    // in Tokyo the test runs at).
    let day = urgent.body["checkin"]["day"].as_i64().unwrap();
    assert_eq!(with_photos, vec![(day, &shown)]);

    let alert = clinic
        .app
        .get(&format!("/v1/alerts/{alert_id}"), &clinic.physician)
        .await;
    assert_eq!(alert.status, 200, "{:?}", alert.body);
    assert_eq!(alert.body["evidence"][0]["photos"], shown);

    // The dashboard shows the thumbnail, linked to the full image, and the
    // page's cookie loads both.
    let thumb = format!("/v1/photos/{photo_id}?size=thumb");
    let full = format!("/v1/photos/{photo_id}");
    let mut browser = Browser::new(&clinic.app);
    browser.sign_in("dr.sato@clinic.example", PASSWORD).await;
    for page in [
        format!("/dashboard/alerts/{alert_id}"),
        format!("/dashboard/patients/{}", clinic.patient_id),
    ] {
        let body = browser.get(&page).await.body;
        let link = format!(r#"<a href="{full}"><img src="{thumb}""#);
        assert!(body.contains(&link), "{page} shows no linked thumbnail");
    }
    for path in [&thumb, &full] {
        assert_eq!(
            fetch_with_cookie(&browser, path).await,
            (200, "image/jpeg".to_owned())
        );
    }

    // A physician of another team: no page, no photo, cookie or not.
    clinic.app.physician("Dr Stranger").await;
    let mut stranger = Browser::new(&clinic.app);
    stranger
        .sign_in("dr.stranger@clinic.example", PASSWORD)
        .await;
    let page = stranger.get(&format!("/dashboard/alerts/{alert_id}")).await;
    assert_eq!(page.status, 404);
    assert_eq!(fetch_with_cookie(&stranger, &thumb).await.0, 404);
    // No cookie and no token: no photo.
    let nobody = Browser::new(&clinic.app);
    assert_eq!(fetch_with_cookie(&nobody, &thumb).await.0, 401);
}
