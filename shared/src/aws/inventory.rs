//! The account's in-scope resources as configuration items, built from the service APIs the way
//! AWS Config records them, for `sec2 scan` (no Config recorder needed).

use aws_sdk_apigateway::types::RestApi;
use aws_sdk_appsync::types::GraphqlApi;
use futures_util::stream::{self, StreamExt};
use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::config::{aggregated_with_tags, aggregator_sources, AggregatorScope, AggregatorSource};
use super::error::{absent_as_none, read_error};
use super::functions::facts_of;
use super::{tag_map, AwsClients};
use crate::config::item::epoch_to_rfc3339;
use crate::config::periodic::READ_CONCURRENCY;
use crate::config::views::{
    bucket_configuration, bucket_region, config_permission, event_bus_configuration,
    queue_configuration, record_policy, rest_api_configuration, stage_configuration,
    table_configuration, topic_configuration, LambdaFunction,
};
use crate::config::{ConfigurationItem, ReadError};
use crate::rules::network_controls::NetworkReader;

/// Resource types the scan can list.
pub const SCANNED_TYPES: &[&str] = &[
    "AWS::Lambda::Function",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::S3::Bucket",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGatewayV2::Api",
    "AWS::AppSync::GraphQLApi",
    "AWS::Events::EventBus",
    "AWS::DynamoDB::Table",
];

/// A resource the scan could not read; reported, and the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub resource_type: String,
    pub resource_id: String,
    pub reason: String,
}

/// What the listing found.
#[derive(Debug, Default)]
pub struct Inventory {
    pub items: Vec<ConfigurationItem>,
    pub unreadable: Vec<Unreadable>,
    /// How the listing went where it did not go as asked (read from the services instead of
    /// AWS Config, and why), for the person scanning.
    pub notes: Vec<String>,
}

/// Where a scan reads the resources' configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Each service's own API, resource by resource (no Config recorder needed).
    Services,
    /// AWS Config's recorded items, in bulk, and the services for what Config does not record.
    Config,
}

/// Lists every resource of `types`: from AWS Config's recorded items where the recorder
/// records the type (an advanced query and BatchGetResourceConfig, 100 a call: two reads per
/// hundred resources instead of one or more per resource), and from the service APIs for the
/// types it does not record, or when Config cannot be read. With an organization's
/// `aggregated` items, the recorded types' items come from there, unless the aggregator cannot
/// stand for this account and region (then from the account's own Config, and the notes say
/// why).
pub async fn list_recorded(
    clients: &AwsClients,
    place: &Place,
    types: &[&str],
    aggregated: Option<&Aggregated>,
) -> Inventory {
    // The aggregator cannot tell a type its source does not record from one it has none of:
    // the account's own recorder says which types its items stand for.
    let recording = match super::config::recording(clients.config()).await {
        Ok(recording) => recording,
        Err(error) => {
            let note = format!(
                "read from the services: AWS Config's recorder could not be read ({error})"
            );
            let mut inventory = list(clients, place, types).await;
            inventory.notes.push(note);
            return inventory;
        }
    };
    let (recorded, unrecorded): (Vec<&str>, Vec<&str>) =
        types.iter().partition(|t| recording.records(t));
    let mut inventory = list(clients, place, &unrecorded).await;
    if !unrecorded.is_empty() {
        inventory.notes.push(format!(
            "read from the services, as AWS Config does not record them here: {}",
            unrecorded.join(", ")
        ));
    }
    if let Some(aggregated) = aggregated {
        match aggregated.items_at(place, &recorded) {
            Ok(items) => {
                inventory.items.extend(items);
                return inventory;
            }
            Err(why) => inventory.notes.push(format!(
                "read from this account's own AWS Config, as the aggregator `{}` cannot stand for it: {why}",
                aggregated.aggregator
            )),
        }
    }
    match super::config::recorded_with_tags(clients.config(), &recorded).await {
        Ok(items) => inventory.items.extend(items),
        Err(error) => {
            let fallback = list(clients, place, &recorded).await;
            inventory.items.extend(fallback.items);
            inventory.unreadable.extend(fallback.unreadable);
            inventory.notes.push(format!(
                "read from the services: AWS Config's items could not be read ({error})"
            ));
        }
    }
    inventory
}

