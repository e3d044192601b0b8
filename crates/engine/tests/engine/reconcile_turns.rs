//! With several instances sharing one database, a location's periodic reconciliation pass is
//! made by whichever instance's timer comes first; the others skip it until half a period
//! has gone by.

use std::time::Duration;

use crate::support::*;

#[tokio::test]
async fn one_pass_per_period_whichever_instance_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        // Two instances: two connections to the same database.
        let first = place.open().await;
        let second = place.open().await;
        let every = Duration::from_secs(900);
        assert!(
            engine::reconcile::take_turn(&first, "Loc1", every)
                .await
                .unwrap(),
            "{place:?}"
        );
        assert!(
            !engine::reconcile::take_turn(&second, "Loc1", every)
                .await
                .unwrap(),
            "{place:?}: the other instance's pass has just started"
        );
        assert!(
            engine::reconcile::take_turn(&second, "Loc2", every)
                .await
                .unwrap(),
            "{place:?}: another location is its own"
        );
        // Half a period later (a period of nothing here), the next pass is due again.
        assert!(
            engine::reconcile::take_turn(&second, "Loc1", Duration::ZERO)
                .await
                .unwrap(),
            "{place:?}"
        );
    }
}
