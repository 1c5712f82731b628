//! A catalogue of hostile and broken inputs, each with the clear error or the verdict it must
//! give: never a panic, never a silent pass.

use sec2_shared::config::{engine, CollectingSink, Compliance, EngineError, Invocation, Seams};
use sec2_shared::policy::{
    analyze_resource_policy, Policy, PolicyError, ResourceContext, ResourceService,
};
use sec2_shared::rules::resource_policies::ResourcePolicies;
use sec2_testkit::assert_contains;
use sec2_testkit::fakes::{HistoryOf, NoPrevious, NoReads};
use serde_json::{json, Value};

fn parse_error(text: &str) -> String {
    match Policy::parse(text) {
        Ok(policy) => panic!("accepted: {policy:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn deeply_nested_json_is_refused_with_the_reason() {
    let deep = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
    let error = parse_error(&format!(r#"{{"Statement":{deep}}}"#));
    assert!(!error.is_empty());
    let deep_condition = format!(
        r#"{{"Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}{}}}}}"#,
        "{\"a\":".repeat(200),
        "1}".repeat(200)
    );
    assert!(Policy::parse(&deep_condition).is_err());
}

#[test]
fn a_policy_over_the_size_aws_allows_is_refused_saying_so() {
    let huge = format!(
        r#"{{"Statement":[{}]}}"#,
        vec![
            r#"{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}"#;
            2_000
        ]
        .join(",")
    );
    match Policy::parse(&huge) {
        Err(error @ PolicyError::TooLarge { .. }) => {
            assert!(error.to_string().contains("bytes"), "{error}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unicode_in_sids_and_keys_is_read_and_named_as_written() {
    let policy = Policy::parse(
        r#"{"Statement":[{"Sid":"Öffentlich\u202egefährlich","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/équipe":"réservation"}}}]}"#,
    )
    .unwrap();
    let context = ResourceContext::new(ResourceService::Sqs, "111122223333");
    let analysis = analyze_resource_policy(&policy, &context);
    assert!(analysis.public, "a tag condition pins no caller");
    assert!(analysis.findings[0]
        .message
        .starts_with("Statement[0] (Sid \"Öffentlich\\u{202e}gefährlich\")"));
}

#[test]
fn duplicate_keys_are_refused_because_aws_and_parsers_disagree_on_which_wins() {
    let error = parse_error(
        r#"{"Statement":{"Effect":"Deny","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#,
    );
    assert_contains(&error, "duplicate");
}

#[test]
fn numbers_where_strings_belong_are_refused_naming_the_element() {
    let error = parse_error(
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":5,"Resource":"*"}}"#,
    );
    assert_contains(&error, "Statement.Action: invalid type: integer `5`");
    let error = parse_error(
        r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":111122223333},"Action":"*","Resource":"*"}}"#,
    );
    assert!(
        error.contains("Principal") || error.contains("AWS"),
        "{error}"
    );
}

#[test]
fn a_principal_that_is_an_empty_object_grants_nobody() {
    let policy = Policy::parse(
        r#"{"Statement":{"Effect":"Allow","Principal":{},"Action":"*","Resource":"*"}}"#,
    )
    .unwrap();
    let context = ResourceContext::new(ResourceService::S3, "111122223333");
    let analysis = analyze_resource_policy(&policy, &context);
    assert!(!analysis.public && !analysis.cross_account && analysis.findings.is_empty());
}

#[test]
fn a_condition_with_an_unknown_operator_is_refused_naming_it() {
    let error = parse_error(
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualsMaybe":{"aws:SourceAccount":"111122223333"}}}}"#,
    );
    assert_contains(&error, "StringEqualsMaybe");
}

fn event(invoking: Value, parameters: Value) -> Value {
    json!({
        "invokingEvent": invoking,
        "ruleParameters": parameters,
        "resultToken": "TESTMODE",
        "eventLeftScope": false,
        "accountId": "111122223333"
    })
}

#[test]
fn an_event_whose_invoking_event_is_not_json_is_a_clear_error() {
    let error = Invocation::from_json(event(json!("{not json"), json!("{}"))).unwrap_err();
    assert!(error.to_string().contains("invokingEvent"), "{error}");
}

#[test]
fn parameters_that_are_not_json_or_have_wrong_types_are_clear_errors() {
    let change = json!({
        "messageType": "ScheduledNotification",
        "notificationCreationTime": "2026-11-20T10:00:00.000Z"
    })
    .to_string();
    let error =
        Invocation::from_json(event(json!(change), json!("AllowedAccountIds=1"))).unwrap_err();
    assert!(error.to_string().contains("ruleParameters"), "{error}");
    // Config sends ruleParameters as a string; an object is a shape error that names it.
    let error =
        Invocation::from_json(event(json!(change), json!({"AllowedAccountIds": "1"}))).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the event is not an AWS Config rule event: ruleParameters:")
            || error.to_string().contains("ruleParameters: invalid type"),
        "{error}"
    );
    let invocation = Invocation::from_json(event(
        json!(change),
        json!(json!({"AllowedAccountIds": {"a": 1}}).to_string()),
    ))
    .unwrap();
    let parsed: Result<sec2_shared::rules::resource_policies::Parameters, _> =
        sec2_shared::config::parameters::parse_parameters(&invocation.rule_parameters);
    let error = parsed.unwrap_err().to_string();
    assert_contains(&error, "AllowedAccountIds");
}

#[tokio::test]
async fn an_oversized_item_whose_history_is_empty_fails_the_invocation_saying_so() {
    let invoking = json!({
        "messageType": "OversizedConfigurationItemChangeNotification",
        "notificationCreationTime": "2026-11-20T10:00:05.000Z",
        "configurationItemSummary": {
            "resourceType": "AWS::SNS::Topic",
            "resourceId": "arn:aws:sns:us-east-1:111122223333:airline-events",
            "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
            "configurationItemStatus": "OK",
            "awsAccountId": "111122223333"
        }
    });
    let invocation =
        Invocation::from_json(event(json!(invoking.to_string()), json!("{}"))).unwrap();
    let sink = CollectingSink::default();
    let result = engine::run(
        &ResourcePolicies::new(NoReads),
        &invocation,
        Seams {
            sink: &sink,
            history: &HistoryOf(None),
            previous: &NoPrevious,
            deadline: sec2_shared::config::Deadline::NONE,
            clock: || 0,
        },
    )
    .await;
    match result {
        Err(error @ EngineError::OversizedFetch { .. }) => {
            assert!(error.to_string().contains("no recorded item"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    assert!(
        sink.into_evaluations()
            .iter()
            .all(|e| e.compliance_type != Compliance::Compliant),
        "nothing is passed on an item that was not read"
    );
}
