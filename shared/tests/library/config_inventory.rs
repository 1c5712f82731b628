//! `sec2 scan --source config`: the resources Config records, read in bulk. moto answers
//! advanced queries over none of the items it records, so these calls are tested on the SDK's
//! mock layer (`aws-smithy-mocks`); the service-API path is tested on moto.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_config::operation::batch_get_aggregate_resource_config::BatchGetAggregateResourceConfigOutput;
use aws_sdk_config::operation::batch_get_resource_config::BatchGetResourceConfigOutput;
use aws_sdk_config::operation::describe_configuration_aggregator_sources_status::DescribeConfigurationAggregatorSourcesStatusOutput;
use aws_sdk_config::operation::describe_configuration_recorder_status::DescribeConfigurationRecorderStatusOutput;
use aws_sdk_config::operation::describe_configuration_recorders::DescribeConfigurationRecordersOutput;
use aws_sdk_config::operation::select_aggregate_resource_config::SelectAggregateResourceConfigOutput;
use aws_sdk_config::operation::select_resource_config::SelectResourceConfigOutput;
use aws_sdk_config::types::{
    AggregatedSourceStatus, AggregatedSourceStatusType, AggregatedSourceType,
    BaseConfigurationItem, ConfigurationItemStatus, ConfigurationRecorder,
    ConfigurationRecorderStatus, ExclusionByResourceTypes, RecordingGroup, RecordingStrategy,
    RecordingStrategyType, ResourceType,
};
use aws_sdk_config::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::DateTime;
use sec2_shared::aws::config::{
    aggregated_with_tags, recorded_with_tags, recording, AggregatorScope, AggregatorSource,
    Recording,
};
use sec2_shared::config::ConfigurationItem;
use sec2_shared::scan::inventory::{Aggregated, Place};
use serde_json::json;

const FUNCTIONS: usize = 5_000;

fn function_name(index: usize) -> String {
    format!("scale-fn-{index:05}")
}

/// The item Config keeps of a function: its configuration, and its resource policy in the
/// supplementary configuration (which advanced queries do not index).
fn recorded_function(name: &str) -> BaseConfigurationItem {
    function_item("111122223333", "us-east-1", name)
}

fn function_item(account: &str, region: &str, name: &str) -> BaseConfigurationItem {
    let policy = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*"}]});
    BaseConfigurationItem::builder()
        .version("1.3")
        .account_id(account)
        .configuration_item_capture_time(DateTime::from_secs(1_795_168_800))
        .configuration_item_status(ConfigurationItemStatus::Ok)
        .resource_type(ResourceType::from("AWS::Lambda::Function"))
        .resource_id(name)
        .resource_name(name)
        .arn(format!("arn:aws:lambda:{region}:{account}:function:{name}"))
        .aws_region(region)
        .configuration(
            json!({"functionName": name, "role": format!("arn:aws:iam::{account}:role/{name}")})
                .to_string(),
        )
        .supplementary_configuration("Policy", policy.to_string())
        .build()
}

/// The page of an advanced query's listing of `FUNCTIONS` functions that `next_token` asks for
/// (100 rows, the 7th function tagged exempt), each row `with` the fields it is given, and the
/// next page's token.
fn listing_page(
    next_token: Option<&str>,
    with: impl Fn(usize, serde_json::Value) -> serde_json::Value,
) -> (Vec<String>, Option<String>) {
    let page: usize = next_token.map_or(0, |t| t.parse().unwrap_or(0));
    let rows = (page * 100..(page + 1) * 100).map(|i| {
        let tags = if i == 7 {
            json!([{"key": "sec2:exempt", "value": "resource-policies"}])
        } else {
            json!([])
        };
        let row = json!({"resourceId": function_name(i), "resourceType": "AWS::Lambda::Function", "tags": tags});
        with(i, row).to_string()
    });
    let next = (page + 1) * 100 < FUNCTIONS;
    (rows.collect(), next.then(|| (page + 1).to_string()))
}

/// The 7th function carries the tag the listing gave it, and its item the policy the rule
/// judges, read whole.
fn assert_tagged_and_whole(items: &[ConfigurationItem]) {
    let tagged = items
        .iter()
        .find(|item| item.resource_id == function_name(7))
        .unwrap();
    assert_eq!(tagged.tags["sec2:exempt"], "resource-policies");
    assert!(tagged.supplementary.contains_key("Policy"), "{tagged:?}");
}

