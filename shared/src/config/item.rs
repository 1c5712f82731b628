//! Configuration items, normalized from both shapes AWS Config hands out: the notification
//! (event) form and the API form of GetResourceConfigHistory / BatchGetResourceConfig.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::EventError;

/// `configurationItemStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemStatus {
    Ok,
    ResourceDiscovered,
    ResourceNotRecorded,
    ResourceDeleted,
    ResourceDeletedNotRecorded,
    Other(String),
}

impl ItemStatus {
    pub fn parse(value: &str) -> Self {
        match value {
            "OK" => ItemStatus::Ok,
            "ResourceDiscovered" => ItemStatus::ResourceDiscovered,
            "ResourceNotRecorded" => ItemStatus::ResourceNotRecorded,
            "ResourceDeleted" => ItemStatus::ResourceDeleted,
            "ResourceDeletedNotRecorded" => ItemStatus::ResourceDeletedNotRecorded,
            other => ItemStatus::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ItemStatus::Ok => "OK",
            ItemStatus::ResourceDiscovered => "ResourceDiscovered",
            ItemStatus::ResourceNotRecorded => "ResourceNotRecorded",
            ItemStatus::ResourceDeleted => "ResourceDeleted",
            ItemStatus::ResourceDeletedNotRecorded => "ResourceDeletedNotRecorded",
            ItemStatus::Other(other) => other,
        }
    }

    /// Only a present, recorded resource is evaluated.
    pub fn is_evaluable(&self) -> bool {
        matches!(self, ItemStatus::Ok | ItemStatus::ResourceDiscovered)
    }
}

/// One `relationships[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    pub name: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
}

/// A configuration item in one shape, whichever shape it arrived in.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigurationItem {
    pub resource_type: String,
    pub resource_id: String,
    pub resource_name: Option<String>,
    pub arn: Option<String>,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub status: ItemStatus,
    /// `configurationItemCaptureTime`, as RFC 3339 text.
    pub capture_time: String,
    pub version: Option<String>,
    /// `configuration`, parsed when it arrived as a JSON string; `Null` when absent.
    pub configuration: Value,
    /// `supplementaryConfiguration`, each value parsed when it arrived as JSON text.
    pub supplementary: Map<String, Value>,
    pub tags: BTreeMap<String, String>,
    pub relationships: Vec<Relationship>,
}

/// How many layers of JSON-in-a-string we peel from one value (moto and some item types wrap
/// supplementary values twice).
const MAX_STRING_LAYERS: usize = 3;

