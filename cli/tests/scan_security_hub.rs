//! `sec2 scan --security-hub` against moto's Security Hub: a failing queue's finding is imported
//! into the account's default product; a second scan updates the same finding rather than adding
//! one; once the queue is fixed, the next scan archives it (ARCHIVED, compliance PASSED).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use std::process::Command;

use sec2_testkit::{sdk_config, seed};
use serde_json::json;

fn scan_into_security_hub() {
    let output = Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args([
            "scan",
            "--rules",
            "resource-policies",
            "--format",
            "json",
            "--security-hub",
        ])
        .envs(sec2_testkit::moto_env())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("findings imported"));
}

/// Security Hub's findings whose resource is `queue_url`.
async fn findings_of(queue_url: &str) -> Vec<aws_sdk_securityhub::types::AwsSecurityFinding> {
    aws_sdk_securityhub::Client::new(&sdk_config())
        .get_findings()
        .send()
        .await
        .unwrap()
        .findings()
        .iter()
        .filter(|finding| {
            finding
                .resources()
                .iter()
                .any(|resource| resource.id() == Some(queue_url))
        })
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn findings_are_imported_updated_in_place_and_archived_when_fixed() {
    let hub = aws_sdk_securityhub::Client::new(&sdk_config());
    // Enabled already when another run of this test went first.
    let _ = hub.enable_security_hub().send().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk_config());
    let queue = seed::public_queue(&sqs, "hub").await;

    scan_into_security_hub();
    let first = findings_of(&queue).await;
    assert_eq!(first.len(), 1);
    let id = first[0].id().unwrap().to_owned();
    assert!(
        id.starts_with("sec2-rules/123456789012/us-east-1/resource-policies/"),
        "{id}"
    );
    assert_eq!(
        first[0].product_arn(),
        Some("arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default")
    );
    assert_eq!(first[0].record_state().map(|s| s.as_str()), Some("ACTIVE"));

    scan_into_security_hub();
    let again = findings_of(&queue).await;
    assert_eq!(
        again.len(),
        1,
        "a re-scan updates the finding, it does not add one"
    );
    assert_eq!(again[0].id(), Some(id.as_str()));

    // Fixed: only this account may send.
    let private = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sqs:SendMessage", "Resource": "*"}]});
    seed::set_queue_policy(&sqs, &queue, &private).await;
    scan_into_security_hub();
    let fixed = findings_of(&queue).await;
    assert_eq!(fixed.len(), 1);
    assert_eq!(
        fixed[0].record_state().map(|s| s.as_str()),
        Some("ARCHIVED")
    );
    assert_eq!(
        fixed[0]
            .compliance()
            .and_then(|c| c.status())
            .map(|s| s.as_str()),
        Some("PASSED")
    );
}
