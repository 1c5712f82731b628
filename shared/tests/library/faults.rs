//! Faults on the calls the engine makes: throttling and 5xx answers are retried by the SDK's
//! standard retry mode with backoff, then fail clearly; no evaluation is dropped silently.
//! moto never throttles or fails, so the real SDK client runs against `aws-smithy-mocks`.

use aws_sdk_config::config::retry::RetryConfig;
use aws_sdk_config::operation::get_resource_config_history::GetResourceConfigHistoryError;
use aws_sdk_config::operation::put_evaluations::PutEvaluationsOutput;
use aws_sdk_config::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use sec2_shared::aws::config::ConfigSink;
use sec2_shared::config::{engine, Evaluation, ItemHistory, ReadErrorKind, Verdict};

fn evaluations(count: usize) -> Vec<Evaluation> {
    (0..count)
        .map(|i| {
            Evaluation::new(
                "AWS::Lambda::Function",
                &format!("fn-{i}"),
                Verdict::compliant("ok"),
                "2026-11-20T10:00:00.000Z",
            )
        })
        .collect()
}

/// The SDK's standard retry mode, three attempts, as the functions run with.
fn standard(builder: aws_sdk_config::config::Builder) -> aws_sdk_config::config::Builder {
    builder.retry_config(RetryConfig::standard().with_max_attempts(3))
}

#[tokio::test]
async fn throttling_and_5xx_answers_are_retried_by_the_sdk_then_the_batch_is_reported() {
    let flaky = mock!(Client::put_evaluations)
        .sequence()
        .http_status(503, None)
        .http_status(
            400,
            Some(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_owned()),
        )
        .output(|| PutEvaluationsOutput::builder().build())
        .build();
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&flaky], standard);
    engine::report(&ConfigSink::new(client), &evaluations(3), "token")
        .await
        .unwrap();
    assert_eq!(flaky.num_calls(), 3);
}

#[tokio::test]
async fn a_service_that_keeps_failing_fails_the_invocation_so_lambda_retries_it() {
    let down = mock!(Client::put_evaluations)
        .sequence()
        .http_status(503, None)
        .times(20)
        .build();
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&down], standard);
    let computed = evaluations(250);
    let error = engine::report(&ConfigSink::new(client), &computed, "token")
        .await
        .unwrap_err();
    // The first batch of 100 already failed: nothing is claimed as reported.
    assert!(
        down.num_calls() >= 3,
        "the SDK retried: {}",
        down.num_calls()
    );
    let text = error.to_string();
    assert!(!text.is_empty());
    assert_eq!(error.kind(), "PutEvaluationsFailed", "{text}");
}

#[tokio::test]
async fn access_denied_on_the_history_read_is_an_error_naming_it_not_an_empty_item() {
    let denied = mock!(Client::get_resource_config_history).then_error(|| {
        GetResourceConfigHistoryError::generic(
            aws_sdk_config::error::ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized to perform: config:GetResourceConfigHistory")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_config, [&denied]);
    let error = client
        .latest_item(
            "AWS::SNS::Topic",
            "arn:aws:sns:us-east-1:111122223333:t",
            "2026-11-20T10:00:00Z",
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind, ReadErrorKind::Denied, "{error}");
    assert_eq!(error.action, "config:GetResourceConfigHistory");
    assert!(error.message.contains("AccessDeniedException"), "{error}");
}
