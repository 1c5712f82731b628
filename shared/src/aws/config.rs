//! The engine's seams on AWS Config: PutEvaluations (`EvaluationSink`), GetResourceConfigHistory
//! (`ItemHistory`), ListDiscoveredResources and BatchGetResourceConfig (`RecordedResources`) and
//! GetComplianceDetailsByConfigRule (`PreviousResults`).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_config::types::{
    AggregateResourceIdentifier, BaseConfigurationItem, ComplianceType, ConfigurationItemStatus,
    Relationship, ResourceKey, ResourceType,
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
    in_batches(keys, ACTION, |batch| async move {
        let output = call!(
            config
                .batch_get_resource_config()
                .set_resource_keys(Some(batch)),
            ACTION
        )?;
        Ok((
            output.base_configuration_items,
            output.unprocessed_resource_keys,
        ))
    })
    .await
}

/// The items of `keys` read `MAX_BATCH_KEYS` at a time by `read`, which answers with the items
/// it read and the keys it left unprocessed (throttled): those are asked for again, and a
/// listing that still leaves some fails rather than coming back short.
async fn in_batches<Key, Read, Reading>(
    keys: &[Key],
    action: &'static str,
    mut read: Read,
) -> Result<Vec<ConfigurationItem>, ReadError>
where
    Key: Clone,
    Read: FnMut(Vec<Key>) -> Reading,
    Reading: std::future::Future<
        Output = Result<(Option<Vec<BaseConfigurationItem>>, Option<Vec<Key>>), ReadError>,
    >,
{
    let mut items = Vec::with_capacity(keys.len());
    for batch in keys.chunks(MAX_BATCH_KEYS) {
        let mut pending = batch.to_vec();
        for _ in 0..MAX_BATCH_ATTEMPTS {
            if pending.is_empty() {
                break;
            }
            let (read_items, unprocessed) = read(pending).await?;
            for item in read_items.unwrap_or_default() {
                let fields = ItemFields::of_base(&item);
                within_event_bytes("a recorded configuration item", fields.bytes())
                    .map_err(|err| ReadError::invalid(action, err.to_string()))?;
                let item = ConfigurationItem::from_json(&api_form(fields))
                    .map_err(|err| ReadError::invalid(action, err.to_string()))?;
                items.push(item);
            }
            pending = unprocessed.unwrap_or_default();
        }
        if !pending.is_empty() {
            return Err(ReadError::new(
                action,
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
    let expression = listing_expression(ACTION, types, &[], &[])?;
    let rows = every_item!(
        config
            .select_resource_config()
            .expression(&expression)
            .limit(100),
        ACTION
    )?;
    let listed = listed_rows(ACTION, &rows)?;
    let keys = listed
        .iter()
        .map(|row| {
            ResourceKey::builder()
                .resource_type(ResourceType::from(row.resource_type.as_str()))
                .resource_id(&row.resource_id)
                .build()
                .map_err(|err| ReadError::invalid(ACTION, err.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let items = batch_items(config, &keys).await?;
    Ok(with_listed_tags(items, listed))
}

/// Where an organization's resources are read from: a configuration aggregator in the
/// caller's account and region (the organization's management account or a delegated
/// administrator), and the accounts and regions asked for.
#[derive(Debug, Clone, Copy)]
pub struct AggregatorScope<'a> {
    pub aggregator: &'a str,
    pub types: &'a [&'a str],
    /// Empty for every account the aggregator holds.
    pub accounts: &'a [String],
    pub regions: &'a [String],
}

/// Every resource of the scope's types the aggregator holds in its accounts and regions, as
/// its latest configuration item with its tags and the account and region it is in: one
/// advanced query over the aggregator (SelectAggregateResourceConfig, 100 a page) and
/// BatchGetAggregateResourceConfig (100 a call), however many accounts and regions.
pub async fn aggregated_with_tags(
    config: &aws_sdk_config::Client,
    scope: AggregatorScope<'_>,
) -> Result<Vec<ConfigurationItem>, ReadError> {
    const ACTION: &str = "config:SelectAggregateResourceConfig";
    if scope.types.is_empty() || scope.regions.is_empty() {
        return Ok(Vec::new());
    }
    let expression = listing_expression(ACTION, scope.types, scope.accounts, scope.regions)?;
    let rows = every_item!(
        config
            .select_aggregate_resource_config()
            .configuration_aggregator_name(scope.aggregator)
            .expression(&expression)
            .limit(100),
        ACTION
    )?;
    let wanted =
        |wanted: &[String], value: &str| wanted.is_empty() || wanted.iter().any(|w| w == value);
    let mut listed = listed_rows(ACTION, &rows)?;
    // The query leaves out its account filter when the list is too long for an expression.
    listed.retain(|row| {
        wanted(scope.accounts, row.account.as_deref().unwrap_or_default())
            && wanted(scope.regions, row.region.as_deref().unwrap_or_default())
    });
    let identifiers = listed
        .iter()
        .map(|row| {
            let (Some(account), Some(region)) = (&row.account, &row.region) else {
                return Err(ReadError::invalid(
                    ACTION,
                    format!(
                        "a query result names no account or region: `{}`",
                        row.resource_id
                    ),
                ));
            };
            AggregateResourceIdentifier::builder()
                .source_account_id(account)
                .source_region(region)
                .resource_type(ResourceType::from(row.resource_type.as_str()))
                .resource_id(&row.resource_id)
                .build()
                .map_err(|err| ReadError::invalid(ACTION, err.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    const BATCH: &str = "config:BatchGetAggregateResourceConfig";
    let items = in_batches(&identifiers, BATCH, |batch| async move {
        let output = call!(
            config
                .batch_get_aggregate_resource_config()
                .configuration_aggregator_name(scope.aggregator)
                .set_resource_identifiers(Some(batch)),
            BATCH
        )?;
        Ok((
            output.base_configuration_items,
            output.unprocessed_resource_identifiers,
        ))
    })
    .await?;
    Ok(with_listed_tags(items, listed))
}

/// How far an aggregator's copy of one source (an account, or an organization's accounts, in
/// one region) can be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregatorSource {
    /// The account, or the organization (`o-...`).
    pub source_id: String,
    pub organization: bool,
    pub region: String,
    /// None when the last aggregation succeeded; otherwise what went wrong.
    pub problem: Option<String>,
}

/// The aggregator's sources and how their last aggregation went
/// (config:DescribeConfigurationAggregatorSourcesStatus).
pub async fn aggregator_sources(
    config: &aws_sdk_config::Client,
    aggregator: &str,
) -> Result<Vec<AggregatorSource>, ReadError> {
    use aws_sdk_config::types::{AggregatedSourceStatusType, AggregatedSourceType};
    let statuses = every_item!(
        config
            .describe_configuration_aggregator_sources_status()
            .configuration_aggregator_name(aggregator),
        "config:DescribeConfigurationAggregatorSourcesStatus"
    )?;
    Ok(statuses
        .iter()
        .map(|status| {
            let problem = match status.last_update_status() {
                Some(AggregatedSourceStatusType::Succeeded) => None,
                Some(AggregatedSourceStatusType::Outdated) => {
                    Some("its copy is outdated".to_owned())
                }
                other => Some(format!(
                    "its last aggregation {}: {}",
                    other.map_or("has no status", |_| "failed"),
                    status
                        .last_error_message()
                        .or(status.last_error_code())
                        .unwrap_or("no reason given")
                )),
            };
            AggregatorSource {
                source_id: status.source_id().unwrap_or_default().to_owned(),
                organization: status.source_type() == Some(&AggregatedSourceType::Organization),
                region: status.aws_region().unwrap_or_default().to_owned(),
                problem,
            }
        })
        .collect())
}

/// An advanced query's longest expression.
const MAX_EXPRESSION_CHARS: usize = 4096;

/// The advanced query listing every resource of `types`, with the account and region of each,
/// in `accounts` and `regions` when they are named (the accounts left out, and filtered by
/// the caller, when naming them would make the expression too long).
fn listing_expression(
    action: &'static str,
    types: &[&str],
    accounts: &[String],
    regions: &[String],
) -> Result<String, ReadError> {
    let quoted = |values: &mut dyn Iterator<Item = &str>| -> Result<String, ReadError> {
        let mut list = Vec::new();
        for value in values {
            if value.contains('\'') {
                return Err(ReadError::invalid(
                    action,
                    format!("`{value}` cannot be quoted in a query"),
                ));
            }
            list.push(format!("'{value}'"));
        }
        Ok(list.join(", "))
    };
    let aggregate = !regions.is_empty();
    let mut expression = if aggregate {
        "SELECT resourceId, resourceType, accountId, awsRegion, tags".to_owned()
    } else {
        "SELECT resourceId, resourceType, tags".to_owned()
    };
    expression.push_str(&format!(
        " WHERE resourceType IN ({})",
        quoted(&mut types.iter().copied())?
    ));
    if aggregate {
        expression.push_str(&format!(
            " AND awsRegion IN ({})",
            quoted(&mut regions.iter().map(String::as_str))?
        ));
    }
    if !accounts.is_empty() {
        let filter = format!(
            " AND accountId IN ({})",
            quoted(&mut accounts.iter().map(String::as_str))?
        );
        if expression.len() + filter.len() <= MAX_EXPRESSION_CHARS {
            expression.push_str(&filter);
        }
    }
    if expression.len() > MAX_EXPRESSION_CHARS {
        return Err(ReadError::invalid(
            action,
            format!("a query of {} characters is too long", expression.len()),
        ));
    }
    Ok(expression)
}

/// One resource an advanced query listed.
struct ListedRow {
    account: Option<String>,
    region: Option<String>,
    resource_type: String,
    resource_id: String,
    tags: BTreeMap<String, String>,
}

fn listed_rows(action: &'static str, rows: &[String]) -> Result<Vec<ListedRow>, ReadError> {
    rows.iter()
        .map(|row| {
            let value: Value = serde_json::from_str(row).map_err(|err| {
                ReadError::invalid(action, format!("unreadable query result: {err}"))
            })?;
            let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
            let (Some(resource_type), Some(resource_id)) =
                (field("resourceType"), field("resourceId"))
            else {
                return Err(ReadError::invalid(
                    action,
                    format!("a query result names no resource: `{}`", echo(row)),
                ));
            };
            Ok(ListedRow {
                account: field("accountId"),
                region: field("awsRegion"),
                resource_type,
                resource_id,
                tags: queried_tags(value.get("tags")),
            })
        })
        .collect()
}

/// The items with the tags the query listed them with (the batch reads carry none).
fn with_listed_tags(
    mut items: Vec<ConfigurationItem>,
    listed: Vec<ListedRow>,
) -> Vec<ConfigurationItem> {
    type Place = (Option<String>, Option<String>, String, String);
    let mut tags_of: HashMap<Place, BTreeMap<String, String>> = listed
        .into_iter()
        .map(|row| {
            let ListedRow {
                account,
                region,
                resource_type,
                resource_id,
                tags,
            } = row;
            ((account, region, resource_type, resource_id), tags)
        })
        .collect();
    let aggregate = tags_of.keys().any(|(account, ..)| account.is_some());
    for item in &mut items {
        let (account, region) = if aggregate {
            (item.account_id.clone(), item.region.clone())
        } else {
            (None, None)
        };
        let key = (
            account,
            region,
            item.resource_type.clone(),
            item.resource_id.clone(),
        );
        if let Some(tags) = tags_of.remove(&key) {
            item.tags = tags;
        }
    }
    items
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
