//! What the tests share: assertions (a failing one prints the whole text it looked in) and a
//! configuration item builder.
#![allow(clippy::panic, clippy::expect_used, reason = "test support")]

use serde_json::{json, Value};

use crate::config::ConfigurationItem;

/// An item of `resource_type` named `r` in account 111122223333, recorded as Config sends it
/// in a change event. Its ARN is a DynamoDB table's, the one rule that reads a policy by ARN.
pub fn config_item(
    resource_type: &str,
    configuration: Value,
    supplementary: Value,
) -> ConfigurationItem {
    ConfigurationItem::from_json(&json!({
        "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
        "configurationItemStatus": "OK",
        "awsAccountId": "111122223333",
        "resourceType": resource_type,
        "resourceId": "r",
        "resourceName": "r",
        "ARN": "arn:aws:dynamodb:us-east-1:111122223333:table/r",
        "configuration": configuration,
        "supplementaryConfiguration": supplementary,
    }))
    .expect("a well-formed configuration item")
}

#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "expected {part:?} in:\n{text}");
}

#[track_caller]
pub fn assert_starts_with(text: &str, prefix: &str) {
    assert!(
        text.starts_with(prefix),
        "expected {prefix:?} first in:\n{text}"
    );
}

#[track_caller]
pub fn assert_ends_with(text: &str, suffix: &str) {
    assert!(
        text.ends_with(suffix),
        "expected {suffix:?} last in:\n{text}"
    );
}

/// What an advanced query for `key`-tagged resources of `resource_type` finds among `items`.
pub fn tagged_with<'a>(
    items: impl Iterator<Item = &'a crate::config::ConfigurationItem>,
    resource_type: &str,
    key: &str,
) -> crate::config::seams::TagsById {
    items
        .filter(|item| item.resource_type == resource_type && item.tags.contains_key(key))
        .map(|item| (item.resource_id.clone(), item.tags.clone()))
        .collect()
}
