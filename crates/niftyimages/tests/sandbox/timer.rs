use chrono::{NaiveDate, TimeZone, Utc};
use niftyimages::NiftyError;
use niftyimages::timer::TimerUpdate;

use crate::support::Harness;

#[tokio::test]
async fn is_utc_lands_on_the_right_instant_across_dst() {
    let h = Harness::start().await;
    let (client, url) = h.timer(0);
    assert_eq!(h.sandbox.info().timers[0].timezone, "America/New_York");

    // A UTC instant: kept as is, shown in the timer's zone (EDT after 2026-03-08).
    let target = Utc.with_ymd_and_hms(2026, 3, 9, 12, 0, 0).unwrap();
    let answer = client
        .update_timer(&TimerUpdate::at_utc(&url, target))
        .await
        .unwrap();
    assert_eq!(answer.updated_target_utc, target);
    assert_eq!(answer.timer_timezone, "America/New_York");
    assert_eq!(answer.updated_target_timezone, "2026-03-09T08:00:00-04:00");
    assert_eq!(h.sandbox.timer_target(&url).unwrap().target_utc, target);

    // Wall-clock noon in New York on either side of the change: 17:00Z (EST) and 16:00Z (EDT).
    let noon = |day| {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    };
    let before = client
        .update_timer(&TimerUpdate::at_timer_local(&url, noon(7)))
        .await
        .unwrap();
    assert_eq!(
        before.updated_target_utc,
        Utc.with_ymd_and_hms(2026, 3, 7, 17, 0, 0).unwrap()
    );
    // Two days added to the wall-clock reading keep noon local across the change.
    let mut plus_two = TimerUpdate::at_timer_local(&url, noon(7));
    plus_two.add_days = Some(2);
    let after = client.update_timer(&plus_two).await.unwrap();
    assert_eq!(
        after.updated_target_utc,
        Utc.with_ymd_and_hms(2026, 3, 9, 16, 0, 0).unwrap()
    );

    // Minute precision with Z, and IsUtc with an hour added.
    let answer = client
        .update_timer(&TimerUpdate {
            timer_image_url: url.clone(),
            target_date: "2026-11-01T05:30Z".into(),
            is_utc: Some(true),
            add_hours: Some(1),
            ..TimerUpdate::default()
        })
        .await
        .unwrap();
    assert_eq!(
        answer.updated_target_utc,
        Utc.with_ymd_and_hms(2026, 11, 1, 6, 30, 0).unwrap()
    );
    assert_eq!(answer.updated_target_timezone, "2026-11-01T01:30:00-05:00");
}

#[tokio::test]
async fn format_months_and_refusals() {
    let h = Harness::start().await;
    let (client, url) = h.timer(0);
    let answer = client
        .update_timer(&TimerUpdate {
            timer_image_url: url.clone(),
            target_date: "12/24/2026 18:00".into(),
            format: Some("%m/%d/%Y %H:%M".into()),
            add_months: Some(1),
            ..TimerUpdate::default()
        })
        .await
        .unwrap();
    assert_eq!(
        answer.updated_target_utc,
        Utc.with_ymd_and_hms(2027, 1, 24, 23, 0, 0).unwrap()
    );

    let bad = client
        .update_timer(&TimerUpdate {
            timer_image_url: url.clone(),
            target_date: "next tuesday".into(),
            ..TimerUpdate::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(bad, NiftyError::BadRequest { .. }), "{bad:?}");

    let target = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let unknown = client
        .update_timer(&TimerUpdate::at_utc(
            format!("{}/render/nope", h.sandbox.url()),
            target,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, NiftyError::NotFound { .. }),
        "{unknown:?}"
    );

    // The second timer's key cannot move the first timer.
    let (other, _) = h.timer(1);
    let err = other
        .update_timer(&TimerUpdate::at_utc(&url, target))
        .await
        .unwrap_err();
    assert!(matches!(err, NiftyError::Unauthorized { .. }), "{err:?}");
}
