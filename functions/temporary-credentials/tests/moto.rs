//! sec2-temporary-credentials against moto's server: roles and functions seeded through the SDK,
//! the rule run through the handler Lambda calls, PutEvaluations read from moto's recorder.
#![allow(clippy::unwrap_used, reason = "test code")]

use sec2_shared::aws::AwsClients;
use sec2_shared::rules::temporary_credentials::TemporaryCredentials;
use sec2_testkit::config_events::{function_change, rule_event, scheduled};
use sec2_testkit::seed::{create_function, create_role, FunctionSeed};
use sec2_testkit::{assert_contains, assert_ends_with, assert_starts_with};
use sec2_testkit::{invoke_rule, last_reported, sdk_config};
use serde_json::{json, Value};

const LAMBDA_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;

const RULE: &str = "temporary-credentials";

async fn function(role: &str, variables: &[(&str, &str)]) -> String {
    let seed = FunctionSeed {
        variables,
        vpc: None,
    };
    create_function(role, seed).await
}

fn change(name: &str, role_arn: &str) -> Value {
    function_change(RULE, name, json!({"functionName": name, "role": role_arn}))
}

async fn invoke(payload: Value) -> Value {
    invoke_rule(&TemporaryCredentials::new, payload).await
}

/// The verdict the rule reports on a change to function `name`, which runs as `role_arn`.
async fn judge(name: &str, role_arn: &str) -> (String, String) {
    invoke(change(name, role_arn)).await;
    verdict(name)
}

/// A new function with these variables and a role of its own, Lambda-only; its name and verdict.
async fn judge_new(variables: &[(&str, &str)]) -> (String, (String, String)) {
    let role = create_role(LAMBDA_ONLY).await;
    let name = function(&role, variables).await;
    let verdict = judge(&name, &role).await;
    (name, verdict)
}

fn verdict(function: &str) -> (String, String) {
    last_reported(function).verdict()
}

#[tokio::test]
async fn a_function_with_an_access_key_in_its_environment_is_non_compliant_and_the_key_is_not_repeated(
) {
    let variables = [
        ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("TABLE", "bookings"),
    ];
    let (compliance, annotation) = judge_new(&variables).await.1;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(
        &annotation,
        "environment variable AWS_ACCESS_KEY holds an AWS access key id",
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
    let first = function(&role, &[]).await;
    let second = function(&role, &[]).await;
    invoke(change(&first, &role)).await;
    invoke(change(&second, &role)).await;
    let (compliance, annotation) = verdict(&first);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, &format!("is also used by {second}"));
    let (compliance, annotation) = verdict(&second);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, &format!("is also used by {first}"));
}

#[tokio::test]
async fn a_role_another_account_can_assume_is_non_compliant() {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
    let role = create_role(trust).await;
    let name = function(&role, &[]).await;
    let (compliance, annotation) = judge(&name, &role).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(
        &annotation,
        "Statement[1] (Sid \"Partner\") lets arn:aws:iam::444455556666:root assume the role",
    );
}

#[tokio::test]
async fn a_clean_function_is_compliant_and_the_periodic_run_agrees() {
    let variables = [
        ("DB_PASSWORD_PARAMETER", "/airline/db-password"),
        ("LOG_LEVEL", "INFO"),
    ];
    let (clean, (compliance, annotation)) = judge_new(&variables).await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert_ends_with(&annotation, "guarded by aws:SourceAccount");

    let shared_role = create_role(LAMBDA_ONLY).await;
    let sharer = function(&shared_role, &[]).await;
    function(&shared_role, &[]).await;
    let periodic = rule_event(RULE, &scheduled(), &json!({}));
    // moto has no GetComplianceDetailsByConfigRule: the verdicts are reported, then the
    // invocation fails because stale results could not be retired (tested with mocks in shared/).
    let clients = AwsClients::from_sdk_config(sdk_config());
    let outcome = sec2_shared::lambda::handle(&clients, &TemporaryCredentials::new, periodic).await;
    assert_eq!(outcome.unwrap_err().kind(), "PreviousResultsUnavailable");
    assert_eq!(verdict(&clean).0, "COMPLIANT");
    assert_eq!(verdict(&sharer).0, "NON_COMPLIANT");
}

