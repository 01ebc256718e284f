//! Reminder preferences: 19:00 by Web Push until the patient chooses, a PUT
//! replaces every field, and only patients have them.

use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn preferences_default_to_seven_in_the_evening_and_are_replaced_whole() {
    let clinic = Clinic::new(30).await;
    let app = &clinic.app;
    let mine = app.get("/v1/me/reminders", &clinic.patient).await;
    assert_eq!(mine.status, 200);
    assert_eq!(
        mine.body,
        json!({"time": "19:00", "web_push": true, "email": null})
    );

    let chosen = json!({"time": "07:30", "web_push": false, "email": "Yui@Example.JP"});
    let put = app
        .call(
            reqwest::Method::PUT,
            "/v1/me/reminders",
            Some(&clinic.patient),
            Some(chosen),
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(
        put.body,
        json!({"time": "07:30", "web_push": false, "email": "yui@example.jp"})
    );
    let mine = app.get("/v1/me/reminders", &clinic.patient).await;
    assert_eq!(mine.body, put.body);

    for (body, field) in [
        (json!({"time": "07:30", "web_push": true}), "email"),
        (json!({"web_push": true, "email": null}), "time"),
        (
            json!({"time": "24:00", "web_push": true, "email": null}),
            "time",
        ),
        (
            json!({"time": "7:30", "web_push": true, "email": null}),
            "time",
        ),
        (
            json!({"time": "07:30", "web_push": "yes", "email": null}),
            "web_push",
        ),
        (
            json!({"time": "07:30", "web_push": true, "email": "not an address"}),
            "email",
        ),
        (
            json!({"time": "07:30", "web_push": true, "email": null, "sms": true}),
            "sms",
        ),
    ] {
        let refused = app
            .call(
                reqwest::Method::PUT,
                "/v1/me/reminders",
                Some(&clinic.patient),
                Some(body.clone()),
            )
            .await;
        assert_eq!(refused.status, 422, "{body}");
        assert!(
            refused.body["errors"][field].is_array(),
            "{body}: {:?}",
            refused.body
        );
    }
    // Nothing refused changed what was stored.
    assert_eq!(
        app.get("/v1/me/reminders", &clinic.patient).await.body,
        put.body
    );

    assert_eq!(
        app.get("/v1/me/reminders", &clinic.physician).await.status,
        403
    );
    let physician_put = app
        .call(
            reqwest::Method::PUT,
            "/v1/me/reminders",
            Some(&clinic.physician),
            Some(json!({"time": "07:30", "web_push": true, "email": null})),
        )
        .await;
    assert_eq!(physician_put.status, 403);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource_type = 'reminders' AND action = 'update'"),
        1
    );
}
