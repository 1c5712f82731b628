//! `sec2 replay` against moto's SQS and Lambda: the events a dead-letter queue keeps are invoked
//! again on their function, asynchronously, and deleted once Lambda has queued them; what cannot
//! be replayed (another stack's function, an unknown message) stays in the queue with the reason.
//! moto answers Invoke without running the function: what it was sent is read from the recording.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use std::process::{Command, Output};

use aws_sdk_sqs::types::MessageAttributeValue;
use sec2_testkit::{recorded_rest_calls, sdk_config, unique, MOTO_ACCOUNT};
use serde_json::{json, Value};

fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&sdk_config())
}

/// A dead-letter queue named as the stack names its own.
async fn queue(stack: &str) -> String {
    sqs()
        .create_queue()
        .queue_name(format!("{stack}-evaluation-dead-letters"))
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_owned()
}

async fn send(queue_url: &str, body: &Value, target: Option<&str>) {
    let mut request = sqs()
        .send_message()
        .queue_url(queue_url)
        .message_body(body.to_string());
    if let Some(target) = target {
        request = request.message_attributes(
            "TARGET_ARN",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(target)
                .build()
                .unwrap(),
        );
    }
    request.send().await.unwrap();
}

/// Messages in the queue, visible or being read.
async fn held(queue_url: &str) -> usize {
    let attributes = sqs()
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let count = |name: aws_sdk_sqs::types::QueueAttributeName| -> usize {
        attributes
            .attributes()
            .and_then(|a| a.get(&name))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        + count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
}

fn replay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sec2"))
        .arg("replay")
        .args(args)
        .envs(sec2_testkit::moto_env())
        .output()
        .unwrap()
}

fn function(stack: &str, rule: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{MOTO_ACCOUNT}:function:{stack}-{rule}")
}

/// The payloads Invoke was sent for `function_name`.
fn invoked(function_name: &str) -> Vec<Value> {
    recorded_rest_calls("POST", "/invocations")
        .into_iter()
        .filter(|(url, _)| url.contains(function_name))
        .map(|(_, body)| body)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_letters_are_sent_again_to_their_function_and_the_rest_stay() {
    let stack = unique("sec2-replay");
    let url = queue(&stack).await;
    let config_event = json!({"configRuleName": "sec2-least-privilege", "resultToken": "t", "invokingEvent": "{}"});
    let failed = json!({
        "version": "1.0",
        "requestContext": {
            "functionArn": format!("{}:$LATEST", function(&stack, "least-privilege")),
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3
        },
        "requestPayload": config_event,
        "responsePayload": {"errorType": "PutEvaluationsFailed", "errorMessage": "throttled"}
    });
    let undelivered = json!({"detail-type": "AWS API Call via CloudTrail", "source": "aws.iam", "detail": {"eventName": "PutRolePolicy"}});
    let elsewhere = json!({
        "requestContext": {"functionArn": "arn:aws:lambda:us-east-1:123456789012:function:payroll"},
        "requestPayload": {"pay": "everyone"}
    });
    send(&url, &failed, None).await;
    send(&url, &undelivered, Some(&function(&stack, "reevaluate"))).await;
    send(&url, &elsewhere, None).await;

    // A dry run lists, and neither invokes nor deletes.
    let listed = replay(&[&url, "--dry-run"]);
    assert_eq!(listed.status.code(), Some(1), "{listed:?}");
    assert!(invoked(&format!("{stack}-")).is_empty());
    assert_eq!(held(&url).await, 3);

    let output = replay(&[&url]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    // One message is another stack's: it is left, and the exit status says so.
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcome = |function: &str| {
        lines
            .iter()
            .find(|line| line["function"] == function)
            .map(|line| line["outcome"].clone())
    };
    assert_eq!(
        outcome(&function(&stack, "least-privilege")),
        Some(json!("replayed"))
    );
    assert_eq!(
        outcome(&function(&stack, "reevaluate")),
        Some(json!("replayed"))
    );
    assert!(lines
        .iter()
        .any(|line| line["outcome"] == "left in the queue"
            && line["reason"]
                .as_str()
                .unwrap()
                .contains("not a function of the stack")));
    // The original events, each to its own function, and nothing to the other stack's.
    assert_eq!(invoked(&format!("{stack}-least-privilege")), [config_event]);
    assert_eq!(invoked(&format!("{stack}-reevaluate")), [undelivered]);
    assert!(invoked("function:payroll").is_empty());
    // The replayed messages are deleted; the other stays.
    assert_eq!(held(&url).await, 1);
}

#[test]
fn a_queue_not_named_by_the_stack_needs_the_stack_named() {
    let output = replay(&["https://sqs.us-east-1.amazonaws.com/111122223333/some-queue"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--stack"));
}
