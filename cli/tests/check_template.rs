//! `sec2 check-template` as a user runs it: over real SAM and CloudFormation templates written by
//! others (`tests/templates/`, with their sources and MIT-0 licence in SOURCES.md), over our own
//! template, and over input it cannot read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sec2_testkit::assert_contains;
use serde_json::Value;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn check(file: &Path, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args(["check-template", "--format", format])
        .arg(file)
        .output()
        .unwrap()
}

fn findings(template: &str) -> Vec<Value> {
    let output = check(&repository().join("tests/templates").join(template), "json");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["findings"].as_array().unwrap().clone()
}

fn found(findings: &[Value], rule: &str, logical_id: &str) -> Option<String> {
    findings
        .iter()
        .find(|f| f["rule"] == rule && f["logical_id"] == logical_id)
        .map(|f| f["message"].as_str().unwrap().to_owned())
}

#[test]
fn every_real_template_is_read_without_a_panic_or_a_read_error() {
    let mut read = 0;
    for entry in std::fs::read_dir(repository().join("tests/templates")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let output = check(&path, "json");
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{}: exit {:?}: {}",
            path.display(),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        read += 1;
    }
    assert!(read >= 120, "the corpus holds the templates ({read} read)");
}

#[test]
fn our_own_template_passes() {
    let output = check(&repository().join("template.yaml"), "table");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// A reviewed subset, each finding checked by hand against the template and AWS's guidance.
#[test]
fn reviewed_templates_get_the_findings_they_deserve() {
    // GET / requires an API key and has authorization NONE: a key identifies a caller, anyone
    // who holds it can call; the weaker wording says so.
    let api_key = findings("apigw-api-key__template.yaml");
    let message = found(&api_key, "network-controls", "RootMethodGet").unwrap();
    assert_contains(
        &message,
        "an API key identifies callers but does not authenticate them",
    );

    // FunctionUrlConfig AuthType NONE: SAM grants lambda:InvokeFunctionUrl to everyone, so
    // resource-policies and network-controls both find the open door, at the function.
    let url = findings("cloudfront-lambda-url-java__template.yml");
    assert_contains(
        &found(&url, "resource-policies", "LambdaFunction").unwrap(),
        "lets anyone invoke the function through its URL",
    );
    assert_contains(
        &found(&url, "network-controls", "LambdaFunction").unwrap(),
        "AuthType NONE",
    );

    // The queue policy lets s3.amazonaws.com send with no aws:SourceArn or aws:SourceAccount:
    // any account's bucket could make S3 write to this queue (the confused deputy).
    let queue = findings("s3-sqs-lambda-sam-java__template.yml");
    assert_contains(
        &found(&queue, "resource-policies", "AuditQueuePolicy").unwrap(),
        "lets s3.amazonaws.com use sqs:SendMessage without an aws:SourceArn or aws:SourceAccount condition",
    );

    // SetupPipelineFunction and IndexFunction both run as IndexFunctionRole.
    let shared = findings("apigw-lambda-opensearch-serverless-nextgen__template.yaml");
    assert_contains(
        &found(&shared, "temporary-credentials", "SetupPipelineFunction").unwrap(),
        "is also used by IndexFunction",
    );

    // ApiFunction's own statement allows s3:PutObject on "*": a write on every bucket of the
    // account, where the function writes one; least-privilege judges SAM's role for it.
    let writes = findings("apigw-lambda-translate-polly-s3__template.yaml");
    assert_contains(
        &found(&writes, "least-privilege", "ApiFunction").unwrap(),
        "allows s3:PutObject on every resource",
    );
    // SAM's DynamoDBCrudPolicy on the template's table, expanded from SAM's own definition,
    // names the table: nothing to find.
    assert!(
        findings("python-test-samples__apigw-lambda-dynamodb__template.yaml")
            .iter()
            .all(|f| f["rule"] != "least-privilege")
    );

    // SAM's Api event POST /detect_sentiment on an API with no Auth: open to anyone; and no
    // web ACL is associated with the API's stage.
    let sam_api = findings("apigw-lambda-comprehend-sam__template.yaml");
    assert_contains(
        &found(
            &sam_api,
            "network-controls",
            "DetectSentimentLambdaFunction",
        )
        .unwrap(),
        "POST /detect_sentiment is open to anyone on the internet (no authorizer)",
    );
    assert_contains(
        &found(&sam_api, "network-controls", "DetectSentimentApi").unwrap(),
        "has no AWS WAF web ACL",
    );
    // The same kind of route on a PRIVATE API is reached only through VPC endpoints.
    assert!(found(
        &findings("apigw-private-cdn-private-ca-sam__template.yaml"),
        "network-controls",
        "PythonLambda"
    )
    .is_none());

    // An Api whose Auth.ResourcePolicy only denies some address ranges: SAM allows everyone
    // else, so the API's policy is public.
    assert_contains(
        &found(
            &findings("apigw-resource-policy__template.yaml"),
            "resource-policies",
            "AppApi",
        )
        .unwrap(),
        "allows anyone (\"Principal\": \"*\") to use execute-api:Invoke",
    );

    // Near misses that must pass: API Gateway's permissions name the API in aws:SourceArn
    // (authorizer and method), CloudFront's name the distribution and the account, and the
    // Stripe secret's variable holds its ARN (a Ref), not the secret.
    assert!(findings("apigw-lambda-authorizer__template.yaml")
        .iter()
        .all(|f| f["rule"] != "resource-policies"));
    assert!(
        findings("cloudfront-lambdafunctionurl-oac-sam__template.yaml")
            .iter()
            .all(|f| f["rule"] != "resource-policies")
    );
    let stripe = findings("eventbridge-webhooks__1-stripe__template.yml");
    assert!(found(&stripe, "temporary-credentials", "WebhookFunction").is_none());
}

#[test]
fn findings_point_at_the_line_and_unreadable_input_exits_2() {
    let queue = findings("s3-sqs-lambda-sam-java__template.yml");
    let finding = queue
        .iter()
        .find(|f| f["logical_id"] == "AuditQueuePolicy")
        .unwrap();
    assert_eq!(finding["path"], "Properties.PolicyDocument");
    assert!(finding["line"].as_u64().unwrap() > 1);
    let table = check(
        &repository().join("tests/templates/s3-sqs-lambda-sam-java__template.yml"),
        "table",
    );
    assert_eq!(table.status.code(), Some(1));
    assert_contains(
        &String::from_utf8_lossy(&table.stdout),
        &format!("s3-sqs-lambda-sam-java__template.yml:{}:", finding["line"]),
    );

    let dir = std::env::temp_dir().join(format!("sec2-check-template-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "Resources: [a, b").unwrap();
    let output = check(&broken, "table");
    assert_eq!(output.status.code(), Some(2));
    assert_contains(
        &String::from_utf8_lossy(&output.stderr),
        "neither YAML nor JSON",
    );
    let output = check(&dir.join("missing.yaml"), "table");
    assert_eq!(output.status.code(), Some(2));
}
