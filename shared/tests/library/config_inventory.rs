//! `sec2 scan --source config`: the resources Config records, read in bulk. moto answers
//! advanced queries over none of the items it records, so these calls are tested on the SDK's
//! mock layer (`aws-smithy-mocks`); the service-API path is tested on moto.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_config::operation::batch_get_resource_config::BatchGetResourceConfigOutput;
use aws_sdk_config::operation::describe_configuration_recorder_status::DescribeConfigurationRecorderStatusOutput;
use aws_sdk_config::operation::describe_configuration_recorders::DescribeConfigurationRecordersOutput;
use aws_sdk_config::operation::select_resource_config::SelectResourceConfigOutput;
use aws_sdk_config::types::{
    BaseConfigurationItem, ConfigurationItemStatus, ConfigurationRecorder,
    ConfigurationRecorderStatus, ExclusionByResourceTypes, RecordingGroup, RecordingStrategy,
    RecordingStrategyType, ResourceType,
};
use aws_sdk_config::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::DateTime;
use sec2_shared::aws::config::{recorded_with_tags, recording, Recording};
use serde_json::json;

const FUNCTIONS: usize = 5_000;

fn function_name(index: usize) -> String {
    format!("scale-fn-{index:05}")
}

/// The item Config keeps of a function: its configuration, and its resource policy in the
/// supplementary configuration (which advanced queries do not index).
fn recorded_function(name: &str) -> BaseConfigurationItem {
    let policy = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*"}]});
    BaseConfigurationItem::builder()
        .version("1.3")
        .account_id("111122223333")
        .configuration_item_capture_time(DateTime::from_secs(1_795_168_800))
        .configuration_item_status(ConfigurationItemStatus::Ok)
        .resource_type(ResourceType::from("AWS::Lambda::Function"))
        .resource_id(name)
        .resource_name(name)
        .arn(format!(
            "arn:aws:lambda:us-east-1:111122223333:function:{name}"
        ))
        .aws_region("us-east-1")
        .configuration(
            json!({"functionName": name, "role": format!("arn:aws:iam::111122223333:role/{name}")})
                .to_string(),
        )
        .supplementary_configuration("Policy", policy.to_string())
        .build()
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
            let page: usize = req.next_token().map_or(0, |t| t.parse().unwrap_or(0));
            served.fetch_add(1, Ordering::SeqCst);
            let rows = (page * 100..(page + 1) * 100).map(|i| {
                let tags = if i == 7 {
                    json!([{"key": "sec2:exempt", "value": "resource-policies"}])
                } else {
                    json!([])
                };
                json!({"resourceId": function_name(i), "resourceType": "AWS::Lambda::Function", "tags": tags})
                    .to_string()
            });
            let next = (page + 1) * 100 < FUNCTIONS;
            SelectResourceConfigOutput::builder()
                .set_results(Some(rows.collect()))
                .set_next_token(next.then(|| (page + 1).to_string()))
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
    let tagged = items
        .iter()
        .find(|item| item.resource_id == function_name(7))
        .unwrap();
    assert_eq!(tagged.tags["sec2:exempt"], "resource-policies");
    // The policy the rule judges is in the item, read whole.
    assert!(tagged.supplementary.contains_key("Policy"), "{tagged:?}");
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
