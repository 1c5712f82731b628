//! `sec2 scan` over more than one region and account, against moto: a public queue in each of
//! two regions is found in each, and an organization scan assumes the member role in every
//! member account (moto keeps each account's resources apart by the assumed role's account) and
//! finds the public queue seeded there.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code"
)]

use std::process::Command;

use sec2_shared::aws::config::AggregatorSource;
use sec2_shared::aws::AwsClients;
use sec2_shared::config::ConfigurationItem;
use sec2_shared::scan::inventory::{self, Aggregated, Place};
use sec2_testkit::{json_printed, sdk_config, seed, unique};
use serde_json::Value;

const ROLE: &str = "sec2-rules-member";

async fn public_queue(sqs: &aws_sdk_sqs::Client) -> String {
    seed::public_queue(sqs, "public").await
}

/// What `sec2 scan` of resource-policies printed and said, with `args`.
fn scan_output(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args(["scan", "--rules", "resource-policies", "--format", "json"])
        .args(args)
        .envs(sec2_testkit::moto_env())
        .output()
        .unwrap()
}

fn scan(args: &[&str]) -> Vec<Value> {
    serde_json::from_value(json_printed(&scan_output(args))).unwrap()
}

fn row_for<'a>(rows: &'a [Value], queue_url: &str) -> &'a Value {
    rows.iter()
        .find(|row| row["resource_id"] == queue_url)
        .unwrap_or_else(|| panic!("{queue_url} was not scanned"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_two_region_scan_finds_the_resources_of_both() {
    let sqs_in = |region: &'static str| {
        aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&sdk_config())
                .region(aws_sdk_sqs::config::Region::new(region))
                .build(),
        )
    };
    let east = public_queue(&sqs_in("us-east-1")).await;
    let west = public_queue(&sqs_in("eu-west-1")).await;
    let rows = scan(&["--regions", "us-east-1,eu-west-1"]);
    for (queue, region) in [(&east, "us-east-1"), (&west, "eu-west-1")] {
        let row = row_for(&rows, queue);
        assert_eq!(row["region"], region);
        assert_eq!(row["compliance"], "NON_COMPLIANT", "{row}");
        // Every finding, whole and structured: the annotation is all of them, never cut.
        let findings = row["findings"].as_array().unwrap();
        let messages: Vec<&str> = findings
            .iter()
            .map(|f| f["message"].as_str().unwrap())
            .collect();
        assert!(!messages.is_empty(), "{row}");
        assert_eq!(row["annotation"], messages.join("; "));
        // The statement at fault, how urgent and how to fix it.
        assert_eq!(findings[0]["element"], "Statement[0]", "{row}");
        assert_eq!(findings[0]["severity"], "CRITICAL", "{row}");
        assert!(
            findings[0]["fix"].as_str().unwrap().contains("Principal"),
            "{row}"
        );
        assert_eq!(row["severity"], "CRITICAL");
    }
    // One region only: the other's queue is not there.
    let rows = scan(&["--regions", "eu-west-1"]);
    assert!(rows.iter().all(|row| row["resource_id"] != east.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_scan_assumes_the_member_role_in_every_member_account() {
    let organizations = aws_sdk_organizations::Client::new(&sdk_config());
    // Another test may have made the emulator's organization already.
    let _ = organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await;
    let mut members = Vec::new();
    for _ in 0..2 {
        let name = unique("member");
        let created = organizations
            .create_account()
            .email(format!("{name}@example.com"))
            .account_name(&name)
            .send()
            .await
            .unwrap();
        members.push(
            created
                .create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_owned(),
        );
    }
    let home = AwsClients::from_sdk_config(sdk_config());
    let mut queues = Vec::new();
    for member in &members {
        let there = home
            .assume(&format!("arn:aws:iam::{member}:role/{ROLE}"), "seed")
            .await
            .unwrap();
        queues.push(public_queue(there.sqs()).await);
    }
    // A member's queue is visible only with credentials of its account: found, it was read
    // with the member role assumed there.
    let rows = scan(&["--organization", "--role-name", ROLE]);
    for (member, queue) in members.iter().zip(&queues) {
        let row = row_for(&rows, queue);
        assert_eq!(row["account"], member.as_str());
        assert_eq!(row["compliance"], "NON_COMPLIANT", "{row}");
    }
    // Without --role-name, other accounts are refused before anything is read.
    let output = Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args(["scan", "--organization"])
        .envs(sec2_testkit::moto_env())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--role-name"));
}

/// Answers STS as a caller in account 123456789012 would see it: GetCallerIdentity names the
/// account, and every AssumeRole is refused (AccessDenied), as a member account whose role does
/// not trust the caller refuses it. moto's STS never refuses a role, hence this stand-in.
async fn refusing_sts() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0_u8; 4096];
                // The whole request: headers, then Content-Length bytes of body.
                loop {
                    let read = stream.read(&mut chunk).await.unwrap_or(0);
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&chunk[..read]);
                    let text = String::from_utf8_lossy(&request);
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|line| {
                                let (name, value) = line.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break;
                        }
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let (status, body) = if text.contains("Action=GetCallerIdentity") {
                    ("200 OK", "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/auditor</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>")
                } else {
                    ("403 Forbidden", "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>2</RequestId></ErrorResponse>")
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_that_cannot_be_reached_is_reported_and_the_rest_scanned() {
    let own = public_queue(&aws_sdk_sqs::Client::new(&sdk_config())).await;
    let sts = refusing_sts().await;
    let output = Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args(["scan", "--rules", "resource-policies", "--format", "json"])
        .args([
            "--accounts",
            "123456789012,999988887777",
            "--role-name",
            ROLE,
        ])
        .envs(sec2_testkit::moto_env())
        .env("AWS_ENDPOINT_URL_STS", &sts)
        .output()
        .unwrap();
    let rows: Vec<Value> = serde_json::from_value(json_printed(&output)).unwrap();
    let refused = rows
        .iter()
        .find(|row| row["account"] == "999988887777")
        .expect("the unreachable account is reported");
    assert_eq!(refused["compliance"], "NON_COMPLIANT");
    assert_eq!(refused["resource_type"], "AWS::::Account");
    let said = refused["annotation"].as_str().unwrap();
    assert!(
        said.starts_with(
            "not scanned: could not assume `arn:aws:iam::999988887777:role/sec2-rules-member`"
        ),
        "{said}"
    );
    assert!(
        said.contains("AccessDenied") || said.contains("denied"),
        "{said}"
    );
    // The caller's own account is scanned all the same.
    assert_eq!(row_for(&rows, &own)["account"], "123456789012");
}

#[tokio::test(flavor = "multi_thread")]
async fn access_advisor_is_read_only_with_usage() {
    use sec2_testkit::seed::{create_function, create_role, FunctionSeed, LAMBDA_TRUST};
    let role = create_role(LAMBDA_TRUST).await;
    let function = create_function(&role, FunctionSeed::default()).await;
    let verdict_of = |with_usage: bool| {
        let mut args = vec!["--rules", "least-privilege"];
        if with_usage {
            args.push("--with-usage");
        }
        let output = Command::new(env!("CARGO_BIN_EXE_sec2"))
            .args(["scan", "--format", "json"])
            .args(&args)
            .envs(sec2_testkit::moto_env())
            .output()
            .unwrap();
        let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
        rows.into_iter()
            .find(|row| row["resource_id"] == function.as_str())
            .unwrap()
    };
    // moto has no Access Advisor: asked for, the report cannot be read, which is never a pass.
    let with_usage = verdict_of(true);
    assert_eq!(with_usage["compliance"], "NON_COMPLIANT", "{with_usage}");
    assert!(
        with_usage["annotation"]
            .as_str()
            .unwrap()
            .contains("IAM Access Advisor"),
        "{with_usage}"
    );
    let without = verdict_of(false);
    assert!(
        !without["annotation"]
            .as_str()
            .unwrap()
            .contains("IAM Access Advisor"),
        "{without}"
    );
}

/// moto has no configuration recorder (and no advanced queries over what it holds): a scan
/// asked to read through Config says so and reads every type from the services, judging the
/// same resources the same way.
#[tokio::test(flavor = "multi_thread")]
async fn a_scan_through_config_reads_what_config_does_not_record_from_the_services() {
    let queue = public_queue(&aws_sdk_sqs::Client::new(&sdk_config())).await;
    let output = scan_output(&["--source", "config"]);
    let rows: Vec<Value> = serde_json::from_value(json_printed(&output)).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("read from the services, as AWS Config does not record them here"),
        "{stderr}"
    );
    assert_eq!(row_for(&rows, &queue)["compliance"], "NON_COMPLIANT");
    let through_services = scan(&[]);
    assert_eq!(
        row_for(&through_services, &queue)["annotation"],
        row_for(&rows, &queue)["annotation"]
    );
}

/// moto has no advanced queries nor aggregator source status: a scan asked to read through an
/// aggregator says it cannot and reads each account's own Config (here, the services), so
/// nothing is skipped; asked without `--source config`, it is refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_scan_through_an_aggregator_it_cannot_read_reads_each_account_instead() {
    let queue = public_queue(&aws_sdk_sqs::Client::new(&sdk_config())).await;
    let output = scan_output(&["--source", "config", "--aggregator", "organization"]);
    let rows: Vec<Value> = serde_json::from_value(json_printed(&output)).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the aggregator `organization` could not be read")
            && stderr.contains("config:DescribeConfigurationAggregatorSourcesStatus"),
        "{stderr}"
    );
    assert_eq!(row_for(&rows, &queue)["compliance"], "NON_COMPLIANT");
    let refused = scan_output(&["--aggregator", "organization"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pass --source config"));
}

/// A member account of the emulator whose configuration recorder records every type.
async fn recording_member() -> (AwsClients, Place) {
    use aws_sdk_config::types::{ConfigurationRecorder, DeliveryChannel, RecordingGroup};
    let account = format!("{:012}", 300_000_000_000u64 + u64::from(std::process::id()));
    let there = AwsClients::from_sdk_config(sdk_config())
        .assume(&format!("arn:aws:iam::{account}:role/{ROLE}"), "seed")
        .await
        .unwrap();
    let config = there.config();
    config
        .put_configuration_recorder()
        .configuration_recorder(
            ConfigurationRecorder::builder()
                .name("default")
                .role_arn(format!("arn:aws:iam::{account}:role/config"))
                .recording_group(RecordingGroup::builder().all_supported(true).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    config
        .put_delivery_channel()
        .delivery_channel(
            DeliveryChannel::builder()
                .name("default")
                .s3_bucket_name("config-bucket")
                .build(),
        )
        .send()
        .await
        .unwrap();
    config
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();
    let place = Place {
        account,
        region: "us-east-1".to_owned(),
    };
    (there, place)
}

/// The organization's aggregator stands for a member account whose recorder records the types
/// and whose aggregation succeeded: its items are taken as they are, and the account's queue
/// is not listed again. Where the aggregation failed, the scan says so and reads the account's
/// own Config instead (moto's recorder is real; its advanced queries answer nothing).
#[tokio::test(flavor = "multi_thread")]
async fn an_aggregator_stands_for_a_member_only_where_its_aggregation_succeeded() {
    let (there, place) = recording_member().await;
    let live_queue = public_queue(there.sqs()).await;
    let aggregated_queue = format!(
        "https://sqs.us-east-1.amazonaws.com/{}/aggregated",
        place.account
    );
    let item = ConfigurationItem::from_json(&serde_json::json!({
        "accountId": place.account, "awsRegion": place.region,
        "resourceType": "AWS::SQS::Queue", "resourceId": aggregated_queue,
        "configurationItemCaptureTime": "2026-12-05T10:00:00Z",
        "configurationItemStatus": "OK",
        "configuration": {"QueueUrl": aggregated_queue}
    }))
    .unwrap();
    let source = |problem: Option<&str>| AggregatorSource {
        source_id: "o-exampleorgid".to_owned(),
        organization: true,
        region: place.region.clone(),
        problem: problem.map(str::to_owned),
    };
    let members = Some(vec![place.account.clone()]);
    let types = ["AWS::SQS::Queue"];
    let succeeded = Aggregated::from_parts(
        "organization",
        vec![item.clone()],
        vec![source(None)],
        members.clone(),
    );
    let listed = inventory::list_recorded(&there, &place, &types, Some(&succeeded)).await;
    let ids: Vec<&str> = listed
        .items
        .iter()
        .map(|item| item.resource_id.as_str())
        .collect();
    assert_eq!(ids, [aggregated_queue.as_str()], "{:?}", listed.notes);
    assert!(listed.notes.is_empty(), "{:?}", listed.notes);
    let failed = Aggregated::from_parts(
        "organization",
        vec![item],
        vec![source(Some(
            "its last aggregation failed: recorder stopped",
        ))],
        members,
    );
    let listed = inventory::list_recorded(&there, &place, &types, Some(&failed)).await;
    assert!(
        listed
            .items
            .iter()
            .all(|item| item.resource_id != aggregated_queue),
        "{:?}",
        listed.items
    );
    assert!(
        listed.notes.iter().any(|note| note.contains(
            "read from this account's own AWS Config, as the aggregator `organization` cannot stand for it: its last aggregation failed"
        )),
        "{:?}",
        listed.notes
    );
    // The live queue is the services' to list, which a scan through Config does not ask here.
    assert!(listed
        .items
        .iter()
        .all(|item| item.resource_id != live_queue));
}
