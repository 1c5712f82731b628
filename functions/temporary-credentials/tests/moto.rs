//! sec2-temporary-credentials against moto's server: roles and functions seeded through the SDK,
//! the rule run through the handler Lambda calls, PutEvaluations read from moto's recorder.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code"
)]

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
use sec2_shared::aws::AwsClients;
use sec2_shared::rules::temporary_credentials::TemporaryCredentials;
use sec2_testkit::{last_reported, sdk_config, unique, Reported, MOTO_ACCOUNT};
use serde_json::{json, Value};

const LAMBDA_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;

/// An empty zip archive: moto stores the code, it never runs it here.
const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

async fn create_role(trust: &str) -> String {
    let iam = aws_sdk_iam::Client::new(&sdk_config());
    let name = unique("role");
    let created = iam
        .create_role()
        .role_name(&name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    created.role().unwrap().arn().to_owned()
}

async fn create_function(role_arn: &str, variables: &[(&str, &str)]) -> String {
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    let name = unique("fn");
    let mut environment = Environment::builder();
    for (key, value) in variables {
        environment = environment.variables(*key, *value);
    }
    lambda
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role_arn)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(EMPTY_ZIP))
                .build(),
        )
        .environment(environment.build())
        .send()
        .await
        .unwrap();
    name
}

fn event(invoking: Value) -> Value {
    json!({
        "version": "1.0",
        "invokingEvent": invoking.to_string(),
        "ruleParameters": "{}",
        "resultToken": "TESTMODE",
        "eventLeftScope": false,
        "configRuleName": "sec2-temporary-credentials",
        "accountId": MOTO_ACCOUNT
    })
}

fn change(name: &str, role_arn: &str) -> Value {
    event(json!({
        "messageType": "ConfigurationItemChangeNotification",
        "notificationCreationTime": "2026-11-20T10:00:05.000Z",
        "configurationItem": {
            "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
            "configurationItemStatus": "OK",
            "awsAccountId": MOTO_ACCOUNT,
            "resourceType": "AWS::Lambda::Function",
            "resourceId": name,
            "resourceName": name,
            "configuration": {"functionName": name, "role": role_arn, "runtime": "provided.al2023"}
        }
    }))
}

async fn invoke(payload: Value) -> Value {
    let clients = AwsClients::from_sdk_config(sdk_config());
    sec2_shared::lambda::handle(&clients, &TemporaryCredentials::new, payload)
        .await
        .expect("the invocation succeeds")
}

fn verdict(function: &str) -> (String, String) {
    let Reported {
        compliance,
        annotation,
        ..
    } = last_reported(function);
    (compliance, annotation)
}

#[tokio::test]
async fn a_function_with_an_access_key_in_its_environment_is_non_compliant_and_the_key_is_not_repeated(
) {
    let role = create_role(LAMBDA_ONLY).await;
    let name = create_function(
        &role,
        &[
            ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
            ("TABLE", "bookings"),
        ],
    )
    .await;
    invoke(change(&name, &role)).await;
    let (compliance, annotation) = verdict(&name);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.starts_with("environment variable AWS_ACCESS_KEY holds an AWS access key id"),
        "{annotation}"
    );
    let recorded = serde_json::to_string(&sec2_testkit::recorded_calls("PutEvaluations")).unwrap();
    assert!(
        !recorded.contains("AKIAIOSFODNN7EXAMPLE"),
        "the value never leaves the function"
    );
}

#[tokio::test]
async fn a_role_shared_by_two_functions_fails_both() {
    let role = create_role(LAMBDA_ONLY).await;
    let first = create_function(&role, &[]).await;
    let second = create_function(&role, &[]).await;
    invoke(change(&first, &role)).await;
    invoke(change(&second, &role)).await;
    let (compliance, annotation) = verdict(&first);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.contains(&format!("is also used by {second}")),
        "{annotation}"
    );
    let (compliance, annotation) = verdict(&second);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.contains(&format!("is also used by {first}")),
        "{annotation}"
    );
}

#[tokio::test]
async fn a_role_another_account_can_assume_is_non_compliant() {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
    let role = create_role(trust).await;
    let name = create_function(&role, &[]).await;
    invoke(change(&name, &role)).await;
    let (compliance, annotation) = verdict(&name);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(
        annotation.contains(
            "Statement[1] (Sid \"Partner\") lets arn:aws:iam::444455556666:root assume the role"
        ),
        "{annotation}"
    );
}

#[tokio::test]
async fn a_clean_function_is_compliant_and_the_periodic_run_agrees() {
    let role = create_role(LAMBDA_ONLY).await;
    let clean = create_function(
        &role,
        &[
            ("DB_PASSWORD_PARAMETER", "/airline/db-password"),
            ("LOG_LEVEL", "INFO"),
        ],
    )
    .await;
    invoke(change(&clean, &role)).await;
    let (compliance, annotation) = verdict(&clean);
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert!(
        annotation.ends_with("guarded by aws:SourceAccount"),
        "{annotation}"
    );

    let shared_role = create_role(LAMBDA_ONLY).await;
    let sharer = create_function(&shared_role, &[]).await;
    create_function(&shared_role, &[]).await;
    let scheduled = json!({"messageType": "ScheduledNotification", "awsAccountId": MOTO_ACCOUNT, "notificationCreationTime": "2026-11-21T00:00:00.000Z"});
    // moto has no GetComplianceDetailsByConfigRule: the verdicts are reported, then the
    // invocation fails because stale results could not be retired (tested with mocks in shared/).
    let clients = AwsClients::from_sdk_config(sdk_config());
    let outcome =
        sec2_shared::lambda::handle(&clients, &TemporaryCredentials::new, event(scheduled)).await;
    assert_eq!(outcome.unwrap_err().kind(), "PreviousResultsUnavailable");
    assert_eq!(verdict(&clean).0, "COMPLIANT");
    assert_eq!(verdict(&sharer).0, "NON_COMPLIANT");
}