#[tokio::test]
async fn five_thousand_recorded_functions_are_read_in_a_hundred_calls_with_their_tags() {
    let pages = Arc::new(AtomicUsize::new(0));
    let served = Arc::clone(&pages);
    let query = mock!(Client::select_resource_config)
        .match_requests(|req| {
            req.limit() == Some(100)
                && req.expression()
                    == Some("SELECT resourceId, resourceType, tags WHERE resourceType IN ('AWS::Lambda::Function')")
        })
        .then_compute_output(move |req| {
            served.fetch_add(1, Ordering::SeqCst);
            let (rows, next) = listing_page(req.next_token(), |_, row| row);
            SelectResourceConfigOutput::builder()
                .set_results(Some(rows))
                .set_next_token(next)
                .build()
        });
    let batch = mock!(Client::batch_get_resource_config).then_compute_output(|req| {
        let items = req
            .resource_keys()
            .iter()
            .map(|key| recorded_function(key.resource_id()))
            .collect();
        BatchGetResourceConfigOutput::builder()
            .set_base_configuration_items(Some(items))
            .build()
    });
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&query, &batch]);
    let items = recorded_with_tags(&client, &["AWS::Lambda::Function"])
        .await
        .unwrap();
    assert_eq!(items.len(), FUNCTIONS);
    // 50 pages of the query and 50 batch reads, where the service APIs take 5,005.
    assert_eq!((query.num_calls(), batch.num_calls()), (50, 50));
    assert_eq!(pages.load(Ordering::SeqCst), 50);
    assert_tagged_and_whole(&items);
}

#[tokio::test]
async fn keys_config_leaves_unprocessed_are_asked_again_and_never_dropped() {
    let query = mock!(Client::select_resource_config).then_output(|| {
        SelectResourceConfigOutput::builder()
            .results(
                json!({"resourceId": "orders-fn", "resourceType": "AWS::Lambda::Function"})
                    .to_string(),
            )
            .results(
                json!({"resourceId": "invoices-fn", "resourceType": "AWS::Lambda::Function"})
                    .to_string(),
            )
            .build()
    });
    let throttled = mock!(Client::batch_get_resource_config)
        .match_requests(|req| req.resource_keys().len() == 2)
        .then_compute_output(|req| {
            BatchGetResourceConfigOutput::builder()
                .base_configuration_items(recorded_function("orders-fn"))
                .set_unprocessed_resource_keys(Some(req.resource_keys()[1..].to_vec()))
                .build()
        });
    let again = mock!(Client::batch_get_resource_config)
        .match_requests(|req| req.resource_keys().len() == 1)
        .then_output(|| {
            BatchGetResourceConfigOutput::builder()
                .base_configuration_items(recorded_function("invoices-fn"))
                .build()
        });
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&query, &throttled, &again]
    );
    let items = recorded_with_tags(&client, &["AWS::Lambda::Function"])
        .await
        .unwrap();
    let names: Vec<&str> = items.iter().map(|i| i.resource_id.as_str()).collect();
    assert_eq!(names, ["orders-fn", "invoices-fn"]);
}

fn recorder(group: RecordingGroup) -> aws_smithy_mocks::Rule {
    mock!(Client::describe_configuration_recorders).then_output(move || {
        DescribeConfigurationRecordersOutput::builder()
            .configuration_recorders(
                ConfigurationRecorder::builder()
                    .name("default")
                    .recording_group(group.clone())
                    .build(),
            )
            .build()
    })
}

fn status(recording: bool) -> aws_smithy_mocks::Rule {
    mock!(Client::describe_configuration_recorder_status).then_output(move || {
        DescribeConfigurationRecorderStatusOutput::builder()
            .configuration_recorders_status(
                ConfigurationRecorderStatus::builder()
                    .name("default")
                    .recording(recording)
                    .build(),
            )
            .build()
    })
}

#[tokio::test]
async fn what_the_recorder_records_decides_which_types_are_read_from_config() {
    let excluding = RecordingGroup::builder()
        .all_supported(false)
        .exclusion_by_resource_types(
            ExclusionByResourceTypes::builder()
                .resource_types(ResourceType::from("AWS::S3::Bucket"))
                .build(),
        )
        .recording_strategy(
            RecordingStrategy::builder()
                .use_only(RecordingStrategyType::ExclusionByResourceTypes)
                .build(),
        )
        .build();
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&recorder(excluding.clone()), &status(true)]
    );
    let found = recording(&client).await.unwrap();
    assert!(found.records("AWS::Lambda::Function"));
    assert!(!found.records("AWS::S3::Bucket"));
    // A stopped recorder holds nothing current: every type is read from the services.
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&recorder(excluding), &status(false)]
    );
    assert_eq!(recording(&client).await.unwrap(), Recording::Nothing);
    let only_functions = RecordingGroup::builder()
        .all_supported(false)
        .resource_types(ResourceType::from("AWS::Lambda::Function"))
        .build();
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&recorder(only_functions), &status(true)]
    );
    let found = recording(&client).await.unwrap();
    assert!(found.records("AWS::Lambda::Function") && !found.records("AWS::SQS::Queue"));
}