impl ConfigurationItem {
    /// Normalizes an item in event form (`awsAccountId`, `ARN`, objects) or API form
    /// (`accountId`, `arn`, JSON strings).
    pub fn from_json(value: &Value) -> Result<Self, EventError> {
        let object = value.as_object().ok_or_else(|| {
            EventError::Item(format!(
                "configuration item is not a JSON object but {}",
                super::json_kind(value)
            ))
        })?;
        let text = |keys: &[&str]| -> Option<String> {
            keys.iter().find_map(|key| match object.get(*key) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        let required = |keys: &[&str]| -> Result<String, EventError> {
            let key = keys.first().copied().unwrap_or_default();
            text(keys).ok_or_else(|| match object.get(key) {
                None | Some(Value::Null) => {
                    EventError::Item(format!("configuration item has no `{key}`"))
                }
                Some(Value::String(_)) => {
                    EventError::Item(format!("configuration item `{key}` is empty"))
                }
                Some(other) => EventError::Item(format!(
                    "configuration item `{key}`: expected a string, got {}",
                    super::json_kind(other)
                )),
            })
        };
        let capture_time = match object.get("configurationItemCaptureTime") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(seconds)) => epoch_to_rfc3339(seconds.as_f64().unwrap_or_default()),
            None | Some(Value::Null) => {
                return Err(EventError::Item(
                    "configuration item has no `configurationItemCaptureTime`".to_owned(),
                ))
            }
            Some(other) => {
                return Err(EventError::Item(format!(
                    "configuration item `configurationItemCaptureTime`: expected an ISO 8601 time or epoch seconds, got {}",
                    super::json_kind(other)
                )))
            }
        };
        Ok(ConfigurationItem {
            resource_type: required(&["resourceType"])?,
            resource_id: required(&["resourceId"])?,
            resource_name: text(&["resourceName"]),
            arn: text(&["ARN", "arn"]),
            account_id: text(&["awsAccountId", "accountId"]),
            region: text(&["awsRegion"]),
            status: ItemStatus::parse(&required(&["configurationItemStatus"])?),
            capture_time,
            version: text(&["configurationItemVersion", "version"]),
            configuration: object
                .get("configuration")
                .map(peel_json_strings)
                .unwrap_or(Value::Null),
            supplementary: match object
                .get("supplementaryConfiguration")
                .map(peel_json_strings)
            {
                Some(Value::Object(map)) => map
                    .iter()
                    .map(|(k, v)| (k.clone(), peel_json_strings(v)))
                    .collect(),
                _ => Map::new(),
            },
            tags: match object.get("tags").map(peel_json_strings) {
                Some(Value::Object(map)) => map
                    .iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect(),
                _ => BTreeMap::new(),
            },
            relationships: object
                .get("relationships")
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(relationship).collect())
                .unwrap_or_default(),
        })
    }

    /// The item in event form, as a ConfigurationItemChangeNotification carries it.
    pub fn to_event_json(&self) -> Value {
        let relationships: Vec<Value> = self
            .relationships
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "resourceType": r.resource_type,
                    "resourceId": r.resource_id,
                    "resourceName": r.resource_name,
                })
            })
            .collect();
        serde_json::json!({
            "configurationItemCaptureTime": self.capture_time,
            "configurationItemStatus": self.status.as_str(),
            "configurationItemVersion": self.version,
            "awsAccountId": self.account_id,
            "awsRegion": self.region,
            "resourceType": self.resource_type,
            "resourceId": self.resource_id,
            "resourceName": self.resource_name,
            "ARN": self.arn,
            "configuration": self.configuration,
            "supplementaryConfiguration": self.supplementary,
            "tags": self.tags,
            "relationships": relationships,
        })
    }

    /// Looks up a path of keys in `configuration`. Keys match case-insensitively when there is
    /// no exact match: item shapes spell the same key differently (`Policy`, `policy`), and a
    /// policy missed for its spelling would pass a resource that should fail.
    pub fn configuration_at(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.configuration, |value, key| {
            field(value.as_object()?, key)
        })
    }

    /// Looks up a path of keys in `supplementaryConfiguration`, matching keys as
    /// [`Self::configuration_at`] does.
    pub fn supplementary_at(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let start = field(&self.supplementary, first)?;
        rest.iter()
            .try_fold(start, |value, key| field(value.as_object()?, key))
    }
}

fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value)
    })
}

fn relationship(value: &Value) -> Option<Relationship> {
    let field = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(Relationship {
        name: field("name").or_else(|| field("relationshipName"))?,
        resource_type: field("resourceType")?,
        resource_id: field("resourceId"),
        resource_name: field("resourceName"),
    })
}

/// A JSON string holding a JSON object or array, parsed; any other value as it is.
pub fn peel_json_strings(value: &Value) -> Value {
    let mut current = value.clone();
    for _ in 0..MAX_STRING_LAYERS {
        let Value::String(text) = &current else { break };
        let trimmed = text.trim_start();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.starts_with('"')) {
            break;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(inner) => current = inner,
            Err(_) => break,
        }
    }
    current
}