#[tokio::test]
async fn a_role_shared_with_a_function_in_another_region_fails_on_a_change_and_on_the_periodic_run()
{
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{FunctionCode, Runtime};
    let role = create_role(LAMBDA_ONLY).await;
    let here = function(&role, &[]).await;
    // The same role in us-west-2: roles are global, functions regional.
    let west = aws_sdk_lambda::config::Builder::from(&sdk_config())
        .region(aws_sdk_lambda::config::Region::new("us-west-2"))
        .build();
    let there = sec2_testkit::unique("fn-west");
    aws_sdk_lambda::Client::from_conf(west)
        .create_function()
        .function_name(&there)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .role(&role)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(sec2_testkit::seed::EMPTY_ZIP))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (compliance, annotation) = judge(&here, &role).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, &format!("is also used by us-west-2:{there}"));
    // Only us-east-1 searched: the other region's user is not seen.
    let nearby = rule_event(
        RULE,
        &sec2_testkit::config_events::change(sec2_testkit::config_events::item(
            "AWS::Lambda::Function",
            &here,
            &format!("arn:aws:lambda:us-east-1:123456789012:function:{here}"),
            json!({"functionName": here, "role": role}),
        )),
        &json!({"RoleSharingRegions": "us-east-1"}),
    );
    invoke(nearby).await;
    assert_eq!(verdict(&here).0, "COMPLIANT");
    let periodic = rule_event(RULE, &scheduled(), &json!({}));
    let clients = AwsClients::from_sdk_config(sdk_config());
    let outcome = sec2_shared::lambda::handle(&clients, &TemporaryCredentials::new, periodic).await;
    assert_eq!(outcome.unwrap_err().kind(), "PreviousResultsUnavailable");
    let (compliance, annotation) = verdict(&here);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, &format!("us-west-2:{there}"));
}

#[tokio::test]
async fn a_customer_managed_policy_attached_to_two_function_roles_is_named_on_both_paths() {
    let iam = aws_sdk_iam::Client::new(&sdk_config());
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;
    let policy_name = sec2_testkit::unique("tables");
    let policy = iam
        .create_policy()
        .policy_name(&policy_name)
        .policy_document(document)
        .send()
        .await
        .unwrap();
    let policy_arn = policy.policy().unwrap().arn().unwrap().to_owned();
    let (first_role, second_role) = (
        create_role(LAMBDA_ONLY).await,
        create_role(LAMBDA_ONLY).await,
    );
    for role in [&first_role, &second_role] {
        let name = role.rsplit('/').next().unwrap();
        iam.attach_role_policy()
            .role_name(name)
            .policy_arn(&policy_arn)
            .send()
            .await
            .unwrap();
    }
    let first = function(&first_role, &[]).await;
    let second = function(&second_role, &[]).await;
    let (compliance, annotation) = judge(&first, &first_role).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(
        &annotation,
        &format!("customer-managed policy {policy_name} is also attached to the roles of {second}"),
    );
    let allowed = rule_event(
        RULE,
        &sec2_testkit::config_events::change(sec2_testkit::config_events::item(
            "AWS::Lambda::Function",
            &first,
            &format!("arn:aws:lambda:us-east-1:123456789012:function:{first}"),
            json!({"functionName": first, "role": first_role}),
        )),
        &json!({"AllowedSharedPolicies": policy_name}),
    );
    invoke(allowed).await;
    assert_eq!(verdict(&first).0, "COMPLIANT");
    let periodic = rule_event(RULE, &scheduled(), &json!({}));
    let clients = AwsClients::from_sdk_config(sdk_config());
    let outcome = sec2_shared::lambda::handle(&clients, &TemporaryCredentials::new, periodic).await;
    assert_eq!(outcome.unwrap_err().kind(), "PreviousResultsUnavailable");
    let (compliance, annotation) = verdict(&second);
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(
        &annotation,
        &format!("customer-managed policy {policy_name}"),
    );
}
