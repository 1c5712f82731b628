//! reevaluate against an AWS endpoint that accepts connections and never answers: with the time
//! limits the function builds its clients with (`call_time_limits`), the event fails with "timed
//! out" well inside the function's own Timeout in template.yaml, so Lambda's retries and then the
//! dead-letter queue take it, instead of Lambda killing the function and losing the change.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use std::time::{Duration, Instant, SystemTime};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use sec2_shared::aws::starter::{OrganizationRules, ReevaluateScope};
use sec2_shared::aws::{call_time_limits, AwsClients};
use sec2_shared::config::Deadline;
use sec2_shared::reevaluate::{
    reevaluate, Backoff, Coalescer, ReevaluateError, RuleNames, Timing, CALLER_SPACING,
};
use serde_json::json;
use tokio::net::TcpListener;

/// Accepts every connection and holds it open without a byte in answer.
async fn silent_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    format!("http://{address}")
}

/// The function's Timeout in template.yaml, in seconds.
fn template_timeout(function: &str) -> Duration {
    let template = include_str!("../../../template.yaml");
    let block = template
        .split(&format!("\n  {function}:\n"))
        .nth(1)
        .expect("the function is in template.yaml");
    let seconds = block
        .lines()
        .take_while(|line| line.is_empty() || line.starts_with("   "))
        .find_map(|line| line.trim().strip_prefix("Timeout: "))
        .expect("the function sets its Timeout");
    Duration::from_secs(seconds.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_endpoint_fails_the_event_within_the_functions_timeout() {
    let endpoint = silent_endpoint().await;
    // As AwsClients::from_environment builds them in the function, with a local endpoint.
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(call_time_limits())
        .endpoint_url(&endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .load()
        .await;
    let clients = AwsClients::from_sdk_config(sdk);
    let timeout = template_timeout("ReevaluateFunction");
    let names = RuleNames::parse("least-privilege=sec2-least-privilege").unwrap();
    let account = ReevaluateScope::Account(clients.config().clone());
    let organization = ReevaluateScope::Organization(Box::new(OrganizationRules::new(
        clients.clone(),
        "111122223333",
        "aws",
        "sec2-rules-member",
    )));
    let event = |account: &str| {
        json!({
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.iam",
            "account": account,
            "detail": {"eventSource": "iam.amazonaws.com", "eventName": "PutRolePolicy"}
        })
    };
    let (own, member) = (event("111122223333"), event("222233334444"));
    let started = Instant::now();
    let timing = Timing {
        // As the function: the Lambda deadline, here the template's Timeout from now.
        deadline: Deadline::at(started + timeout),
        backoff: Backoff::STANDARD,
        caller_spacing: CALLER_SPACING,
        clock: SystemTime::now,
    };
    let (coalescer, other) = (Coalescer::default(), Coalescer::default());
    let (in_account, in_member) = tokio::join!(
        reevaluate(&own, &names, &coalescer, &account, timing),
        // Organization scope: the member role is assumed (sts:AssumeRole) before any start.
        reevaluate(&member, &names, &other, &organization, timing),
    );
    let elapsed = started.elapsed();
    for outcome in [in_account, in_member] {
        let error = outcome.expect_err("a silent endpoint cannot start anything");
        assert!(matches!(error, ReevaluateError::Start(_)), "{error}");
        assert!(error.to_string().contains("timed out"), "{error}");
    }
    assert!(
        elapsed < timeout,
        "answered after {elapsed:?}, past the function's {timeout:?} timeout"
    );
}
