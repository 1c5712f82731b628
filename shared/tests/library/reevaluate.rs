//! The reevaluate function's calls to config:StartConfigRulesEvaluation. moto does not implement
//! StartConfigRulesEvaluation, so the real SDK client runs against `aws-smithy-mocks`, the SDK's
//! own mock layer.

use std::time::{Duration, Instant, SystemTime};

use aws_sdk_config::operation::start_config_rules_evaluation::{
    StartConfigRulesEvaluationError, StartConfigRulesEvaluationOutput,
};
use aws_sdk_config::types::error::{LimitExceededException, NoSuchConfigRuleException};
use aws_sdk_config::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use sec2_shared::config::Deadline;
use sec2_shared::reevaluate::{
    reevaluate, Backoff, Coalescer, Outcome, ReevaluateError, RuleNames, Timing, CALLER_SPACING,
};
use serde_json::{json, Value};

const NAMES: &str = "resource-policies=sec2-resource-policies,temporary-credentials=sec2-temporary-credentials,least-privilege=sec2-least-privilege,network-controls=sec2-network-controls";

/// The test's wall clock: 2026-11-20T10:00:00Z.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_687_200)
}

/// A CloudTrail event of a call made `seconds_before` the test's now.
fn call_at(source: &str, name: &str, seconds_before: u64) -> Value {
    let at = aws_smithy_types::DateTime::from(now() - Duration::from_secs(seconds_before));
    let time = at
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap();
    json!({
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "AWS API Call via CloudTrail",
        "source": sec2_shared::reevaluate::triggers::bridge_source(source),
        "account": "111122223333",
        "region": "us-east-1",
        "detail": {"eventSource": source, "eventName": name, "eventVersion": "1.09", "eventTime": time}
    })
}

fn cloudtrail(source: &str, name: &str) -> Value {
    call_at(source, name, 5)
}

/// Refused starts tried again after 1 ms, doubling to 4 ms, until `deadline`.
fn timing(deadline: Deadline) -> Timing {
    Timing {
        deadline,
        backoff: Backoff {
            first: Duration::from_millis(1),
            longest: Duration::from_millis(4),
        },
        caller_spacing: CALLER_SPACING,
        clock: now,
    }
}

fn busy() -> StartConfigRulesEvaluationError {
    StartConfigRulesEvaluationError::LimitExceededException(
        LimitExceededException::builder()
            .message("an evaluation is in progress")
            .build(),
    )
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
    reevaluate(event, &names(), &coalescer, client, timing(Deadline::NONE))
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
async fn an_evaluation_already_running_is_waited_out_then_started() {
    let running_twice = mock!(Client::start_config_rules_evaluation)
        .sequence()
        .error(busy)
        .times(2)
        .output(|| StartConfigRulesEvaluationOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_config, RuleMode::Sequential, [&running_twice]);
    let outcome = handle(&client, "wafv2.amazonaws.com", "AssociateWebACL").await;
    assert_eq!(outcome.started, ["sec2-network-controls"]);
    assert_eq!(outcome.retries, 2);
    assert_eq!(running_twice.num_calls(), 3);
}

#[tokio::test]
async fn a_start_still_refused_at_the_deadline_fails_the_invocation_naming_the_rule() {
    let always_running = mock!(Client::start_config_rules_evaluation).then_error(busy);
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&always_running]);
    let deadline = Deadline::at(Instant::now() + Duration::from_millis(30));
    let event = cloudtrail("wafv2.amazonaws.com", "AssociateWebACL");
    let error = reevaluate(
        &event,
        &names(),
        &Coalescer::default(),
        &client,
        timing(deadline),
    )
    .await
    .unwrap_err();
    let ReevaluateError::StillRefused {
        rules,
        account,
        attempts,
    } = &error
    else {
        panic!("expected a start still refused: {error}");
    };
    assert_eq!(rules, &["sec2-network-controls"]);
    assert_eq!(account.as_deref(), Some("111122223333"));
    assert!(*attempts > 1, "{attempts}");
    assert!(error
        .to_string()
        .starts_with("`sec2-network-controls` in account `111122223333` still refused to start"));
}

#[tokio::test]
async fn one_running_rule_does_not_keep_the_others_from_starting() {
    // The three-rule call is refused; each rule is then started on its own, and the running one
    // once its evaluation ends.
    let refused_together = mock!(Client::start_config_rules_evaluation)
        .match_requests(|req| req.config_rule_names().len() == 3)
        .then_error(busy);
    let network_busy_once = mock!(Client::start_config_rules_evaluation)
        .match_requests(|req| req.config_rule_names() == ["sec2-network-controls".to_owned()])
        .sequence()
        .error(busy)
        .output(|| StartConfigRulesEvaluationOutput::builder().build())
        .build();
    let client = mock_client!(
        aws_sdk_config,
        RuleMode::MatchAny,
        [&refused_together, &network_busy_once, &started()]
    );
    let outcome = handle(
        &client,
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
    )
    .await;
    assert_eq!(
        outcome.started,
        [
            "sec2-temporary-credentials",
            "sec2-least-privilege",
            "sec2-network-controls"
        ]
    );
    assert_eq!(outcome.retries, 1);
}

