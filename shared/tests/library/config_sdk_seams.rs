//! The engine's AWS Config seams on the real SDK client. moto has no
//! GetComplianceDetailsByConfigRule and accepts only TestMode PutEvaluations, which never fail,
//! so these calls are tested with `aws-smithy-mocks`, the SDK's own mock layer.

use aws_sdk_config::operation::get_compliance_details_by_config_rule::GetComplianceDetailsByConfigRuleOutput;
use aws_sdk_config::operation::get_resource_config_history::GetResourceConfigHistoryOutput;
use aws_sdk_config::operation::put_evaluations::PutEvaluationsOutput;
use aws_sdk_config::types::{
    ComplianceType, ConfigurationItem as SdkItem, ConfigurationItemStatus, EvaluationResult,
    EvaluationResultIdentifier, EvaluationResultQualifier, ResourceType,
};
use aws_sdk_config::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::DateTime;
use sec2_shared::aws::config::ConfigSink;
use sec2_shared::config::{engine, Evaluation, ItemHistory, PreviousResults, Verdict};

fn evaluation(id: &str) -> Evaluation {
    Evaluation::new(
        "AWS::SQS::Queue",
        id,
        Verdict::non_compliant("public"),
        "2026-11-20T10:00:00.000Z",
    )
}

#[tokio::test]
async fn put_evaluations_sends_each_field_and_returns_what_config_refused() {
    let put = mock!(Client::put_evaluations)
        .match_requests(|req| {
            let sent = &req.evaluations()[0];
            req.result_token() == Some("token-1")
                && req.test_mode() == Some(false)
                && sent.compliance_type() == &ComplianceType::NonCompliant
                && sent.annotation() == Some("public")
                && sent.ordering_timestamp() == &DateTime::from_secs(1_795_168_800)
        })
        .then_output(|| {
            PutEvaluationsOutput::builder()
                .failed_evaluations(
                    aws_sdk_config::types::Evaluation::builder()
                        .compliance_resource_type("AWS::SQS::Queue")
                        .compliance_resource_id("b")
                        .compliance_type(ComplianceType::NonCompliant)
                        .ordering_timestamp(DateTime::from_secs(0))
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let client = mock_client!(aws_sdk_config, [&put]);
    let sink = ConfigSink::new(client);
    use sec2_shared::config::EvaluationSink;
    let refused = sink
        .put(&[evaluation("a"), evaluation("b")], "token-1", false)
        .await
        .unwrap();
    assert_eq!(refused, vec![evaluation("b")]);
    assert_eq!(put.num_calls(), 1);
}

#[tokio::test]
async fn failed_evaluations_are_retried_then_the_invocation_fails() {
    let refuse_all = mock!(Client::put_evaluations).then_compute_output(|req| {
        PutEvaluationsOutput::builder()
            .set_failed_evaluations(Some(req.evaluations().to_vec()))
            .build()
    });
    let client = mock_client!(aws_sdk_config, RuleMode::MatchAny, [&refuse_all]);
    let error = engine::report(&ConfigSink::new(client), &[evaluation("a")], "token")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "PutEvaluationsFailed");
    assert_eq!(refuse_all.num_calls(), 3);
}

#[tokio::test]
async fn an_expired_result_token_fails_the_invocation_with_configs_message() {
    let expired = mock!(Client::put_evaluations).then_error(|| {
        aws_sdk_config::operation::put_evaluations::PutEvaluationsError::InvalidResultTokenException(
            aws_sdk_config::types::error::InvalidResultTokenException::builder().message("The resultToken is invalid").build(),
        )
    });
    let client = mock_client!(aws_sdk_config, [&expired]);
    let error = engine::report(&ConfigSink::new(client), &[evaluation("a")], "old-token")
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("InvalidResultTokenException: The resultToken is invalid"),
        "{error}"
    );
}

#[tokio::test]
async fn oversized_items_are_fetched_past_empty_history_pages() {
    let empty_page = mock!(Client::get_resource_config_history)
        .match_requests(|req| req.next_token().is_none() && req.limit() == Some(1))
        .then_output(|| {
            GetResourceConfigHistoryOutput::builder()
                .next_token("page-2")
                .build()
        });
    let item_page = mock!(Client::get_resource_config_history)
        .match_requests(|req| {
            req.next_token() == Some("page-2")
                && req.resource_type() == Some(&ResourceType::Bucket)
                && req.resource_id() == Some("airline-assets")
                && req.later_time() == Some(&DateTime::from_secs(1_795_168_800))
        })
        .then_output(|| {
            GetResourceConfigHistoryOutput::builder()
                .configuration_items(
                    SdkItem::builder()
                        .account_id("111122223333")
                        .resource_type(ResourceType::Bucket)
                        .resource_id("airline-assets")
                        .configuration_item_status(ConfigurationItemStatus::Ok)
                        .configuration_item_capture_time(DateTime::from_secs(1_795_168_800))
                        .configuration("{\"name\":\"airline-assets\"}")
                        .supplementary_configuration(
                            "BucketPolicy",
                            "{\"policyText\":\"{\\\"Statement\\\":[]}\"}",
                        )
                        .build(),
                )
                .build()
        });
    let client = mock_client!(aws_sdk_config, [&empty_page, &item_page]);
    let item = client
        .latest_item(
            "AWS::S3::Bucket",
            "airline-assets",
            "2026-11-20T10:00:00.000Z",
        )
        .await
        .unwrap()
        .expect("the second page holds the item");
    assert_eq!(item.account_id.as_deref(), Some("111122223333"));
    assert_eq!(item.capture_time, "2026-11-20T10:00:00Z");
    assert_eq!(item.configuration["name"], "airline-assets");
    assert_eq!(
        item.supplementary_at(&["BucketPolicy", "policyText"])
            .unwrap(),
        "{\"Statement\":[]}"
    );
}

#[tokio::test]
async fn a_history_item_larger_than_any_lambda_payload_is_refused_with_its_size() {
    // moto cannot hold a 6 MiB item cheaply; the SDK's mock layer serves it.
    let huge = mock!(Client::get_resource_config_history).then_output(|| {
        GetResourceConfigHistoryOutput::builder()
            .configuration_items(
                SdkItem::builder()
                    .resource_type(ResourceType::Bucket)
                    .resource_id("airline-assets")
                    .configuration_item_status(ConfigurationItemStatus::Ok)
                    .configuration_item_capture_time(DateTime::from_secs(1_795_168_800))
                    .configuration("{\"name\":\"airline-assets\"}")
                    .supplementary_configuration("BucketPolicy", "x".repeat(7 * 1024 * 1024))
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_config, [&huge]);
    let refusal = client
        .latest_item("AWS::S3::Bucket", "airline-assets", "2026-11-20T10:00:00Z")
        .await
        .unwrap_err();
    assert_eq!(refusal.kind, sec2_shared::config::ReadErrorKind::Invalid);
    assert!(
        refusal
            .message
            .starts_with("input too large: the configuration item in the history is 7340")
            && refusal
                .message
                .ends_with("the largest Lambda payload is 6291456 bytes"),
        "{refusal}"
    );
}

#[tokio::test]
async fn an_empty_history_gives_no_item() {
    let empty = mock!(Client::get_resource_config_history)
        .then_output(|| GetResourceConfigHistoryOutput::builder().build());
    let client = mock_client!(aws_sdk_config, [&empty]);
    assert!(client
        .latest_item("AWS::S3::Bucket", "gone", "2026-11-20T10:00:00Z")
        .await
        .unwrap()
        .is_none());
}

fn result(resource_type: &str, id: &str) -> EvaluationResult {
    EvaluationResult::builder()
        .evaluation_result_identifier(
            EvaluationResultIdentifier::builder()
                .evaluation_result_qualifier(
                    EvaluationResultQualifier::builder()
                        .resource_type(resource_type)
                        .resource_id(id)
                        .build(),
                )
                .build(),
        )
        .compliance_type(ComplianceType::Compliant)
        .build()
}

#[tokio::test]
async fn previous_results_are_read_across_pages() {
    let first = mock!(Client::get_compliance_details_by_config_rule)
        .match_requests(|req| {
            req.next_token().is_none() && req.config_rule_name() == Some("sec2-least-privilege")
        })
        .then_output(|| {
            GetComplianceDetailsByConfigRuleOutput::builder()
                .evaluation_results(result("AWS::Lambda::Function", "booking"))
                .next_token("next")
                .build()
        });
    let second = mock!(Client::get_compliance_details_by_config_rule)
        .match_requests(|req| req.next_token() == Some("next"))
        .then_output(|| {
            GetComplianceDetailsByConfigRuleOutput::builder()
                .evaluation_results(result("AWS::Lambda::Function", "payment"))
                .build()
        });
    let client = mock_client!(aws_sdk_config, [&first, &second]);
    let resources = client
        .evaluated_resources("sec2-least-privilege")
        .await
        .unwrap();
    assert_eq!(
        resources,
        vec![
            ("AWS::Lambda::Function".to_owned(), "booking".to_owned()),
            ("AWS::Lambda::Function".to_owned(), "payment".to_owned())
        ]
    );
}

/// moto answers advanced queries over none of the items it records, so the query that finds
/// the resources an exemption tag may be on is tested on the SDK's mock layer.
#[tokio::test]
async fn exemption_tags_are_found_with_one_advanced_query_per_page() {
    use aws_sdk_config::operation::select_resource_config::SelectResourceConfigOutput;
    let first = mock!(Client::select_resource_config)
        .match_requests(|req| {
            req.next_token().is_none()
                && req.limit() == Some(100)
                && req.expression()
                    == Some("SELECT resourceId, tags WHERE resourceType = 'AWS::Lambda::Function' AND tags.key = 'sec2:exempt'")
        })
        .then_output(|| {
            SelectResourceConfigOutput::builder()
                .results(r#"{"resourceId":"legacy-export","tags":[{"key":"sec2:exempt","value":"least-privilege","tag":"sec2:exempt=least-privilege"},{"key":"sec2:exempt-reason","value":"RISK-7"}]}"#)
                .next_token("page-2")
                .build()
        });
    let second = mock!(Client::select_resource_config)
        .match_requests(|req| req.next_token() == Some("page-2"))
        .then_output(|| {
            SelectResourceConfigOutput::builder()
                .results(
                    r#"{"resourceId":"batch-import","tags":[{"key":"sec2:exempt","value":"all"}]}"#,
                )
                .build()
        });
    let client = mock_client!(aws_sdk_config, RuleMode::Sequential, [&first, &second]);
    let tagged = client
        .tagged_with("AWS::Lambda::Function", "sec2:exempt")
        .await
        .unwrap();
    assert_eq!(tagged.len(), 2);
    assert_eq!(tagged["legacy-export"]["sec2:exempt-reason"], "RISK-7");
    assert_eq!(tagged["batch-import"]["sec2:exempt"], "all");
    // A name that would break out of the query's quotes is refused, not sent.
    let error = client
        .tagged_with("AWS::Lambda::Function", "x' OR '1'='1")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("cannot be quoted"), "{error}");
}

/// The rule functions' HTTPS client trusts the embedded Amazon roots alone, and reads them on
/// its first connection with an `expect`: each must be a whole certificate, and all five there.
#[test]
fn the_embedded_trust_store_holds_the_five_roots_aws_endpoints_chain_to() {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let pem = sec2_shared::aws::AMAZON_ROOT_CAS.as_bytes();
    let certificates: Vec<CertificateDer<'_>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(certificates.len(), 5);
    assert!(certificates.iter().all(|der| der.len() > 300));
    let text = sec2_shared::aws::AMAZON_ROOT_CAS;
    for root in [
        "Amazon Root CA 1",
        "Amazon Root CA 4",
        "Starfield Services Root",
    ] {
        assert!(text.contains(root), "{root} is missing");
    }
}
