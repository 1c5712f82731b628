//! The engine's seams on AWS Config: PutEvaluations (`EvaluationSink`), GetResourceConfigHistory
//! (`ItemHistory`), ListDiscoveredResources and BatchGetResourceConfig (`RecordedResources`) and
//! GetComplianceDetailsByConfigRule (`PreviousResults`).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_config::types::{
    BaseConfigurationItem, ComplianceType, ConfigurationItemStatus, Relationship, ResourceKey,
    ResourceType,
};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::{json, Map, Value};

use super::error::read_error;
use super::AwsClients;
use crate::config::limits::within_event_bytes;
use crate::config::seams::TagsById;
use crate::config::{
    ConfigurationItem, Evaluation, EvaluationSink, ItemHistory, PreviousResults, ReadError,
    ReadErrorKind, RecordedResources,
};

/// Reports to AWS Config with PutEvaluations.
#[derive(Debug, Clone)]
pub struct ConfigSink {
    client: aws_sdk_config::Client,
}

impl ConfigSink {
    pub fn new(client: aws_sdk_config::Client) -> Self {
        ConfigSink { client }
    }
}

/// Parses an RFC 3339 timestamp; an unreadable one becomes "now" so the evaluation is not lost.
fn timestamp(text: &str) -> DateTime {
    DateTime::from_str(text, Format::DateTime).unwrap_or_else(|_| {
        tracing::warn!(
            timestamp = text,
            "unreadable ordering timestamp, using the current time"
        );
        DateTime::from(std::time::SystemTime::now())
    })
}