const ACCOUNTS: [&str; 5] = [
    "111122223333",
    "222233334444",
    "333344445555",
    "444455556666",
    "555566667777",
];
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// Where the organization's `index`th function is: spread over five accounts and two regions.
fn place_of(index: usize) -> (&'static str, &'static str) {
    (ACCOUNTS[index % 5], REGIONS[(index / 5) % 2])
}

fn organization_source(region: &str, status: AggregatedSourceStatusType) -> AggregatedSourceStatus {
    AggregatedSourceStatus::builder()
        .source_id("o-exampleorgid")
        .source_type(AggregatedSourceType::Organization)
        .aws_region(region)
        .last_update_status(status)
        .last_error_message("the member's recorder is stopped")
        .build()
}

fn place(account: &str, region: &str) -> Place {
    Place {
        account: account.to_owned(),
        region: region.to_owned(),
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

#[tokio::test]
async fn an_organization_s_five_thousand_functions_are_read_through_its_aggregator_in_about_a_hundred_calls(
) {
    let query = mock!(Client::select_aggregate_resource_config)
        .match_requests(|req| {
            req.limit() == Some(100)
                && req.configuration_aggregator_name() == Some("organization")
                && req.expression().is_some_and(|e| {
                    e.starts_with("SELECT resourceId, resourceType, accountId, awsRegion, tags WHERE resourceType IN ('AWS::Lambda::Function') AND awsRegion IN ('eu-west-1', 'us-east-1') AND accountId IN ('111122223333'")
                })
        })
        .then_compute_output(|req| {
            let (rows, next) = listing_page(req.next_token(), |i, mut row| {
                let (account, region) = place_of(i);
                row["accountId"] = json!(account);
                row["awsRegion"] = json!(region);
                row
            });
            SelectAggregateResourceConfigOutput::builder()
                .set_results(Some(rows))
                .set_next_token(next)
                .build()
        });
    let batch = mock!(Client::batch_get_aggregate_resource_config)
        .match_requests(|req| req.configuration_aggregator_name() == Some("organization"))
        .then_compute_output(|req| {
            let items = req
                .resource_identifiers()
                .iter()
                .map(|id| {
                    function_item(id.source_account_id(), id.source_region(), id.resource_id())
                })
                .collect();
            BatchGetAggregateResourceConfigOutput::builder()
                .set_base_configuration_items(Some(items))
                .build()
        });
    let sources =
        mock!(Client::describe_configuration_aggregator_sources_status).then_output(|| {
            DescribeConfigurationAggregatorSourcesStatusOutput::builder()
                .aggregated_source_status_list(organization_source(
                    "us-east-1",
                    AggregatedSourceStatusType::Succeeded,
                ))
                .aggregated_source_status_list(organization_source(
                    "eu-west-1",
                    AggregatedSourceStatusType::Succeeded,
                ))
                .build()
        });
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&query, &batch, &sources]
    );
    let members = strings(&ACCOUNTS);
    let aggregated = Aggregated::read(
        &client,
        "organization",
        &["AWS::Lambda::Function"],
        &members,
        &strings(&["eu-west-1", "us-east-1"]),
        Some(members.clone()),
    )
    .await
    .unwrap();
    // 50 pages of one query, 50 batch reads and the sources' status, for every account and
    // region at once: each account's own Config takes 100 over these ten places (5 pages and
    // 5 batch reads each, and one more of each for every further place holding any), and the
    // service APIs over 5,000. The recorder check (2 reads a place) is the same either way.
    assert_eq!(
        (query.num_calls(), batch.num_calls(), sources.num_calls()),
        (50, 50, 1)
    );
    let mut total = 0;
    for account in ACCOUNTS {
        for region in REGIONS {
            let items = aggregated
                .items_at(&place(account, region), &["AWS::Lambda::Function"])
                .unwrap();
            assert_eq!(items.len(), 500, "{account}/{region}");
            assert!(items.iter().all(|item| {
                item.account_id.as_deref() == Some(account)
                    && item.region.as_deref() == Some(region)
            }));
            total += items.len();
        }
    }
    assert_eq!(total, FUNCTIONS);
    let (account, region) = place_of(7);
    let items = aggregated
        .items_at(&place(account, region), &["AWS::Lambda::Function"])
        .unwrap();
    assert_tagged_and_whole(&items);
    // A type the account's recorder does not record is not taken from the aggregator.
    assert!(aggregated
        .items_at(&place(account, region), &["AWS::SQS::Queue"])
        .unwrap()
        .is_empty());
}

