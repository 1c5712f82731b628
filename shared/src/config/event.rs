//! The Lambda event AWS Config sends a custom rule, and the JSON strings inside it.

use aws_lambda_events::event::config::ConfigEvent;
use serde_json::{Map, Value};

use super::error::EventError;
use super::item::{peel_json_strings, ConfigurationItem, ItemStatus};
use super::limits::{within_chars, within_event_bytes, MAX_RULE_PARAMETERS_CHARS};

/// What an invocation asks the rule to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A resource changed; the whole item is in the event.
    Change {
        item: Box<ConfigurationItem>,
        notification_creation_time: Option<String>,
    },
    /// A resource changed, but its item was too large to send: fetch it.
    Oversized {
        summary: ItemSummary,
        notification_creation_time: Option<String>,
    },
    /// The periodic run.
    Scheduled {
        account_id: Option<String>,
        notification_creation_time: String,
    },
}

/// `configurationItemSummary` of an oversized notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSummary {
    pub resource_type: String,
    pub resource_id: String,
    pub resource_name: Option<String>,
    pub account_id: Option<String>,
    pub status: ItemStatus,
    pub capture_time: String,
}

/// One rule invocation, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub trigger: Trigger,
    /// `ruleParameters`; empty when absent, `""` or `"{}"`.
    pub rule_parameters: Map<String, Value>,
    pub result_token: String,
    pub event_left_scope: bool,
    pub execution_role_arn: Option<String>,
    pub config_rule_name: Option<String>,
    /// The Config rule that sent the event; in organization scope, the account's instance.
    pub config_rule_arn: Option<String>,
    pub account_id: Option<String>,
}

impl Invocation {
    /// Parses the raw Lambda payload, with errors that say what is missing.
    pub fn from_json(payload: Value) -> Result<Self, EventError> {
        let event: ConfigEvent = serde_path_to_error::deserialize(payload).map_err(|err| {
            let path = err.path().to_string();
            EventError::Shape(if path == "." {
                err.inner().to_string()
            } else {
                format!("{path}: {}", err.inner())
            })
        })?;
        Self::from_event(event)
    }

    pub fn from_event(event: ConfigEvent) -> Result<Self, EventError> {
        let invoking_text = event
            .invoking_event
            .as_deref()
            .ok_or_else(|| EventError::Shape("missing field `invokingEvent`".to_owned()))?;
        within_event_bytes("invokingEvent", invoking_text.len())?;
        let invoking: Value = serde_json::from_str(invoking_text)
            .map_err(|err| EventError::InvokingEvent(err.to_string()))?;
        if !invoking.is_object() {
            return Err(wrong_kind("invokingEvent", "a JSON object", &invoking));
        }
        let result_token = event
            .result_token
            .clone()
            .filter(|token| !token.is_empty())
            .ok_or_else(|| EventError::Shape("missing field `resultToken`".to_owned()))?;
        Ok(Invocation {
            trigger: trigger(&invoking)?,
            rule_parameters: rule_parameters(event.rule_parameters.as_deref())?,
            result_token,
            event_left_scope: event.event_left_scope,
            execution_role_arn: event.execution_role_arn,
            config_rule_name: event.config_rule_name,
            config_rule_arn: event.config_rule_arn,
            account_id: event.account_id,
        })
    }
}

fn rule_parameters(text: Option<&str>) -> Result<Map<String, Value>, EventError> {
    let text = text.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Ok(Map::new());
    }
    within_chars("ruleParameters", text, MAX_RULE_PARAMETERS_CHARS)?;
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(EventError::RuleParameters(format!(
            "found {}",
            json_kind(&other)
        ))),
        Err(err) => Err(EventError::RuleParameters(err.to_string())),
    }
}

/// What kind of JSON value `value` is, for errors that say what was found instead.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `field` holds `found` where `expected` belongs.
pub(crate) fn wrong_kind(field: &str, expected: &str, found: &Value) -> EventError {
    EventError::Field {
        field: field.to_owned(),
        problem: format!("expected {expected}, got {}", json_kind(found)),
    }
}