/// An organization's recorded items, read once for every account and region scanned through a
/// configuration aggregator, with how far its copy of each source can be trusted.
#[derive(Debug, Clone)]
pub struct Aggregated {
    pub aggregator: String,
    by_place: HashMap<(String, String), Vec<ConfigurationItem>>,
    sources: Vec<AggregatorSource>,
    /// The organization's accounts, which its sources cover; None when they could not be read.
    members: Option<Vec<String>>,
}

impl Aggregated {
    /// Reads every item of `types` in `accounts` (all the aggregator holds when empty) and
    /// `regions` through the aggregator `aggregator` of `config`'s account and region.
    /// `members` are the organization's accounts, which its organization sources cover (none
    /// when they are not known).
    pub async fn read(
        config: &aws_sdk_config::Client,
        aggregator: &str,
        types: &[&str],
        accounts: &[String],
        regions: &[String],
        members: Option<Vec<String>>,
    ) -> Result<Self, ReadError> {
        let sources = aggregator_sources(config, aggregator).await?;
        let scope = AggregatorScope {
            aggregator,
            types,
            accounts,
            regions,
        };
        let items = aggregated_with_tags(config, scope).await?;
        Ok(Aggregated::from_parts(aggregator, items, sources, members))
    }

    /// Whether an organization source needs the organization's accounts, not given yet.
    pub fn needs_members(&self) -> bool {
        self.members.is_none() && self.sources.iter().any(|source| source.organization)
    }

    pub fn with_members(self, members: Option<Vec<String>>) -> Self {
        Aggregated { members, ..self }
    }

    pub fn from_parts(
        aggregator: &str,
        items: Vec<ConfigurationItem>,
        sources: Vec<AggregatorSource>,
        members: Option<Vec<String>>,
    ) -> Self {
        let mut by_place: HashMap<(String, String), Vec<ConfigurationItem>> = HashMap::new();
        for item in items {
            let place = (
                item.account_id.clone().unwrap_or_default(),
                item.region.clone().unwrap_or_default(),
            );
            by_place.entry(place).or_default().push(item);
        }
        Aggregated {
            aggregator: aggregator.to_owned(),
            by_place,
            sources,
            members,
        }
    }