/// Seconds since the epoch as the RFC 3339 time AWS Config stamps its items and notifications with.
pub fn epoch_to_rfc3339(seconds: f64) -> String {
    let millis = (seconds * 1000.0).round() as i64;
    aws_smithy_types::DateTime::from_millis(millis)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event_form() -> Value {
        json!({
            "configurationItemVersion": "1.3",
            "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
            "configurationItemStatus": "OK",
            "awsAccountId": "111122223333",
            "resourceType": "AWS::Lambda::Function",
            "resourceId": "airline-booking",
            "resourceName": "airline-booking",
            "ARN": "arn:aws:lambda:us-east-1:111122223333:function:airline-booking",
            "awsRegion": "us-east-1",
            "configuration": {"functionName": "airline-booking", "role": "arn:aws:iam::111122223333:role/booking"},
            "supplementaryConfiguration": {"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}", "Tags": {"app": "airline"}},
            "tags": {"app": "airline"},
            "relationships": [{"resourceType": "AWS::IAM::Role", "resourceName": "booking", "name": "Is associated with "}]
        })
    }

    fn api_form() -> Value {
        json!({
            "version": "1.3",
            "configurationItemCaptureTime": 1_795_168_800.0,
            "configurationItemStatus": "OK",
            "accountId": "111122223333",
            "resourceType": "AWS::Lambda::Function",
            "resourceId": "airline-booking",
            "resourceName": "airline-booking",
            "arn": "arn:aws:lambda:us-east-1:111122223333:function:airline-booking",
            "awsRegion": "us-east-1",
            "configuration": "{\"functionName\": \"airline-booking\", \"role\": \"arn:aws:iam::111122223333:role/booking\"}",
            "supplementaryConfiguration": {"Policy": "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[]}\"", "Tags": "{\"app\":\"airline\"}"},
            "tags": {"app": "airline"},
            "relationships": [{"resourceType": "AWS::IAM::Role", "resourceName": "booking", "relationshipName": "Is associated with "}]
        })
    }

    #[test]
    fn an_item_written_back_in_event_form_reads_the_same() {
        let item = ConfigurationItem::from_json(&serde_json::json!({
            "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
            "configurationItemStatus": "OK",
            "awsAccountId": "111122223333",
            "resourceType": "AWS::Lambda::Function",
            "resourceId": "airline-booking",
            "ARN": "arn:aws:lambda:us-east-1:111122223333:function:airline-booking",
            "configuration": {"functionName": "airline-booking"},
            "supplementaryConfiguration": {"Policy": "{\"Statement\":[]}"},
            "tags": {"app": "airline"},
            "relationships": [{"name": "Is associated with", "resourceType": "AWS::IAM::Role", "resourceName": "r"}]
        }))
        .unwrap();
        assert_eq!(
            ConfigurationItem::from_json(&item.to_event_json()).unwrap(),
            item
        );
    }

    #[test]
    fn the_event_form_and_the_api_form_normalize_to_the_same_item() {
        let event = ConfigurationItem::from_json(&event_form()).unwrap();
        let api = ConfigurationItem::from_json(&api_form()).unwrap();
        assert_eq!(event.account_id.as_deref(), Some("111122223333"));
        assert_eq!(api.account_id, event.account_id);
        assert_eq!(api.arn, event.arn);
        assert_eq!(api.version, event.version);
        assert_eq!(api.configuration, event.configuration);
        assert_eq!(
            api.supplementary_at(&["Policy", "Version"]),
            Some(&json!("2012-10-17"))
        );
        assert_eq!(
            event.supplementary_at(&["Policy", "Version"]),
            Some(&json!("2012-10-17"))
        );
        assert_eq!(
            api.supplementary_at(&["Tags", "app"]),
            event.supplementary_at(&["Tags", "app"])
        );
        assert_eq!(api.relationships, event.relationships);
        assert_eq!(api.capture_time, "2026-11-20T10:00:00Z");
        assert_eq!(
            event.configuration_at(&["role"]),
            Some(&json!("arn:aws:iam::111122223333:role/booking"))
        );
        assert_eq!(
            event.configuration_at(&["FunctionName"]),
            Some(&json!("airline-booking"))
        );
        assert_eq!(
            api.supplementary_at(&["policy", "version"]),
            Some(&json!("2012-10-17"))
        );
    }

    #[test]
    fn a_deleted_item_may_have_no_configuration() {
        let mut deleted = event_form();
        deleted["configurationItemStatus"] = json!("ResourceDeleted");
        deleted["configuration"] = Value::Null;
        let item = ConfigurationItem::from_json(&deleted).unwrap();
        assert_eq!(item.status, ItemStatus::ResourceDeleted);
        assert!(!item.status.is_evaluable());
        assert_eq!(item.configuration, Value::Null);
    }

    #[test]
    fn an_item_without_identity_is_a_clear_error() {
        let mut item = event_form();
        item.as_object_mut().unwrap().remove("resourceId");
        assert_eq!(
            ConfigurationItem::from_json(&item).unwrap_err().to_string(),
            "invalid configuration item: configuration item has no `resourceId`"
        );
        assert!(ConfigurationItem::from_json(&json!("text")).is_err());
    }

    #[test]
    fn iam_url_encoded_documents_stay_text_for_the_policy_parser() {
        let encoded = json!("%7B%22Version%22%3A%222012-10-17%22%7D");
        assert_eq!(peel_json_strings(&encoded), encoded);
        assert_eq!(peel_json_strings(&json!("plain")), json!("plain"));
        assert_eq!(
            peel_json_strings(&json!("\"{\\\"a\\\":1}\"")),
            json!({"a": 1})
        );
    }
}