impl EvaluationSink for ConfigSink {
    async fn put(
        &self,
        batch: &[Evaluation],
        result_token: &str,
        test_mode: bool,
    ) -> Result<Vec<Evaluation>, ReadError> {
        const ACTION: &str = "config:PutEvaluations";
        let evaluations = batch
            .iter()
            .map(|evaluation| {
                aws_sdk_config::types::Evaluation::builder()
                    .compliance_resource_type(&evaluation.compliance_resource_type)
                    .compliance_resource_id(&evaluation.compliance_resource_id)
                    .compliance_type(ComplianceType::from(evaluation.compliance_type.as_str()))
                    .set_annotation(evaluation.annotation.clone())
                    .ordering_timestamp(timestamp(&evaluation.ordering_timestamp))
                    .build()
                    .map_err(|err| ReadError::invalid(ACTION, err.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = call!(
            self.client
                .put_evaluations()
                .set_evaluations(Some(evaluations))
                .result_token(result_token)
                .test_mode(test_mode),
            ACTION
        )?;
        let refused = output
            .failed_evaluations()
            .iter()
            .filter_map(|failed| {
                batch
                    .iter()
                    .find(|e| {
                        e.compliance_resource_id == failed.compliance_resource_id()
                            && e.compliance_resource_type == failed.compliance_resource_type()
                    })
                    .cloned()
            })
            .collect();
        Ok(refused)
    }
}

/// Pages of an empty history we follow before giving up (each page covers up to 7 days).
const MAX_HISTORY_PAGES: usize = 20;

impl ItemHistory for aws_sdk_config::Client {
    async fn latest_item(
        &self,
        resource_type: &str,
        resource_id: &str,
        later_time: &str,
    ) -> Result<Option<ConfigurationItem>, ReadError> {
        const ACTION: &str = "config:GetResourceConfigHistory";
        let later = DateTime::from_str(later_time, Format::DateTime).map_err(|err| {
            ReadError::invalid(
                ACTION,
                format!("capture time `{later_time}` is not RFC 3339: {err}"),
            )
        })?;
        let mut pages = self
            .get_resource_config_history()
            .resource_type(ResourceType::from(resource_type))
            .resource_id(resource_id)
            .later_time(later)
            .limit(1)
            .into_paginator()
            .send();
        for _ in 0..MAX_HISTORY_PAGES {
            let Some(page) = pages.next().await else {
                return Ok(None);
            };
            let page = page.map_err(read_error(ACTION))?;
            if let Some(item) = page.configuration_items().first() {
                within_event_bytes("the configuration item in the history", item_bytes(item))
                    .map_err(|err| ReadError::invalid(ACTION, err.to_string()))?;
                return ConfigurationItem::from_json(&api_form(ItemFields::of_history(item)))
                    .map(Some)
                    .map_err(|err| ReadError::invalid(ACTION, err.to_string()));
            }
        }
        Ok(None)
    }

    async fn tagged_with(&self, resource_type: &str, key: &str) -> Result<TagsById, ReadError> {
        const ACTION: &str = "config:SelectResourceConfig";
        if resource_type.contains('\'') || key.contains('\'') {
            return Err(ReadError::invalid(
                ACTION,
                format!("`{resource_type}` or `{key}` cannot be quoted in a query"),
            ));
        }
        let expression = format!(
            "SELECT resourceId, tags WHERE resourceType = '{resource_type}' AND tags.key = '{key}'"
        );
        let rows = every_item!(
            self.select_resource_config()
                .expression(&expression)
                .limit(100),
            ACTION
        )?;
        rows.iter()
            .map(|row| {
                let value: Value = serde_json::from_str(row).map_err(|err| {
                    ReadError::invalid(ACTION, format!("unreadable query result: {err}"))
                })?;
                Ok(value
                    .get("resourceId")
                    .and_then(Value::as_str)
                    .map(|id| (id.to_owned(), queried_tags(value.get("tags")))))
            })
            .filter_map(Result::transpose)
            .collect()
    }
}

/// Tags as an advanced query returns them: a list of `{"key", "value"}` (or, tolerated, an
/// object of key to value).
fn queried_tags(tags: Option<&Value>) -> BTreeMap<String, String> {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).unwrap_or_default().to_owned();
    match tags {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|tag| Some((tag.get("key")?.as_str()?.to_owned(), text(tag.get("value")))))
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| (key.clone(), text(Some(value))))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// The bulk of an item: its configuration and supplementary configuration texts.
fn item_bytes(item: &aws_sdk_config::types::ConfigurationItem) -> usize {
    ItemFields::of_history(item).bytes()
}

/// What the history's items and the batch's base items share, borrowed from either.
struct ItemFields<'a> {
    version: Option<&'a str>,
    account_id: Option<&'a str>,
    capture_time: Option<&'a DateTime>,
    status: Option<&'a ConfigurationItemStatus>,
    resource_type: Option<&'a ResourceType>,
    resource_id: Option<&'a str>,
    resource_name: Option<&'a str>,
    arn: Option<&'a str>,
    aws_region: Option<&'a str>,
    configuration: Option<&'a str>,
    supplementary: Option<&'a HashMap<String, String>>,
    tags: Option<&'a HashMap<String, String>>,
    relationships: &'a [Relationship],
}

impl<'a> ItemFields<'a> {
    fn of_history(item: &'a aws_sdk_config::types::ConfigurationItem) -> Self {
        ItemFields {
            version: item.version(),
            account_id: item.account_id(),
            capture_time: item.configuration_item_capture_time(),
            status: item.configuration_item_status(),
            resource_type: item.resource_type(),
            resource_id: item.resource_id(),
            resource_name: item.resource_name(),
            arn: item.arn(),
            aws_region: item.aws_region(),
            configuration: item.configuration(),
            supplementary: item.supplementary_configuration(),
            tags: item.tags(),
            relationships: item.relationships(),
        }
    }

    /// A batch's item, which carries no tags or relationships (no rule reads them).
    fn of_base(item: &'a BaseConfigurationItem) -> Self {
        ItemFields {
            version: item.version(),
            account_id: item.account_id(),
            capture_time: item.configuration_item_capture_time(),
            status: item.configuration_item_status(),
            resource_type: item.resource_type(),
            resource_id: item.resource_id(),
            resource_name: item.resource_name(),
            arn: item.arn(),
            aws_region: item.aws_region(),
            configuration: item.configuration(),
            supplementary: item.supplementary_configuration(),
            tags: None,
            relationships: &[],
        }
    }

    fn bytes(&self) -> usize {
        let supplementary: usize = self
            .supplementary
            .map(|map| map.iter().map(|(k, v)| k.len() + v.len()).sum())
            .unwrap_or_default();
        self.configuration.map_or(0, str::len) + supplementary
    }
}

/// The SDK's item as the API-form JSON the normalizer reads, so every path shares one parser.
fn api_form(item: ItemFields<'_>) -> Value {
    let text = |value: Option<&str>| value.map_or(Value::Null, |s| Value::String(s.to_owned()));
    let capture_time = item
        .capture_time
        .and_then(|time| time.fmt(Format::DateTime).ok())
        .map_or(Value::Null, Value::String);
    let relationships: Vec<Value> = item
        .relationships
        .iter()
        .map(|r| {
            json!({
                "relationshipName": r.relationship_name(),
                "resourceType": r.resource_type().map(|t| t.as_str()),
                "resourceId": r.resource_id(),
                "resourceName": r.resource_name(),
            })
        })
        .collect();
    let supplementary: Map<String, Value> = item
        .supplementary
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "version": text(item.version),
        "accountId": text(item.account_id),
        "configurationItemCaptureTime": capture_time,
        "configurationItemStatus": text(item.status.map(|s| s.as_str())),
        "resourceType": text(item.resource_type.map(|t| t.as_str())),
        "resourceId": text(item.resource_id),
        "resourceName": text(item.resource_name),
        "arn": text(item.arn),
        "awsRegion": text(item.aws_region),
        "tags": item.tags.cloned().unwrap_or_default(),
        "relationships": relationships,
        "configuration": text(item.configuration),
        "supplementaryConfiguration": supplementary,
    })
}