    /// The items of `types` at `place`, or why the aggregator's copy cannot stand for the
    /// account's own there (no source covers it, or its last aggregation did not succeed).
    pub fn items_at(
        &self,
        place: &Place,
        types: &[&str],
    ) -> Result<Vec<ConfigurationItem>, String> {
        let member = |account: &str| {
            self.members
                .as_ref()
                .is_some_and(|members| members.iter().any(|m| m == account))
        };
        let covering: Vec<&AggregatorSource> = self
            .sources
            .iter()
            .filter(|source| {
                source.region == place.region
                    && if source.organization {
                        member(&place.account)
                    } else {
                        source.source_id == place.account
                    }
            })
            .collect();
        if let Some(problem) = covering.iter().find_map(|source| source.problem.as_ref()) {
            return Err(problem.clone());
        }
        if covering.is_empty() {
            return Err(match &self.members {
                None if self.sources.iter().any(|source| source.organization) => {
                    "none of its sources is this account in this region (the organization's accounts could not be read)".to_owned()
                }
                _ => "none of its sources is this account in this region".to_owned(),
            });
        }
        Ok(self
            .by_place
            .get(&(place.account.clone(), place.region.clone()))
            .map(|items| {
                items
                    .iter()
                    .filter(|item| types.contains(&item.resource_type.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Where the items live.
#[derive(Debug, Clone)]
pub struct Place {
    pub account: String,
    pub region: String,
}

impl Place {
    fn item(
        &self,
        resource_type: &str,
        resource_id: &str,
        name: &str,
        arn: &str,
        configuration: Value,
        supplementary: Map<String, Value>,
    ) -> Result<ConfigurationItem, Unreadable> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        ConfigurationItem::from_json(&json!({
            "configurationItemCaptureTime": epoch_to_rfc3339(now.floor()),
            "configurationItemStatus": "OK",
            "awsAccountId": self.account,
            "awsRegion": self.region,
            "resourceType": resource_type,
            "resourceId": resource_id,
            "resourceName": name,
            "ARN": arn,
            "configuration": configuration,
            "supplementaryConfiguration": supplementary,
        }))
        .map_err(|err| unreadable(resource_type, resource_id, err.to_string()))
    }
}

/// Lists every resource of `types` the clients' account holds in their region.
pub async fn list(clients: &AwsClients, place: &Place, types: &[&str]) -> Inventory {
    let mut inventory = Inventory::default();
    // REST APIs are the parents of stages too: list them once for both types.
    let mut rest_api_list: Option<Result<Vec<RestApi>, ReadError>> = None;
    for resource_type in types {
        if resource_type.starts_with("AWS::ApiGateway::") && rest_api_list.is_none() {
            rest_api_list = Some(list_rest_apis(clients).await);
        }
        let apis = || rest_api_list.clone().unwrap_or_else(|| Ok(Vec::new()));
        let listed = match *resource_type {
            "AWS::Lambda::Function" => functions(clients, place).await,
            "AWS::SQS::Queue" => queues(clients, place).await,
            "AWS::SNS::Topic" => topics(clients, place).await,
            "AWS::S3::Bucket" => buckets(clients, place).await,
            "AWS::ApiGateway::RestApi" => apis().map(|apis| rest_apis(&apis, place)),
            "AWS::ApiGateway::Stage" => match apis() {
                Ok(apis) => Ok(stages(clients, place, apis).await),
                Err(reason) => Err(reason),
            },
            "AWS::Events::EventBus" => event_buses(clients, place).await,
            "AWS::ApiGatewayV2::Api" => http_apis(clients, place).await,
            "AWS::AppSync::GraphQLApi" => graphql_apis(clients, place).await,
            "AWS::DynamoDB::Table" => tables(clients, place).await,
            _ => continue,
        };
        match listed {
            Ok(results) => {
                for result in results {
                    match result {
                        Ok(item) => inventory.items.push(item),
                        Err(unreadable) => inventory.unreadable.push(unreadable),
                    }
                }
            }
            Err(error) => inventory.unreadable.push(Unreadable {
                resource_type: (*resource_type).to_owned(),
                resource_id: "(all)".to_owned(),
                reason: error.annotation("the list of them"),
            }),
        }
    }
    inventory
}

type Listed = Result<Vec<Result<ConfigurationItem, Unreadable>>, ReadError>;

fn unreadable(resource_type: &str, resource_id: &str, reason: String) -> Unreadable {
    Unreadable {
        resource_type: resource_type.to_owned(),
        resource_id: resource_id.to_owned(),
        reason,
    }
}

async fn functions(clients: &AwsClients, place: &Place) -> Listed {
    const TYPE: &str = "AWS::Lambda::Function";
    let listed = clients.function_configurations().await?;
    // The rules that look at every function (role sharing) read this listing, not another;
    // when a function's variables cannot be read, they list functions themselves and say so.
    let facts = facts_of(&listed);
    if let Ok(facts) = facts {
        // A fresh scan's memo holds no listing yet, so this one is kept.
        let _kept = clients.memo.functions(async { Ok(facts) }).await;
    }
    Ok(stream::iter(listed)
        .map(|function| async move {
            let name = function.function_name().unwrap_or_default().to_owned();
            let arn = function.function_arn().unwrap_or_default().to_owned();
            let read = absent_as_none(
                clients
                    .lambda()
                    .get_policy()
                    .function_name(&name)
                    .send()
                    .await,
                |e| e.is_resource_not_found_exception(),
                "lambda:GetPolicy",
            );
            let policy = match read {
                Ok(output) => output.and_then(|output| output.policy().map(str::to_owned)),
                Err(error) => {
                    return Err(unreadable(
                        TYPE,
                        &name,
                        error.annotation("the function policy"),
                    ));
                }
            };
            let vpc = function.vpc_config();
            let configuration = LambdaFunction {
                name: name.clone(),
                arn: Some(arn.clone()),
                role: function.role().map(str::to_owned),
                runtime: function.runtime().map(|r| r.as_str().to_owned()),
                subnet_ids: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
                security_group_ids: vpc
                    .map(|v| v.security_group_ids().to_vec())
                    .unwrap_or_default(),
            }
            .configuration();
            // Config records a function's tags; they matter to a rule only where a grant is
            // public (a mark of public by design), so they are read only when there is a policy.
            let tags = match &policy {
                Some(_) => NetworkReader::function_tags(clients, &arn)
                    .await
                    .map_err(|error| {
                        unreadable(TYPE, &name, error.annotation("the function's tags"))
                    })?,
                None => Default::default(),
            };
            let mut supplementary = Map::new();
            let mut configuration = configuration;
            if let Some(policy) = policy {
                record_policy(TYPE, &mut configuration, &mut supplementary, policy);
            }
            place
                .item(TYPE, &name, &name, &arn, configuration, supplementary)
                .map(|mut item| {
                    item.tags = tags;
                    item
                })
        })
        .buffered(READ_CONCURRENCY)
        .collect()
        .await)
}

async fn queues(clients: &AwsClients, place: &Place) -> Listed {
    use aws_sdk_sqs::types::QueueAttributeName;
    const TYPE: &str = "AWS::SQS::Queue";
    let urls = every_item!(clients.sqs().list_queues(), "sqs:ListQueues")?;
    Ok(stream::iter(urls)
        .map(|url| async move {
            let attributes = clients
                .sqs()
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::Policy)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .map_err(|err| {
                    let error = read_error("sqs:GetQueueAttributes")(err);
                    unreadable(TYPE, &url, error.annotation("the queue policy"))
                })?;
            let get = |name: QueueAttributeName| {
                attributes
                    .attributes()
                    .and_then(|all| all.get(&name))
                    .cloned()
            };
            let arn = get(QueueAttributeName::QueueArn).unwrap_or_default();
            let name = url.rsplit('/').next().unwrap_or(&url).to_owned();
            let mut configuration = queue_configuration(&url, &arn);
            let mut supplementary = Map::new();
            if let Some(policy) = get(QueueAttributeName::Policy) {
                record_policy(TYPE, &mut configuration, &mut supplementary, policy);
            }
            place.item(TYPE, &url, &name, &arn, configuration, supplementary)
        })
        .buffered(READ_CONCURRENCY)
        .collect()
        .await)
}

async fn topics(clients: &AwsClients, place: &Place) -> Listed {
    const TYPE: &str = "AWS::SNS::Topic";
    let listed = every_item!(clients.sns().list_topics(), "sns:ListTopics")?;
    Ok(stream::iter(listed)
        .map(|topic| async move {
            let arn = topic.topic_arn().unwrap_or_default().to_owned();
            let attributes = clients
                .sns()
                .get_topic_attributes()
                .topic_arn(&arn)
                .send()
                .await
                .map_err(|err| {
                    let error = read_error("sns:GetTopicAttributes")(err);
                    unreadable(TYPE, &arn, error.annotation("the topic policy"))
                })?;
            let mut configuration = topic_configuration(&arn);
            let mut supplementary = Map::new();
            if let Some(policy) = attributes.attributes().and_then(|all| all.get("Policy")) {
                record_policy(TYPE, &mut configuration, &mut supplementary, policy.clone());
            }
            let name = arn.rsplit(':').next().unwrap_or(&arn).to_owned();
            place.item(TYPE, &arn, &name, &arn, configuration, Map::new())
        })
        .buffered(READ_CONCURRENCY)
        .collect()
        .await)
}

/// The account's buckets in the place's region, each with its policy, ACL and Block Public
/// Access settings where Config records them (the supplementary configuration).
async fn buckets(clients: &AwsClients, place: &Place) -> Listed {
    const TYPE: &str = "AWS::S3::Bucket";
    let listed = every_item!(clients.s3().list_buckets(), "s3:ListAllMyBuckets")?;
    let read = stream::iter(listed)
        .map(|bucket| async move {
            let name = bucket.name().unwrap_or_default().to_owned();
            let region = match bucket.bucket_region() {
                Some(region) => region.to_owned(),
                None => {
                    let location = call!(
                        clients.s3().get_bucket_location().bucket(&name),
                        "s3:GetBucketLocation"
                    )
                    .map_err(|error| {
                        unreadable(TYPE, &name, error.annotation("the bucket's region"))
                    })?;
                    let constraint = location.location_constraint().map(|c| c.as_str());
                    bucket_region(constraint).to_owned()
                }
            };
            if region != place.region {
                return Ok(None);
            }
            bucket_item(clients, place, &name).await.map(Some)
        })
        .buffered(READ_CONCURRENCY)
        .collect::<Vec<Result<Option<ConfigurationItem>, Unreadable>>>()
        .await;
    Ok(read.into_iter().filter_map(Result::transpose).collect())
}

async fn bucket_item(
    clients: &AwsClients,
    place: &Place,
    name: &str,
) -> Result<ConfigurationItem, Unreadable> {
    const TYPE: &str = "AWS::S3::Bucket";
    let failed =
        |what: &'static str| move |error: ReadError| unreadable(TYPE, name, error.annotation(what));
    let s3 = clients.s3();
    let policy = absent_as_none(
        s3.get_bucket_policy().bucket(name).send().await,
        |e| e.meta().code() == Some("NoSuchBucketPolicy"),
        "s3:GetBucketPolicy",
    )
    .map_err(failed("the bucket policy"))?
    .and_then(|output| output.policy().map(str::to_owned));
    let acl = call!(s3.get_bucket_acl().bucket(name), "s3:GetBucketAcl")
        .map_err(failed("the bucket ACL"))?;
    let block = absent_as_none(
        s3.get_public_access_block().bucket(name).send().await,
        |e| e.meta().code() == Some("NoSuchPublicAccessBlockConfiguration"),
        "s3:GetBucketPublicAccessBlock",
    )
    .map_err(failed("the bucket's Block Public Access settings"))?
    .and_then(|output| output.public_access_block_configuration().cloned());
    // As Config records them: each a JSON document in a string.
    let grants: Vec<Value> = acl
        .grants()
        .iter()
        .map(|grant| {
            let grantee = grant
                .grantee()
                .map_or(Value::Null, |grantee| match grantee.uri() {
                    Some(uri) => Value::String(uri.rsplit('/').next().unwrap_or(uri).to_owned()),
                    None => json!({"id": grantee.id(), "displayName": grantee.display_name()}),
                });
            let permission = grant.permission().map(|p| config_permission(p.as_str()));
            json!({"grantee": grantee, "permission": permission})
        })
        .collect();
    let owner = acl.owner().map(|owner| json!({"id": owner.id()}));
    let mut supplementary = Map::new();
    supplementary.insert(
        "BucketPolicy".to_owned(),
        Value::String(json!({ "policyText": policy }).to_string()),
    );
    supplementary.insert(
        "AccessControlList".to_owned(),
        Value::String(json!({"grantList": grants, "owner": owner}).to_string()),
    );
    if let Some(block) = block {
        let settings = json!({
            "blockPublicAcls": block.block_public_acls().unwrap_or(false),
            "ignorePublicAcls": block.ignore_public_acls().unwrap_or(false),
            "blockPublicPolicy": block.block_public_policy().unwrap_or(false),
            "restrictPublicBuckets": block.restrict_public_buckets().unwrap_or(false),
        });
        supplementary.insert(
            "PublicAccessBlockConfiguration".to_owned(),
            Value::String(settings.to_string()),
        );
    }
    let arn = format!("arn:aws:s3:::{name}");
    place.item(
        TYPE,
        name,
        name,
        &arn,
        bucket_configuration(name),
        supplementary,
    )
}

async fn list_rest_apis(clients: &AwsClients) -> Result<Vec<RestApi>, ReadError> {
    every_item!(clients.apigateway().get_rest_apis(), "apigateway:GET")
}

/// At most this many pages of HTTP APIs are listed.
const MAX_API_PAGES: usize = 100;

async fn http_apis(clients: &AwsClients, place: &Place) -> Listed {
    const TYPE: &str = "AWS::ApiGatewayV2::Api";
    const ACTION: &str = "apigateway:GET";
    let mut items = Vec::new();
    let mut token = None;
    for _ in 0..MAX_API_PAGES {
        let page = call!(
            clients
                .apigatewayv2()
                .get_apis()
                .set_next_token(token.take()),
            ACTION
        )?;
        for api in page.items() {
            let id = api.api_id().unwrap_or_default();
            let arn = format!("arn:aws:apigateway:{}::/apis/{id}", place.region);
            let configuration = json!({
                "apiId": id,
                "name": api.name(),
                "protocolType": api.protocol_type().map(|kind| kind.as_str()),
            });
            items.push(place.item(
                TYPE,
                id,
                api.name().unwrap_or(id),
                &arn,
                configuration,
                Map::new(),
            ));
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(items);
        }
    }
    Err(ReadError::invalid(
        ACTION,
        format!("more than {MAX_API_PAGES} pages of HTTP APIs"),
    ))
}

async fn graphql_apis(clients: &AwsClients, place: &Place) -> Listed {
    const TYPE: &str = "AWS::AppSync::GraphQLApi";
    let apis: Vec<GraphqlApi> = every_item!(
        clients.appsync().list_graphql_apis(),
        "appsync:ListGraphqlApis"
    )?;
    Ok(apis
        .iter()
        .map(|api| {
            let id = api.api_id().unwrap_or_default();
            let arn = api.arn().map_or_else(
                || {
                    format!(
                        "arn:aws:appsync:{}:{}:apis/{id}",
                        place.region, place.account
                    )
                },
                str::to_owned,
            );
            let configuration = json!({
                "ApiId": id,
                "Name": api.name(),
                "AuthenticationType": api.authentication_type().map(|kind| kind.as_str()),
            });
            place.item(
                TYPE,
                id,
                api.name().unwrap_or(id),
                &arn,
                configuration,
                Map::new(),
            )
        })
        .collect())
}

fn rest_apis(apis: &[RestApi], place: &Place) -> Vec<Result<ConfigurationItem, Unreadable>> {
    const TYPE: &str = "AWS::ApiGateway::RestApi";
    apis.iter()
        .map(|api| {
            let id = api.id().unwrap_or_default();
            let types: Vec<&str> = api
                .endpoint_configuration()
                .map(|c| c.types().iter().map(|t| t.as_str()).collect())
                .unwrap_or_default();
            let mut configuration = rest_api_configuration(id, api.name(), &types);
            if let Some(policy) = api.policy() {
                let mut no_supplementary = Map::new();
                let policy = policy.to_owned();
                record_policy(TYPE, &mut configuration, &mut no_supplementary, policy);
            }
            let arn = format!("arn:aws:apigateway:{}::/restapis/{id}", place.region);
            place
                .item(
                    TYPE,
                    id,
                    api.name().unwrap_or(id),
                    &arn,
                    configuration,
                    Map::new(),
                )
                .map(|mut item| {
                    item.tags = tag_map(api.tags());
                    item
                })
        })
        .collect()
}

async fn stages(
    clients: &AwsClients,
    place: &Place,
    apis: Vec<RestApi>,
) -> Vec<Result<ConfigurationItem, Unreadable>> {
    const TYPE: &str = "AWS::ApiGateway::Stage";
    let per_api: Vec<Vec<Result<ConfigurationItem, Unreadable>>> = stream::iter(apis)
        .map(|api| async move {
            let id = api.id().unwrap_or_default().to_owned();
            let api_arn = format!("arn:aws:apigateway:{}::/restapis/{id}", place.region);
            match clients
                .apigateway()
                .get_stages()
                .rest_api_id(&id)
                .send()
                .await
            {
                Err(err) => vec![Err(unreadable(
                    TYPE,
                    &format!("{api_arn}/stages/*"),
                    read_error("apigateway:GET")(err).annotation("the list of stages"),
                ))],
                Ok(output) => output
                    .item()
                    .iter()
                    .map(|stage| {
                        let name = stage.stage_name().unwrap_or_default();
                        let arn = format!("{api_arn}/stages/{name}");
                        let configuration = stage_configuration(
                            name,
                            &id,
                            stage.deployment_id(),
                            stage.web_acl_arn(),
                        );
                        place.item(TYPE, &arn, name, &arn, configuration, Map::new())
                    })
                    .collect(),
            }
        })
        .buffered(READ_CONCURRENCY)
        .collect()
        .await;
    per_api.into_iter().flatten().collect()
}

async fn event_buses(clients: &AwsClients, place: &Place) -> Listed {
    const TYPE: &str = "AWS::Events::EventBus";
    const ACTION: &str = "events:ListEventBuses";
    /// ListEventBuses has no paginator in the SDK: follow NextToken, at most this many pages.
    const MAX_PAGES: usize = 1_000;
    let mut buses = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = call!(
            clients
                .events()
                .list_event_buses()
                .set_next_token(next.take()),
            ACTION
        )?;
        buses.extend(page.event_buses().iter().map(|bus| {
            let name = bus.name().unwrap_or_default();
            let arn = bus.arn().unwrap_or_default();
            // The policy is read by the rule itself (events:DescribeEventBus).
            place.item(
                TYPE,
                name,
                name,
                arn,
                event_bus_configuration(name, arn),
                Map::new(),
            )
        }));
        match page.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_owned()),
            _ => return Ok(buses),
        }
    }
    Err(ReadError::invalid(
        ACTION,
        format!("more than {MAX_PAGES} pages of event buses"),
    ))
}

async fn tables(clients: &AwsClients, place: &Place) -> Listed {
    const TYPE: &str = "AWS::DynamoDB::Table";
    let names = every_item!(clients.dynamodb().list_tables(), "dynamodb:ListTables")?;
    Ok(names
        .iter()
        .map(|name| {
            let arn = format!(
                "arn:aws:dynamodb:{}:{}:table/{name}",
                place.region, place.account
            );
            // The table policy is read by the rule itself (dynamodb:GetResourcePolicy).
            place.item(
                TYPE,
                name,
                name,
                &arn,
                table_configuration(name),
                Map::new(),
            )
        })
        .collect())
}