/// The string at `key` of `value` (an object at `path`): none when absent, null or empty; an
/// error naming the field when it holds anything but a string.
fn text_at(value: &Value, path: &str, key: &str) -> Result<Option<String>, EventError> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone()).filter(|text| !text.is_empty())),
        Some(other) => Err(wrong_kind(&format!("{path}.{key}"), "a string", other)),
    }
}

/// The string at `key`, which must be there.
fn required_at(value: &Value, path: &str, key: &str) -> Result<String, EventError> {
    text_at(value, path, key)?.ok_or_else(|| EventError::Field {
        field: format!("{path}.{key}"),
        problem: "missing".to_owned(),
    })
}

fn trigger(invoking: &Value) -> Result<Trigger, EventError> {
    const INVOKING: &str = "invokingEvent";
    let message_type = required_at(invoking, INVOKING, "messageType")?;
    let notification_creation_time = text_at(invoking, INVOKING, "notificationCreationTime")?;
    match message_type.as_str() {
        "ConfigurationItemChangeNotification" => {
            let item = match invoking.get("configurationItem").map(peel_json_strings) {
                None | Some(Value::Null) => {
                    return Err(EventError::Field {
                        field: format!("{INVOKING}.configurationItem"),
                        problem: "missing".to_owned(),
                    })
                }
                Some(item) if !item.is_object() => {
                    return Err(wrong_kind(
                        &format!("{INVOKING}.configurationItem"),
                        "a JSON object",
                        &item,
                    ))
                }
                Some(item) => item,
            };
            Ok(Trigger::Change {
                item: Box::new(ConfigurationItem::from_json(&item)?),
                notification_creation_time,
            })
        }
        "OversizedConfigurationItemChangeNotification" => {
            const SUMMARY: &str = "invokingEvent.configurationItemSummary";
            let summary = match invoking.get("configurationItemSummary") {
                None | Some(Value::Null) => {
                    return Err(EventError::Field {
                        field: SUMMARY.to_owned(),
                        problem: "missing".to_owned(),
                    })
                }
                Some(summary) if !summary.is_object() => {
                    return Err(wrong_kind(SUMMARY, "a JSON object", summary))
                }
                Some(summary) => summary,
            };
            Ok(Trigger::Oversized {
                summary: ItemSummary {
                    resource_type: required_at(summary, SUMMARY, "resourceType")?,
                    resource_id: required_at(summary, SUMMARY, "resourceId")?,
                    resource_name: text_at(summary, SUMMARY, "resourceName")?,
                    account_id: text_at(summary, SUMMARY, "awsAccountId")?,
                    status: ItemStatus::parse(&required_at(
                        summary,
                        SUMMARY,
                        "configurationItemStatus",
                    )?),
                    capture_time: required_at(summary, SUMMARY, "configurationItemCaptureTime")?,
                },
                notification_creation_time,
            })
        }
        "ScheduledNotification" => Ok(Trigger::Scheduled {
            account_id: text_at(invoking, INVOKING, "awsAccountId")?,
            notification_creation_time: notification_creation_time.ok_or_else(|| {
                EventError::Field {
                    field: format!("{INVOKING}.notificationCreationTime"),
                    problem: "missing (a ScheduledNotification always carries it)".to_owned(),
                }
            })?,
        }),
        other => Err(EventError::UnknownMessageType(super::limits::excerpt(
            other,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(invoking: Value, parameters: Option<&str>) -> Value {
        let mut event = json!({
            "version": "1.0",
            "invokingEvent": invoking.to_string(),
            "resultToken": "TESTMODE",
            "eventLeftScope": false,
            "executionRoleArn": "arn:aws:iam::111122223333:role/config-role",
            "configRuleArn": "arn:aws:config:us-east-1:111122223333:config-rule/config-rule-abc123",
            "configRuleName": "sec2-resource-policies",
            "configRuleId": "config-rule-abc123",
            "accountId": "111122223333"
        });
        if let Some(parameters) = parameters {
            event["ruleParameters"] = json!(parameters);
        }
        event
    }

    fn change() -> Value {
        json!({
            "messageType": "ConfigurationItemChangeNotification",
            "notificationCreationTime": "2026-11-20T10:00:01.000Z",
            "recordVersion": "1.3",
            "configurationItem": {
                "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
                "configurationItemStatus": "OK",
                "awsAccountId": "111122223333",
                "resourceType": "AWS::SQS::Queue",
                "resourceId": "https://sqs.us-east-1.amazonaws.com/111122223333/bookings",
                "configuration": {"QueueName": "bookings"}
            }
        })
    }

    #[test]
    fn a_change_notification_carries_its_item_and_parameters() {
        let invocation = Invocation::from_json(event(
            change(),
            Some("{\"AllowedAccountIds\":\"444455556666\"}"),
        ))
        .unwrap();
        let Trigger::Change {
            item,
            notification_creation_time,
        } = &invocation.trigger
        else {
            panic!()
        };
        assert_eq!(item.resource_type, "AWS::SQS::Queue");
        assert_eq!(
            notification_creation_time.as_deref(),
            Some("2026-11-20T10:00:01.000Z")
        );
        assert_eq!(
            invocation.rule_parameters["AllowedAccountIds"],
            json!("444455556666")
        );
        assert_eq!(invocation.result_token, "TESTMODE");
        assert_eq!(
            invocation.config_rule_name.as_deref(),
            Some("sec2-resource-policies")
        );
    }

    #[test]
    fn absent_empty_and_empty_object_parameters_all_mean_none() {
        for parameters in [None, Some(""), Some("{}"), Some("  ")] {
            let invocation = Invocation::from_json(event(change(), parameters)).unwrap();
            assert!(invocation.rule_parameters.is_empty(), "{parameters:?}");
        }
    }

    #[test]
    fn oversized_and_scheduled_notifications_are_recognized() {
        let oversized = json!({
            "messageType": "OversizedConfigurationItemChangeNotification",
            "notificationCreationTime": "2026-11-20T10:00:01.000Z",
            "configurationItemSummary": {
                "changeType": "UPDATE", "configurationItemVersion": "1.3",
                "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
                "configurationItemStatus": "OK", "awsAccountId": "111122223333",
                "resourceType": "AWS::S3::Bucket", "resourceId": "airline-assets", "resourceName": "airline-assets"
            }
        });
        let Trigger::Oversized { summary, .. } = Invocation::from_json(event(oversized, None))
            .unwrap()
            .trigger
        else {
            panic!()
        };
        assert_eq!(
            (summary.resource_type.as_str(), summary.resource_id.as_str()),
            ("AWS::S3::Bucket", "airline-assets")
        );
        let scheduled = json!({"messageType": "ScheduledNotification", "awsAccountId": "111122223333", "notificationCreationTime": "2026-11-20T10:00:00.000Z", "recordVersion": "1.0"});
        let Trigger::Scheduled {
            notification_creation_time,
            ..
        } = Invocation::from_json(event(scheduled, None))
            .unwrap()
            .trigger
        else {
            panic!()
        };
        assert_eq!(notification_creation_time, "2026-11-20T10:00:00.000Z");
    }

    #[test]
    fn malformed_events_get_clear_errors() {
        let unknown = json!({"messageType": "ConfigurationSnapshotDeliveryCompleted"});
        assert_eq!(
            Invocation::from_json(event(unknown, None)).unwrap_err(),
            EventError::UnknownMessageType("ConfigurationSnapshotDeliveryCompleted".to_owned())
        );
        let huge = json!({"messageType": "M".repeat(1 << 20)});
        let error = Invocation::from_json(event(huge, None))
            .unwrap_err()
            .to_string();
        assert!(error.len() < 300, "{} bytes echoed", error.len());
        let mut not_json = event(change(), None);
        not_json["invokingEvent"] = json!("{not json");
        assert!(matches!(
            Invocation::from_json(not_json),
            Err(EventError::InvokingEvent(_))
        ));
        let mut no_scope = event(change(), None);
        no_scope.as_object_mut().unwrap().remove("eventLeftScope");
        assert!(Invocation::from_json(no_scope)
            .unwrap_err()
            .to_string()
            .contains("eventLeftScope"));
        let bad_parameters = Invocation::from_json(event(change(), Some("[1]"))).unwrap_err();
        assert!(bad_parameters
            .to_string()
            .starts_with("ruleParameters is not a JSON object"));
        assert!(Invocation::from_json(json!("not an object")).is_err());
    }

    #[test]
    fn each_malformed_shape_is_named_with_what_was_found() {
        let message = |invoking: Value| {
            Invocation::from_json(event(invoking, None))
                .unwrap_err()
                .to_string()
        };
        for (invoking, expected) in [
            (json!([1, 2]), "`invokingEvent`: expected a JSON object, got an array"),
            (json!({}), "`invokingEvent.messageType`: missing"),
            (
                json!({"messageType": 7}),
                "`invokingEvent.messageType`: expected a string, got a number",
            ),
            (
                json!({"messageType": "ConfigurationItemChangeNotification"}),
                "`invokingEvent.configurationItem`: missing",
            ),
            (
                json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": [1]}),
                "`invokingEvent.configurationItem`: expected a JSON object, got an array",
            ),
            (
                json!({"messageType": "ConfigurationItemChangeNotification", "notificationCreationTime": {"t": 1}, "configurationItem": {}}),
                "`invokingEvent.notificationCreationTime`: expected a string, got an object",
            ),
            (
                json!({"messageType": "OversizedConfigurationItemChangeNotification", "configurationItemSummary": "x"}),
                "`invokingEvent.configurationItemSummary`: expected a JSON object, got a string",
            ),
            (
                json!({"messageType": "OversizedConfigurationItemChangeNotification", "configurationItemSummary": {"resourceType": true}}),
                "`invokingEvent.configurationItemSummary.resourceType`: expected a string, got a boolean",
            ),
            (
                json!({"messageType": "ScheduledNotification"}),
                "`invokingEvent.notificationCreationTime`: missing",
            ),
        ] {
            let got = message(invoking.clone());
            assert!(got.contains(expected), "{invoking}: {got}");
            assert!(!got.contains("not valid JSON"), "{invoking}: {got}");
        }
        let mut item = change();
        item["configurationItem"]["resourceType"] = json!({"nested": true});
        assert!(message(item)
            .contains("configuration item `resourceType`: expected a string, got an object"));
        let mut item = change();
        item["configurationItem"]
            .as_object_mut()
            .unwrap()
            .remove("resourceId");
        assert!(message(item).contains("configuration item has no `resourceId`"));
        let long_parameters = Invocation::from_json(event(change(), Some("[\"secret\"]")))
            .unwrap_err()
            .to_string();
        assert_eq!(
            long_parameters,
            "ruleParameters is not a JSON object: found an array"
        );
        let wrong_token = {
            let mut wrong = event(change(), None);
            wrong["resultToken"] = json!(12);
            Invocation::from_json(wrong).unwrap_err().to_string()
        };
        assert!(wrong_token.contains("resultToken"), "{wrong_token}");
    }

    #[test]
    fn events_and_parameters_larger_than_aws_delivers_are_refused_with_their_size() {
        let mut huge = change();
        huge["configurationItem"]["configuration"]["Padding"] =
            json!("x".repeat(crate::config::limits::MAX_EVENT_BYTES));
        let refusal = Invocation::from_json(event(huge, None)).unwrap_err();
        assert!(matches!(refusal, EventError::TooLarge(_)), "{refusal}");
        assert!(
            refusal.to_string().contains("invokingEvent is"),
            "{refusal}"
        );

        let long_parameters = json!({"AllowedAccountIds": "1".repeat(2100)}).to_string();
        let refusal = Invocation::from_json(event(change(), Some(&long_parameters))).unwrap_err();
        assert!(
            refusal
                .to_string()
                .contains("more than the 2048 AWS Config accepts"),
            "{refusal}"
        );
    }
}
