//! Every logged change names who made it. Regression: changing the small-cell threshold
//! was logged without a person.

mod screening_support;

use screening_support::world;
use varna_core::audit::AuditFilter;

#[test]
fn a_threshold_change_is_logged_with_the_administrator() {
    let (_world, mut admin) = world();
    admin.set_suppression_threshold(5).unwrap();
    let rows = admin
        .audit_list(&AuditFilter {
            event: Some("settings_change".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r.detail.contains("suppression_threshold=5"))
        .expect("the change is logged");
    assert_eq!(row.actor_username.as_deref(), Some("admin"), "{row:?}");
}
