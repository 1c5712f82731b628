//! IAM Access Advisor, as the least-privilege rule's periodic run reads it. moto implements
//! neither GenerateServiceLastAccessedDetails nor GetServiceLastAccessedDetails, so the real SDK
//! client is exercised against `aws-smithy-mocks`, the SDK's own mock layer.

use aws_sdk_iam::operation::generate_service_last_accessed_details::GenerateServiceLastAccessedDetailsOutput;
use aws_sdk_iam::operation::get_service_last_accessed_details::GetServiceLastAccessedDetailsOutput;
use aws_sdk_iam::types::{ErrorDetails, JobStatusType, ServiceLastAccessed};
use aws_sdk_iam::Client;
use aws_smithy_mocks::{mock, mock_client};
use aws_smithy_types::DateTime;
use sec2_shared::aws::roles::access_advice;

const ROLE: &str = "arn:aws:iam::111122223333:role/airline-booking";

fn generate() -> aws_smithy_mocks::Rule {
    mock!(Client::generate_service_last_accessed_details)
        .match_requests(|req| req.arn() == Some(ROLE))
        .then_output(|| {
            GenerateServiceLastAccessedDetailsOutput::builder()
                .job_id("job-1")
                .build()
        })
}

fn report(status: JobStatusType) -> GetServiceLastAccessedDetailsOutput {
    let service = |namespace: &str, last: Option<i64>| {
        ServiceLastAccessed::builder()
            .service_name(namespace)
            .service_namespace(namespace)
            .set_last_authenticated(last.map(DateTime::from_secs))
            .build()
            .unwrap()
    };
    GetServiceLastAccessedDetailsOutput::builder()
        .job_status(status)
        .job_creation_date(DateTime::from_secs(0))
        .job_completion_date(DateTime::from_secs(1))
        .services_last_accessed(service("dynamodb", Some(1_795_000_000)))
        .services_last_accessed(service("sqs", None))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_report_is_polled_until_it_is_ready() {
    let in_progress = mock!(Client::get_service_last_accessed_details)
        .match_requests(|req| req.job_id() == Some("job-1"))
        .sequence()
        .output(|| report(JobStatusType::InProgress))
        .output(|| report(JobStatusType::Completed))
        .build();
    let client = mock_client!(aws_sdk_iam, [&generate(), &in_progress]);
    let advice = access_advice(&client, ROLE).await.unwrap();
    assert_eq!(
        advice.services,
        vec![
            ("dynamodb".to_owned(), Some(1_795_000_000)),
            ("sqs".to_owned(), None)
        ]
    );
    assert_eq!(in_progress.num_calls(), 2);
}

#[tokio::test]
async fn a_failed_report_is_an_error_not_an_empty_usage() {
    let failed = mock!(Client::get_service_last_accessed_details).then_output(|| {
        GetServiceLastAccessedDetailsOutput::builder()
            .job_status(JobStatusType::Failed)
            .job_creation_date(DateTime::from_secs(0))
            .job_completion_date(DateTime::from_secs(1))
            .set_services_last_accessed(Some(Vec::new()))
            .error(
                ErrorDetails::builder()
                    .message("throttled")
                    .code("Throttling")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    });
    let client = mock_client!(aws_sdk_iam, [&generate(), &failed]);
    let error = access_advice(&client, ROLE).await.unwrap_err();
    assert_eq!(error.kind, sec2_shared::config::ReadErrorKind::Throttled);
    assert_eq!(error.action, "iam:GetServiceLastAccessedDetails");
    assert_eq!(error.message, "throttled");
}