/// BatchGetResourceConfig takes at most this many keys a call.
const MAX_BATCH_KEYS: usize = 100;
/// Calls for keys Config left unprocessed (throttled) before the listing fails.
const MAX_BATCH_ATTEMPTS: usize = 3;

impl RecordedResources for aws_sdk_config::Client {
    async fn recorded_items(
        &self,
        resource_type: &str,
    ) -> Result<Vec<ConfigurationItem>, ReadError> {
        const ACTION: &str = "config:BatchGetResourceConfig";
        let identifiers = every_item!(
            self.list_discovered_resources()
                .resource_type(ResourceType::from(resource_type)),
            "config:ListDiscoveredResources"
        )?;
        let keys = identifiers
            .iter()
            .filter_map(|identifier| {
                let key = ResourceKey::builder()
                    .resource_type(ResourceType::from(resource_type))
                    .resource_id(identifier.resource_id()?)
                    .build();
                Some(key.map_err(|err| ReadError::invalid(ACTION, err.to_string())))
            })
            .collect::<Result<Vec<_>, _>>()?;
        batch_items(self, &keys).await
    }
}

/// The recorded items of `keys`, 100 a call; keys Config leaves unprocessed are asked for
/// again, and a listing that still leaves some fails rather than coming back short.
async fn batch_items(
    config: &aws_sdk_config::Client,
    keys: &[ResourceKey],
) -> Result<Vec<ConfigurationItem>, ReadError> {
    const ACTION: &str = "config:BatchGetResourceConfig";
    let mut items = Vec::with_capacity(keys.len());
    for batch in keys.chunks(MAX_BATCH_KEYS) {
        let mut pending = batch.to_vec();
        for _ in 0..MAX_BATCH_ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            let output = call!(
                config
                    .batch_get_resource_config()
                    .set_resource_keys(Some(pending.clone())),
                ACTION
            )?;
            for item in output.base_configuration_items() {
                let fields = ItemFields::of_base(item);
                within_event_bytes("a recorded configuration item", fields.bytes())
                    .map_err(|err| ReadError::invalid(ACTION, err.to_string()))?;
                let item = ConfigurationItem::from_json(&api_form(fields))
                    .map_err(|err| ReadError::invalid(ACTION, err.to_string()))?;
                items.push(item);
            }
            pending = output.unprocessed_resource_keys().to_vec();
        }
        if !pending.is_empty() {
            return Err(ReadError::new(
                ACTION,
                ReadErrorKind::Throttled,
                format!("{} resources were left unprocessed", pending.len()),
            ));
        }
    }
    Ok(items)
}

/// Which resource types the account's configuration recorder records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// No recorder, or one that is stopped: Config holds nothing current.
    Nothing,
    /// Every supported type (but those excluded).
    AllBut(Vec<String>),
    /// Only these types.
    Only(Vec<String>),
}

impl Recording {
    pub fn records(&self, resource_type: &str) -> bool {
        match self {
            Recording::Nothing => false,
            Recording::AllBut(excluded) => !excluded.iter().any(|t| t == resource_type),
            Recording::Only(types) => types.iter().any(|t| t == resource_type),
        }
    }
}