/// The aggregator holds nothing for a source it could not aggregate, nor for an account it
/// does not aggregate: an empty answer there must not read as "no resources".
#[test]
fn the_aggregator_stands_only_for_the_accounts_and_regions_it_aggregated() {
    let item = ConfigurationItem::from_json(&json!({
        "accountId": "111122223333", "awsRegion": "us-east-1",
        "resourceType": "AWS::Lambda::Function", "resourceId": "orders",
        "configurationItemCaptureTime": "2026-12-05T10:00:00Z", "configurationItemStatus": "OK",
        "configuration": {"functionName": "orders"}
    }))
    .unwrap();
    let account_source = |account: &str, problem: Option<&str>| AggregatorSource {
        source_id: account.to_owned(),
        organization: false,
        region: "us-east-1".to_owned(),
        problem: problem.map(str::to_owned),
    };
    let aggregated = Aggregated::from_parts(
        "accounts",
        vec![item.clone()],
        vec![
            account_source("111122223333", None),
            account_source(
                "222233334444",
                Some("its last aggregation failed: access denied"),
            ),
        ],
        None,
    );
    let functions = ["AWS::Lambda::Function"];
    let found = aggregated
        .items_at(&place("111122223333", "us-east-1"), &functions)
        .unwrap();
    assert_eq!(found.len(), 1);
    let failed = aggregated
        .items_at(&place("222233334444", "us-east-1"), &functions)
        .unwrap_err();
    assert!(failed.contains("access denied"), "{failed}");
    for (account, region) in [("111122223333", "eu-west-1"), ("999988887777", "us-east-1")] {
        let uncovered = aggregated
            .items_at(&place(account, region), &functions)
            .unwrap_err();
        assert!(uncovered.contains("none of its sources"), "{uncovered}");
    }
    // An organization's source covers its members only, and only when they are known.
    let organization = AggregatorSource {
        source_id: "o-exampleorgid".to_owned(),
        organization: true,
        region: "us-east-1".to_owned(),
        problem: None,
    };
    let members = Aggregated::from_parts(
        "organization",
        vec![item.clone()],
        vec![organization.clone()],
        Some(strings(&["111122223333"])),
    );
    assert_eq!(
        members
            .items_at(&place("111122223333", "us-east-1"), &functions)
            .unwrap()
            .len(),
        1
    );
    assert!(members
        .items_at(&place("999988887777", "us-east-1"), &functions)
        .is_err());
    let unknown = Aggregated::from_parts("organization", vec![item], vec![organization], None);
    // Only an organization's source without its members known asks for them to be listed.
    assert!(unknown.needs_members() && !members.needs_members() && !aggregated.needs_members());
    let listed = unknown
        .clone()
        .with_members(Some(strings(&["111122223333"])));
    assert!(listed
        .items_at(&place("111122223333", "us-east-1"), &functions)
        .is_ok());
    let why = unknown
        .items_at(&place("111122223333", "us-east-1"), &functions)
        .unwrap_err();
    assert!(why.contains("could not be read"), "{why}");
}

#[tokio::test]
async fn an_account_list_too_long_for_a_query_is_filtered_after_it() {
    let many: Vec<String> = (0..400)
        .map(|i| format!("{:012}", 100_000_000_000u64 + i))
        .collect();
    let query = mock!(Client::select_aggregate_resource_config)
        .match_requests(|req| {
            req.expression()
                .is_some_and(|e| e.len() <= 4096 && !e.contains("accountId IN"))
        })
        .then_output(|| {
            let row = |account: &str, id: &str| {
                json!({"resourceId": id, "resourceType": "AWS::Lambda::Function",
                       "accountId": account, "awsRegion": "us-east-1"})
                .to_string()
            };
            SelectAggregateResourceConfigOutput::builder()
                .results(row("100000000007", "asked-for"))
                .results(row("999988887777", "not-asked-for"))
                .build()
        });
    let batch = mock!(Client::batch_get_aggregate_resource_config).then_compute_output(|req| {
        let ids: Vec<&str> = req
            .resource_identifiers()
            .iter()
            .map(|id| id.resource_id())
            .collect();
        assert_eq!(ids, ["asked-for"]);
        BatchGetAggregateResourceConfigOutput::builder()
            .base_configuration_items(function_item("100000000007", "us-east-1", "asked-for"))
            .build()
    });
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&query, &batch]);
    let items = aggregated_with_tags(
        &client,
        AggregatorScope {
            aggregator: "organization",
            types: &["AWS::Lambda::Function"],
            accounts: &many,
            regions: &strings(&["us-east-1"]),
        },
    )
    .await
    .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(query.num_calls(), 1);
}
