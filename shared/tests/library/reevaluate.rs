//! The reevaluate function's calls to config:StartConfigRulesEvaluation. moto does not implement
//! StartConfigRulesEvaluation, so the real SDK client runs against `aws-smithy-mocks`, the SDK's
//! own mock layer.

use std::time::{Duration, Instant};

use aws_sdk_config::operation::start_config_rules_evaluation::{
    StartConfigRulesEvaluationError, StartConfigRulesEvaluationOutput,
};
use aws_sdk_config::types::error::{LimitExceededException, NoSuchConfigRuleException};
use aws_sdk_config::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use sec2_shared::reevaluate::{reevaluate, Coalescer, Outcome, RuleNames};
use serde_json::{json, Value};

const NAMES: &str = "resource-policies=sec2-resource-policies,temporary-credentials=sec2-temporary-credentials,least-privilege=sec2-least-privilege,network-controls=sec2-network-controls";

fn cloudtrail(source: &str, name: &str) -> Value {
    json!({
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.iam",
        "account": "111122223333",
        "region": "us-east-1",
        "detail": {"eventSource": source, "eventName": name, "eventVersion": "1.09"}
    })
}

fn started() -> aws_smithy_mocks::Rule {
    mock!(Client::start_config_rules_evaluation)
        .then_output(|| StartConfigRulesEvaluationOutput::builder().build())
}

fn names() -> RuleNames {
    RuleNames::parse(NAMES).unwrap()
}

/// The outcome of one CloudTrail call's event, with a fresh coalescer.
async fn handle(client: &Client, source: &str, name: &str) -> Outcome {
    handle_event(client, &cloudtrail(source, name)).await
}

/// The outcome of one event, with a fresh coalescer.
async fn handle_event(client: &Client, event: &Value) -> Outcome {
    let coalescer = Coalescer::default();
    reevaluate(event, &names(), &coalescer, client, Instant::now())
        .await
        .unwrap()
}

fn requested(rule: &aws_smithy_mocks::Rule) -> usize {
    rule.num_calls()
}

#[tokio::test]
async fn a_role_policy_change_starts_the_least_privilege_rule() {
    let rule = mock!(Client::start_config_rules_evaluation)
        .match_requests(|req| req.config_rule_names() == ["sec2-least-privilege".to_owned()])
        .then_output(|| StartConfigRulesEvaluationOutput::builder().build());
    let client = mock_client!(aws_sdk_config, [&rule]);
    let outcome = handle(&client, "iam.amazonaws.com", "AttachRolePolicy").await;
    assert_eq!(outcome.started, ["sec2-least-privilege"]);
    assert_eq!(requested(&rule), 1);
}

#[tokio::test]
async fn an_evaluation_already_running_is_success() {
    let busy = mock!(Client::start_config_rules_evaluation).then_error(|| {
        StartConfigRulesEvaluationError::LimitExceededException(
            LimitExceededException::builder()
                .message("an evaluation is in progress")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_config, [&busy]);
    let outcome = handle(&client, "wafv2.amazonaws.com", "AssociateWebACL").await;
    assert_eq!(outcome.already_running, ["sec2-network-controls"]);
    assert!(outcome.started.is_empty());
}

#[tokio::test]
async fn one_running_rule_does_not_keep_the_others_from_starting() {
    // The three-rule call is refused; each rule is then started on its own.
    let refused_together = mock!(Client::start_config_rules_evaluation)
        .match_requests(|req| req.config_rule_names().len() == 3)
        .then_error(|| {
            StartConfigRulesEvaluationError::LimitExceededException(
                LimitExceededException::builder().build(),
            )
        });
    let network_busy = mock!(Client::start_config_rules_evaluation)
        .match_requests(|req| req.config_rule_names() == ["sec2-network-controls".to_owned()])
        .then_error(|| {
            StartConfigRulesEvaluationError::LimitExceededException(
                LimitExceededException::builder().build(),
            )
        });
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&refused_together, &network_busy, &started()]
    );
    let outcome = handle(
        &client,
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
    )
    .await;
    assert_eq!(
        outcome.started,
        ["sec2-temporary-credentials", "sec2-least-privilege"]
    );
    assert_eq!(outcome.already_running, ["sec2-network-controls"]);
}

#[tokio::test]
async fn a_second_burst_within_a_minute_is_coalesced() {
    let rule = started();
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&rule]);
    let coalescer = Coalescer::default();
    let event = cloudtrail("ec2.amazonaws.com", "RevokeSecurityGroupEgress");
    let (start, rules) = (Instant::now(), names());
    let after = |seconds| {
        let at = start + Duration::from_secs(seconds);
        reevaluate(&event, &rules, &coalescer, &client, at)
    };
    let first = after(0).await.unwrap();
    assert_eq!(first.started, ["sec2-network-controls"]);
    let second = after(20).await.unwrap();
    assert_eq!(second.coalesced, ["sec2-network-controls"]);
    assert_eq!(rule.num_calls(), 1);
    let later = after(61).await.unwrap();
    assert_eq!(later.started, ["sec2-network-controls"]);
    assert_eq!(rule.num_calls(), 2);
}

#[tokio::test]
async fn a_failed_start_fails_the_invocation_and_is_not_coalesced() {
    let missing = mock!(Client::start_config_rules_evaluation)
        .sequence()
        .error(|| {
            StartConfigRulesEvaluationError::NoSuchConfigRuleException(
                NoSuchConfigRuleException::builder()
                    .message("sec2-resource-policies does not exist")
                    .build(),
            )
        })
        .output(|| StartConfigRulesEvaluationOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&missing]);
    let coalescer = Coalescer::default();
    let event = cloudtrail("s3.amazonaws.com", "PutBucketPolicy");
    let error = reevaluate(&event, &names(), &coalescer, &client, Instant::now())
        .await
        .unwrap_err();
    let sec2_shared::reevaluate::ReevaluateError::Start(failure) = &error else {
        panic!("expected a failed start: {error}");
    };
    assert_eq!(
        failure.kind,
        sec2_shared::config::ReadErrorKind::NotFound,
        "{failure:?}"
    );
    assert!(failure.message.contains("does not exist"), "{error}");
    // Lambda's retry of the same event then starts the rule.
    let retried = reevaluate(&event, &names(), &coalescer, &client, Instant::now())
        .await
        .unwrap();
    assert_eq!(retried.started, ["sec2-resource-policies"]);
}

#[tokio::test]
async fn unrelated_and_failed_calls_start_nothing() {
    let rule = started();
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&rule]);
    let mut failed = cloudtrail("iam.amazonaws.com", "PutRolePolicy");
    failed["detail"]["errorCode"] = json!("AccessDenied");
    for event in [cloudtrail("iam.amazonaws.com", "ListRoles"), failed] {
        assert!(handle_event(&client, &event).await.started.is_empty());
    }
    assert_eq!(rule.num_calls(), 0);
    let partial = RuleNames::parse("least-privilege=sec2-least-privilege").unwrap();
    let outcome = reevaluate(
        &cloudtrail("sqs.amazonaws.com", "SetQueueAttributes"),
        &partial,
        &Coalescer::default(),
        &client,
        Instant::now(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.not_deployed, ["resource-policies"]);
}
