//! AWS Config rule events as AWS Config sends them, for tests: in moto's account, in test mode
//! (so PutEvaluations validates and records without storing).

use serde_json::{json, Value};

use crate::MOTO_ACCOUNT;

/// When the items below were captured, and when their notification was made.
pub const CAPTURE_TIME: &str = "2026-11-20T10:00:00.000Z";
pub const NOTIFICATION_TIME: &str = "2026-11-20T10:00:05.000Z";

/// The event AWS Config sends the function of `sec2-RULE`: `invoking` is the invoking event,
/// `parameters` the rule parameters (a JSON object).
pub fn rule_event(rule: &str, invoking: &Value, parameters: &Value) -> Value {
    json!({
        "version": "1.0",
        "invokingEvent": invoking.to_string(),
        "ruleParameters": parameters.to_string(),
        "resultToken": "TESTMODE",
        "eventLeftScope": false,
        "configRuleName": format!("sec2-{rule}"),
        "accountId": MOTO_ACCOUNT
    })
}

/// The invoking event of a configuration change to `item`.
pub fn change(item: Value) -> Value {
    json!({
        "messageType": "ConfigurationItemChangeNotification",
        "notificationCreationTime": NOTIFICATION_TIME,
        "configurationItem": item,
    })
}

/// The invoking event of a periodic run.
pub fn scheduled() -> Value {
    json!({
        "messageType": "ScheduledNotification",
        "awsAccountId": MOTO_ACCOUNT,
        "notificationCreationTime": NOTIFICATION_TIME,
    })
}

/// A recorded configuration item in event form, in moto's account and us-east-1; its name is
/// its id.
pub fn item(resource_type: &str, id: &str, arn: &str, configuration: Value) -> Value {
    json!({
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": CAPTURE_TIME,
        "configurationItemStatus": "OK",
        "awsAccountId": MOTO_ACCOUNT,
        "awsRegion": "us-east-1",
        "resourceType": resource_type,
        "resourceId": id,
        "resourceName": id,
        "ARN": arn,
        "configuration": configuration,
        "supplementaryConfiguration": {}
    })
}

/// The event of a change to a Lambda function with `configuration`, for `sec2-RULE`.
pub fn function_change(rule: &str, name: &str, configuration: Value) -> Value {
    let arn = format!("arn:aws:lambda:us-east-1:{MOTO_ACCOUNT}:function:{name}");
    let item = item("AWS::Lambda::Function", name, &arn, configuration);
    rule_event(rule, &change(item), &json!({}))
}
