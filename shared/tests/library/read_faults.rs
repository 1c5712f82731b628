//! Faults on the reads every rule makes, through the real SDK clients over real HTTP: a local
//! server stands in for AWS and answers every call with AccessDenied, throttling, a 503, or
//! nothing at all. moto never fails a call, so it cannot show these. The server speaks just enough
//! of each AWS protocol (JSON, query XML, EC2 XML, REST JSON) for the SDK to read the error code.
//!
//! What a user relies on: a rule that cannot read never passes the resource; it says what it could
//! not read and why; throttling and 5xx answers are retried by the SDK's standard mode (three
//! attempts, as the functions run) and a silent service is cut off by the attempt timeout.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_config::config::{Credentials, SharedCredentialsProvider};
use sec2_shared::aws::AwsClients;
use sec2_shared::config::parameters::parse_parameters;
use sec2_shared::config::{Compliance, ConfigurationItem, Rule};
use sec2_shared::config::{FromRuleParameters, Verdict};
use sec2_shared::rules::least_privilege::LeastPrivilege;
use sec2_shared::rules::network_controls::NetworkControls;
use sec2_shared::rules::resource_policies::ResourcePolicies;
use sec2_shared::rules::temporary_credentials::TemporaryCredentials;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    AccessDenied,
    Throttling,
    Unavailable,
    Silent,
}

/// Every request the server saw, as method, path, operation and body: a retry repeats one.
type Seen = Arc<Mutex<Vec<String>>>;

struct Request {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: String,
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut bytes = Vec::new();
    let mut chunk = [0_u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut request_line = lines.next()?.split(' ');
    let (method, path) = (
        request_line.next()?.to_owned(),
        request_line.next()?.to_owned(),
    );
    let headers: BTreeMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = bytes[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// The error answer in the request's protocol, so the SDK parses its code.
fn answer(fault: Fault, request: &Request) -> String {
    let ec2 = request.body.contains("Version=2016-11-15");
    let (status, code) = match fault {
        Fault::AccessDenied if ec2 => ("403 Forbidden", "UnauthorizedOperation"),
        Fault::AccessDenied if request.headers.contains_key("x-amz-target") => {
            ("400 Bad Request", "AccessDeniedException")
        }
        Fault::AccessDenied => ("403 Forbidden", "AccessDenied"),
        Fault::Throttling if ec2 => ("503 Service Unavailable", "RequestLimitExceeded"),
        Fault::Throttling => ("400 Bad Request", "ThrottlingException"),
        Fault::Unavailable | Fault::Silent => ("503 Service Unavailable", "ServiceUnavailable"),
    };
    let message = "User: arn:aws:sts::111122223333:assumed-role/sec2-rule/fn is not authorized";
    let (content_type, extra, body) = if request.headers.contains_key("x-amz-target") {
        (
            "application/x-amz-json-1.1",
            String::new(),
            json!({"__type": code, "message": message}).to_string(),
        )
    } else if ec2 {
        (
            "text/xml",
            String::new(),
            format!("<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>r-1</RequestID></Response>"),
        )
    } else if request.body.contains("Action=") {
        (
            "text/xml",
            String::new(),
            format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"),
        )
    } else {
        (
            "application/json",
            format!("x-amzn-errortype: {code}\r\n"),
            json!({"message": message}).to_string(),
        )
    };
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-amzn-requestid: r-1\r\n{extra}\r\n{body}",
        body.len()
    )
}

async fn serve(mut stream: TcpStream, fault: Fault, seen: Seen) {
    while let Some(request) = read_request(&mut stream).await {
        let operation = request
            .headers
            .get("x-amz-target")
            .cloned()
            .unwrap_or_default();
        seen.lock().unwrap().push(format!(
            "{} {} {operation} {}",
            request.method, request.path, request.body
        ));
        if fault == Fault::Silent {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        if stream
            .write_all(answer(fault, &request).as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Clients whose every call reaches a server that answers with `fault`. Each test names its own
/// region, so the SDK's retry quota (one token bucket per service and region) is its own.
async fn faulty_clients(fault: Fault, region: &'static str) -> (AwsClients, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let recorder = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, fault, Arc::clone(&recorder)));
        }
    });
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "test",
        )))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(5)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_millis(500))
                .build(),
        )
        .build();
    (AwsClients::from_sdk_config(sdk), seen)
}

fn item(resource_type: &str, id: &str, configuration: Value) -> ConfigurationItem {
    ConfigurationItem::from_json(&json!({
        "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
        "configurationItemStatus": "OK",
        "awsAccountId": "111122223333",
        "awsRegion": "us-east-1",
        "resourceType": resource_type,
        "resourceId": id,
        "resourceName": id,
        "ARN": format!("arn:aws:lambda:us-east-1:111122223333:function:{id}"),
        "configuration": configuration,
        "supplementaryConfiguration": {}
    }))
    .unwrap()
}

