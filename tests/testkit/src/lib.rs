//! Test support for tests that run against moto's server, which `./scripts/test` starts on a
//! free 127.0.0.1 port (see `scripts/lib/moto.sh`) and announces in `SEC2_MOTO_ENDPOINT`.
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support: a broken harness should stop the test"
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU32, Ordering};

pub mod config_events;
pub mod fakes;
pub mod seed;

pub use sec2_shared::testing::{assert_contains, assert_ends_with, assert_starts_with};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use sec2_shared::aws::AwsClients;
use sec2_shared::config::Rule;
use serde_json::Value;

/// The account moto gives every request without further setup.
pub const MOTO_ACCOUNT: &str = "123456789012";

/// The emulator's endpoint; tests that need it fail with instructions when it is not running.
pub fn moto_endpoint() -> String {
    std::env::var("SEC2_MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!("SEC2_MOTO_ENDPOINT is not set: run the tests with ./scripts/test, which starts moto's server")
    })
}

/// The environment a command needs to reach moto (`sec2` run by a test).
pub fn moto_env() -> [(&'static str, String); 4] {
    [
        ("AWS_ENDPOINT_URL", moto_endpoint()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
    ]
}

/// SDK configuration that reaches moto, whatever the environment holds.
pub fn sdk_config() -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(moto_endpoint())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "moto",
            )),
        )
        .build()
}

/// Runs the rule `make_rule` builds on `payload` through the handler Lambda calls, with clients
/// that reach moto, and returns its summary; a failed invocation fails the test.
pub async fn invoke_rule<R, F>(make_rule: &F, payload: Value) -> Value
where
    R: Rule,
    F: Fn(AwsClients) -> R,
{
    let clients = AwsClients::from_sdk_config(sdk_config());
    sec2_shared::lambda::handle(&clients, make_rule, payload)
        .await
        .expect("the invocation succeeds")
}

/// The JSON a command printed, once it exited 0 (else the test fails with what it said).
pub fn json_printed(output: &std::process::Output) -> Value {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the command prints JSON")
}

/// A name no other test (or run against the same server) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn http_get(path: &str) -> String {
    let endpoint = moto_endpoint();
    let address = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).expect("moto's server accepts connections");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(
        head.starts_with("HTTP/1.") && head.contains(" 200 "),
        "moto answered {head}"
    );
    body.to_owned()
}

/// Bodies of the recorded requests whose `X-Amz-Target` ends with `operation`.
pub fn recorded_calls(operation: &str) -> Vec<Value> {
    recorded_requests()
        .into_iter()
        .filter(|entry| {
            entry["headers"]
                .as_object()
                .and_then(|headers| {
                    headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
                })
                .and_then(|(_, v)| v.as_str())
                .is_some_and(|target| target.ends_with(&format!(".{operation}")))
        })
        .map(|entry| serde_json::from_str(&body_text(&entry)).expect("a JSON request body"))
        .collect()
}

/// The method and URL (path and query) of every request moto has recorded, for calls that are
/// not JSON-RPC (Lambda's REST calls): `("GET", "/2015-03-31/functions/f/policy?Qualifier=prod")`.
pub fn recorded_urls() -> Vec<(String, String)> {
    recorded_requests()
        .iter()
        .map(|entry| {
            let text = |key: &str| entry[key].as_str().unwrap_or_default().to_owned();
            (text("method"), text("url"))
        })
        .collect()
}

/// Every request moto has recorded. A line that is not JSON is another test's request caught
/// mid-write; the download is tried again once moto has had time to finish it.
/// The URL and JSON body of every recorded `method` request whose URL contains `path` (Lambda's
/// REST calls: `("POST", "/2015-03-31/functions/")`).
pub fn recorded_rest_calls(method: &str, path: &str) -> Vec<(String, Value)> {
    recorded_requests()
        .into_iter()
        .filter(|entry| entry["method"] == method)
        .filter(|entry| entry["url"].as_str().is_some_and(|url| url.contains(path)))
        .map(|entry| {
            let url = entry["url"].as_str().unwrap_or_default().to_owned();
            (
                url,
                serde_json::from_str(&body_text(&entry)).unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// A recorded request's body, as text (moto's recorder base64-encodes some).
fn body_text(entry: &Value) -> String {
    let body = entry["body"].as_str().unwrap_or_default();
    if entry["body_encoded"] == Value::Bool(true) {
        String::from_utf8(aws_smithy_types::base64::decode(body).expect("base64 body"))
            .expect("UTF-8 body")
    } else {
        body.to_owned()
    }
}

fn recorded_requests() -> Vec<Value> {
    let mut attempts = 0;
    loop {
        let recording = http_get("/moto-api/recorder/download-recording");
        let parsed: Result<Vec<Value>, _> = complete_lines(&recording)
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(serde_json::from_str::<Value>)
            .collect();
        match parsed {
            Ok(requests) => return requests,
            Err(error) if attempts < 20 => {
                attempts += 1;
                eprintln!("moto's recording is mid-write ({error}); reading it again");
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(error) => {
                // Two large requests written at once can interleave for good; those lines are
                // other tests' requests, which this test does not count.
                eprintln!("moto's recording holds a line that is not JSON ({error}); skipping it");
                return complete_lines(&recording)
                    .lines()
                    .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                    .collect();
            }
        }
    }
}

/// The recording up to its last newline. Tests run in parallel against one server, so a
/// download can catch moto half-way through appending another test's request; that unfinished
/// line belongs to a request still being recorded, never to one the caller made and awaited.
fn complete_lines(recording: &str) -> &str {
    recording
        .rfind('\n')
        .map_or("", |end| recording.get(..end).unwrap_or_default())
}

/// One evaluation as moto's recorder saw it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub compliance: String,
    pub annotation: String,
    pub test_mode: bool,
}

impl Reported {
    /// The compliance type and the annotation, the two things a verdict says.
    pub fn verdict(self) -> (String, String) {
        (self.compliance, self.annotation)
    }
}

/// Every evaluation sent to PutEvaluations for the given resource, oldest first.
pub fn reported_for(resource_id: &str) -> Vec<Reported> {
    recorded_calls("PutEvaluations")
        .into_iter()
        .flat_map(|call| {
            let test_mode = call["TestMode"] == Value::Bool(true);
            call["Evaluations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|evaluation| evaluation["ComplianceResourceId"] == resource_id)
                .map(move |evaluation| Reported {
                    compliance: evaluation["ComplianceType"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    annotation: evaluation["Annotation"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    test_mode,
                })
        })
        .collect()
}

/// The latest evaluation reported for the resource, which must have been sent in TestMode.
pub fn last_reported(resource_id: &str) -> Reported {
    let last = reported_for(resource_id)
        .pop()
        .unwrap_or_else(|| panic!("nothing was reported for {resource_id}"));
    assert!(last.test_mode, "the TESTMODE token sets TestMode");
    last
}

#[cfg(test)]
mod tests {
    use super::complete_lines;

    #[test]
    fn an_unfinished_last_line_is_left_for_the_next_download() {
        assert_eq!(complete_lines("{\"a\":1}\n{\"b\":"), "{\"a\":1}");
        assert_eq!(complete_lines("{\"a\":1}\n"), "{\"a\":1}");
        assert_eq!(complete_lines("{\"a\""), "");
    }
}