#[tokio::test]
async fn a_change_is_coalesced_only_into_a_start_made_after_it() {
    let rule = started();
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&rule]);
    let coalescer = Coalescer::default();
    let names = names();
    let handle = |seconds_before| {
        let event = call_at(
            "ec2.amazonaws.com",
            "RevokeSecurityGroupEgress",
            seconds_before,
        );
        let coalescer = &coalescer;
        let (client, names) = (&client, &names);
        async move {
            reevaluate(&event, names, coalescer, client, timing(Deadline::NONE))
                .await
                .unwrap()
        }
    };
    // The first change of a burst starts the rule, now.
    assert_eq!(handle(20).await.started, ["sec2-network-controls"]);
    // A change made before that start is seen by its evaluation.
    assert_eq!(handle(10).await.coalesced, ["sec2-network-controls"]);
    assert_eq!(rule.num_calls(), 1);
    // A change in the same second as the start may follow it: the burst ends with a new start.
    assert_eq!(handle(0).await.started, ["sec2-network-controls"]);
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
    let error = reevaluate(
        &event,
        &names(),
        &coalescer,
        &client,
        timing(Deadline::NONE),
    )
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
    let retried = reevaluate(
        &event,
        &names(),
        &coalescer,
        &client,
        timing(Deadline::NONE),
    )
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
        timing(Deadline::NONE),
    )
    .await
    .unwrap();
    assert_eq!(outcome.not_deployed, ["resource-policies"]);
}

/// `call_at`, made by `caller`.
fn call_by(source: &str, name: &str, seconds_before: u64, caller: &str) -> Value {
    let mut event = call_at(source, name, seconds_before);
    event["detail"]["userIdentity"] = json!({"type": "AssumedRole", "arn": caller});
    event
}

#[tokio::test]
async fn one_callers_changes_start_a_rule_at_most_once_per_spacing() {
    let rule = started();
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&rule]);
    let coalescer = Coalescer::default();
    let spaced = Timing {
        caller_spacing: Duration::from_millis(300),
        ..timing(Deadline::NONE)
    };
    let noisy = "arn:aws:sts::111122223333:assumed-role/loop/i-0abc";
    let first = call_by(
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupEgress",
        5,
        noisy,
    );
    let outcome = reevaluate(&first, &names(), &coalescer, &client, spaced)
        .await
        .unwrap();
    assert_eq!(outcome.started, ["sec2-network-controls"]);
    assert_eq!(outcome.spaced_ms, 0);

    // The same caller again, after that start: it waits out the spacing, then starts, so its
    // last change is evaluated.
    let again = call_by("ec2.amazonaws.com", "RevokeSecurityGroupEgress", 0, noisy);
    let waited = Instant::now();
    let outcome = reevaluate(&again, &names(), &coalescer, &client, spaced)
        .await
        .unwrap();
    assert_eq!(outcome.started, ["sec2-network-controls"]);
    assert_eq!(outcome.spaced_ms, 300);
    assert!(waited.elapsed() >= Duration::from_millis(300));

    // Another caller is not held back by the first one's spacing.
    let other = call_by(
        "ec2.amazonaws.com",
        "RevokeSecurityGroupEgress",
        0,
        "arn:aws:iam::111122223333:user/alice",
    );
    let outcome = reevaluate(&other, &names(), &coalescer, &client, spaced)
        .await
        .unwrap();
    assert_eq!(outcome.started, ["sec2-network-controls"]);
    assert_eq!(outcome.spaced_ms, 0);
    assert_eq!(requested(&rule), 3);

    // When the spacing outlasts the invocation, the event fails (Lambda retries it, then the
    // dead-letter queue keeps it) and names the caller; nothing is started.
    let short = Timing {
        caller_spacing: Duration::from_secs(60),
        ..timing(Deadline::at(Instant::now() + Duration::from_millis(50)))
    };
    let refusal = reevaluate(&again, &names(), &coalescer, &client, short)
        .await
        .unwrap_err();
    assert!(
        matches!(refusal, ReevaluateError::Spaced { .. }),
        "{refusal}"
    );
    assert!(refusal.to_string().contains(noisy), "{refusal}");
    assert_eq!(requested(&rule), 3);
}