fn defaults<P: FromRuleParameters>() -> P {
    parse_parameters(&Map::new()).unwrap()
}

const ROLE: &str = "arn:aws:iam::111122223333:role/airline-booking";

/// Each rule on an item that makes it read, with the read it must name.
async fn verdicts(clients: &AwsClients) -> Vec<(&'static str, Verdict)> {
    let bus = item(
        "AWS::Events::EventBus",
        "airline-events",
        json!({"Name": "airline-events"}),
    );
    let table = item(
        "AWS::DynamoDB::Table",
        "airline-bookings",
        json!({"TableName": "airline-bookings"}),
    );
    let function = item(
        "AWS::Lambda::Function",
        "airline-booking",
        json!({"functionName": "airline-booking", "role": ROLE,
               "vpcConfig": {"subnetIds": ["subnet-0a1b2c3d"], "securityGroupIds": ["sg-0a1b2c3d"]}}),
    );
    let resource_policies = ResourcePolicies::new(clients.clone());
    let temporary_credentials = TemporaryCredentials::new(clients.for_new_run());
    let least_privilege = LeastPrivilege::new(clients.for_new_run());
    let network_controls = NetworkControls::new(clients.for_new_run());
    vec![
        (
            "event bus policy",
            resource_policies.evaluate(&bus, &defaults()).await,
        ),
        (
            "table policy",
            resource_policies.evaluate(&table, &defaults()).await,
        ),
        (
            "function environment and role",
            temporary_credentials.evaluate(&function, &defaults()).await,
        ),
        (
            "role policies",
            least_privilege.evaluate(&function, &defaults()).await,
        ),
        (
            "function network",
            network_controls.evaluate(&function, &defaults()).await,
        ),
    ]
}

/// Every verdict NON_COMPLIANT, saying it could not read and naming one of `reasons`.
fn assert_never_passed(verdicts: &[(&str, Verdict)], reasons: &[&str]) {
    for (read, verdict) in verdicts {
        assert_eq!(
            verdict.compliance,
            Compliance::NonCompliant,
            "{read}: {verdict:?}"
        );
        let annotation = &verdict.annotation;
        assert!(
            annotation.contains("could not")
                && (reasons.is_empty() || reasons.iter().any(|r| annotation.contains(r))),
            "{read}: {annotation}"
        );
    }
}

/// How many times each distinct request was sent.
fn attempts(seen: &Seen) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in seen.lock().unwrap().iter() {
        *counts.entry(request.clone()).or_insert(0) += 1;
    }
    counts
}

/// Every distinct request was sent `times` times: three for what the SDK's standard mode (as the
/// functions run) retries, once for a final answer.
fn assert_each_sent(seen: &Seen, times: usize) {
    let attempts = attempts(seen);
    assert!(
        attempts.values().all(|&n| n == times),
        "{times} attempts each: {attempts:?}"
    );
}

#[tokio::test]
async fn access_denied_on_any_read_is_non_compliant_naming_the_denial_and_is_not_retried() {
    let (clients, seen) = faulty_clients(Fault::AccessDenied, "eu-west-1").await;
    let verdicts = verdicts(&clients).await;
    assert_never_passed(&verdicts, &["AccessDenied", "UnauthorizedOperation"]);
    let attempts = attempts(&seen);
    assert!(
        attempts.len() >= 5,
        "every rule read something: {attempts:?}"
    );
    assert_each_sent(&seen, 1);
}

#[tokio::test]
async fn throttling_on_any_read_is_retried_by_the_sdk_then_reported_as_unreadable() {
    let (clients, seen) = faulty_clients(Fault::Throttling, "eu-west-2").await;
    let verdicts = verdicts(&clients).await;
    assert_never_passed(&verdicts, &["ThrottlingException", "RequestLimitExceeded"]);
    assert_each_sent(&seen, 3);
}

#[tokio::test]
async fn a_503_on_any_read_is_retried_then_reported_as_unreadable() {
    let (clients, seen) = faulty_clients(Fault::Unavailable, "eu-west-3").await;
    assert_never_passed(&verdicts(&clients).await, &["ServiceUnavailable"]);
    assert_each_sent(&seen, 3);
}

#[tokio::test]
async fn a_service_that_never_answers_is_timed_out_and_never_passes() {
    let (clients, seen) = faulty_clients(Fault::Silent, "eu-north-1").await;
    assert_never_passed(&verdicts(&clients).await, &["timed out"]);
    assert!(
        attempts(&seen).values().all(|&n| n >= 2),
        "timed-out attempts are retried"
    );
}