/// What the account's configuration recorder records in this region, as it is now
/// (config:DescribeConfigurationRecorders and config:DescribeConfigurationRecorderStatus).
pub async fn recording(config: &aws_sdk_config::Client) -> Result<Recording, ReadError> {
    use aws_sdk_config::types::RecordingStrategyType;
    let recorders = call!(
        config.describe_configuration_recorders(),
        "config:DescribeConfigurationRecorders"
    )?;
    let statuses = call!(
        config.describe_configuration_recorder_status(),
        "config:DescribeConfigurationRecorderStatus"
    )?;
    let recording = statuses
        .configuration_recorders_status()
        .iter()
        .any(|status| status.recording());
    let Some(group) = recorders
        .configuration_recorders()
        .first()
        .filter(|_| recording)
        .and_then(|recorder| recorder.recording_group())
    else {
        return Ok(Recording::Nothing);
    };
    let names = |types: &[ResourceType]| types.iter().map(|t| t.as_str().to_owned()).collect();
    let strategy = group
        .recording_strategy()
        .and_then(|s| s.use_only())
        .cloned();
    Ok(match strategy {
        Some(RecordingStrategyType::ExclusionByResourceTypes) => Recording::AllBut(
            group
                .exclusion_by_resource_types()
                .map_or_else(Vec::new, |e| names(e.resource_types())),
        ),
        Some(RecordingStrategyType::InclusionByResourceTypes) => {
            Recording::Only(names(group.resource_types()))
        }
        _ if group.all_supported() => Recording::AllBut(Vec::new()),
        _ => Recording::Only(names(group.resource_types())),
    })
}

/// Every resource of `types` Config records now, as its latest configuration item with its
/// tags: one advanced query lists them with their tags (100 a page) and BatchGetResourceConfig
/// reads their items (100 a call). Advanced queries index neither the policies nor the
/// variables the rules judge, so the items come from the batch read.
pub async fn recorded_with_tags(
    config: &aws_sdk_config::Client,
    types: &[&str],
) -> Result<Vec<ConfigurationItem>, ReadError> {
    const ACTION: &str = "config:SelectResourceConfig";
    if types.is_empty() {
        return Ok(Vec::new());
    }
    if types.iter().any(|t| t.contains('\'')) {
        return Err(ReadError::invalid(
            ACTION,
            "a resource type cannot be quoted in a query",
        ));
    }
    let quoted: Vec<String> = types.iter().map(|t| format!("'{t}'")).collect();
    let expression = format!(
        "SELECT resourceId, resourceType, tags WHERE resourceType IN ({})",
        quoted.join(", ")
    );
    let rows = every_item!(
        config
            .select_resource_config()
            .expression(&expression)
            .limit(100),
        ACTION
    )?;
    let mut tags_of: HashMap<(String, String), BTreeMap<String, String>> = HashMap::new();
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        let value: Value = serde_json::from_str(row)
            .map_err(|err| ReadError::invalid(ACTION, format!("unreadable query result: {err}")))?;
        let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        let (Some(resource_type), Some(resource_id)) = (field("resourceType"), field("resourceId"))
        else {
            return Err(ReadError::invalid(
                ACTION,
                format!("a query result names no resource: {}", echo(row)),
            ));
        };
        keys.push(
            ResourceKey::builder()
                .resource_type(ResourceType::from(resource_type.as_str()))
                .resource_id(&resource_id)
                .build()
                .map_err(|err| ReadError::invalid(ACTION, err.to_string()))?,
        );
        tags_of.insert(
            (resource_type, resource_id),
            queried_tags(value.get("tags")),
        );
    }
    let mut items = batch_items(config, &keys).await?;
    for item in &mut items {
        if let Some(tags) = tags_of.remove(&(item.resource_type.clone(), item.resource_id.clone()))
        {
            item.tags = tags;
        }
    }
    Ok(items)
}

/// The start of `text`, for an error message.
fn echo(text: &str) -> String {
    text.chars().take(80).collect()
}

impl RecordedResources for AwsClients {
    async fn recorded_items(
        &self,
        resource_type: &str,
    ) -> Result<Vec<ConfigurationItem>, ReadError> {
        self.config().recorded_items(resource_type).await
    }
}

impl PreviousResults for aws_sdk_config::Client {
    async fn evaluated_resources(
        &self,
        rule_name: &str,
    ) -> Result<Vec<(String, String)>, ReadError> {
        let results = every_item!(
            self.get_compliance_details_by_config_rule()
                .config_rule_name(rule_name)
                .compliance_types(ComplianceType::Compliant)
                .compliance_types(ComplianceType::NonCompliant)
                .limit(100),
            "config:GetComplianceDetailsByConfigRule"
        )?;
        Ok(results
            .iter()
            .filter_map(|result| {
                let qualifier = result
                    .evaluation_result_identifier()?
                    .evaluation_result_qualifier()?;
                Some((
                    qualifier.resource_type()?.to_owned(),
                    qualifier.resource_id()?.to_owned(),
                ))
            })
            .collect())
    }
}
