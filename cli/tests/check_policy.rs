//! `sec2 check-policy` as a user runs it: files and stdin in, JSON and exit status out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failure should stop the test"
)]

use sec2_testkit::{assert_contains, assert_starts_with};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn sec2(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sec2 starts");
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    // sec2 may exit on bad arguments before it reads standard input.
    if let Err(error) = written {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON object")
}

const RESOURCE: &[&str] = &[
    "check-policy",
    "--kind",
    "resource",
    "--service",
    "lambda",
    "--account",
    "111122223333",
];

fn with(base: &[&str], extra: &[&str]) -> Vec<String> {
    base.iter().chain(extra).map(|s| (*s).to_owned()).collect()
}

fn run(args: &[String], stdin: &str) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    sec2(&refs, stdin)
}

#[test]
fn a_public_function_policy_read_from_stdin_exits_1_with_the_finding() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*",
        "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111122223333:function:booking"}]}"#;
    let output = run(&with(RESOURCE, &["-"]), policy);
    assert_eq!(output.status.code(), Some(1));
    let result = json(&output);
    assert_eq!(result["public"], true);
    assert_eq!(result["cross_account"], true);
    assert_eq!(result["unguarded_service_principal"], false);
    assert_eq!(result["findings"][0]["kind"], "public");
    assert_eq!(result["findings"][0]["statement"], 0);
    assert_eq!(result["findings"][0]["sid"], "Everyone");
}

#[test]
fn a_guarded_sns_permission_in_a_file_exits_0_with_no_findings() {
    let dir = std::env::temp_dir().join(format!("sec2-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("loyalty.json");
    std::fs::write(
        &file,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},
        "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111122223333:function:loyalty",
        "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:sns:us-east-1:111122223333:bookings"}}}]}"#,
    )
    .unwrap();
    let output = run(&with(RESOURCE, &[file.to_str().unwrap()]), "");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(json(&output)["findings"], serde_json::json!([]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn allowed_accounts_widen_the_zone_of_trust() {
    let policy = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"lambda:InvokeFunction","Resource":"*"}}"#;
    assert_eq!(run(&with(RESOURCE, &["-"]), policy).status.code(), Some(1));
    let allowed = run(
        &with(
            RESOURCE,
            &["--allowed-accounts", "999988887777,444455556666", "-"],
        ),
        policy,
    );
    assert_eq!(allowed.status.code(), Some(0));
}

#[test]
fn an_identity_policy_reports_its_five_flags() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#;
    let output = sec2(&["check-policy", "--kind", "identity", "-"], policy);
    assert_eq!(output.status.code(), Some(1));
    let result = json(&output);
    for flag in ["full_admin", "wildcard_action", "service_wildcard"] {
        assert_eq!(result[flag], false, "{flag}");
    }
    // iam:PassRole is a permissions-management action that can be scoped to role ARNs; alone,
    // with no service to run code under the role, it is not an escalation, but it is named.
    assert_eq!(result["wildcard_resource_on_write"], true);
    assert_eq!(result["privilege_escalation"], false);
    let kinds: Vec<&str> = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["wildcard_resource_on_write", "pass_role_on_every_role"]
    );
}

#[test]
fn a_url_encoded_policy_as_aws_config_records_it_is_read() {
    let encoded = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";
    let output = sec2(&["check-policy", "--kind", "identity", "-"], encoded);
    assert_eq!(json(&output)["full_admin"], true);
}

#[test]
fn bad_input_exits_2_with_one_line_that_says_what_and_where() {
    let output = run(&with(RESOURCE, &["-"]), "{\"Statement\": [");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert_starts_with(&stderr, "sec2: standard input: policy is not valid:");
    assert_contains(&stderr, "line 1");

    let unknown = run(
        &with(RESOURCE, &["-"]),
        r#"{"Statement":{"Sid":"X","Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEqualz":{"a":"b"}}}}"#,
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr)
        .contains("unknown condition operator `StringEqualz`"));
}

#[test]
fn a_missing_file_or_a_bad_account_exits_2_without_a_panic() {
    let missing = run(&with(RESOURCE, &["/nonexistent/policy.json"]), "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cannot read `/nonexistent/policy.json`")
    );
    let bad_account = sec2(
        &[
            "check-policy",
            "--kind",
            "resource",
            "--service",
            "sqs",
            "--account",
            "12",
            "-",
        ],
        "{}",
    );
    assert_eq!(bad_account.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_account.stderr).contains("not a 12-digit AWS account id"));
    let bad_service = sec2(
        &[
            "check-policy",
            "--kind",
            "resource",
            "--service",
            "kinesis",
            "--account",
            "111122223333",
            "-",
        ],
        "{}",
    );
    assert_eq!(bad_service.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&bad_service.stderr).contains("panicked"));
}

#[test]
fn a_file_larger_than_any_lambda_payload_is_refused_unread_with_exit_2() {
    let path = std::env::temp_dir().join(format!("sec2-huge-{}.json", std::process::id()));
    std::fs::write(&path, " ".repeat(7 * 1024 * 1024)).unwrap();
    let output = run(&with(RESOURCE, &[path.to_str().unwrap()]), "");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("is over 6291456 bytes, the largest Lambda payload"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_identity_policy_as_large_as_aws_managed_policies_is_read_and_a_resource_policy_is_not() {
    // About 150 KB of statements, as ReadOnlyAccess is, pretty-printed.
    let statement = r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::airline-bookings/key"}"#;
    let policy = format!(
        "{{\n  \"Statement\": [\n    {}\n  ]\n}}",
        vec![statement; 1_700].join(",\n    ")
    );
    assert!(policy.len() > 150_000);
    let identity = sec2(&["check-policy", "--kind", "identity", "-"], &policy);
    assert_eq!(
        identity.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&identity.stderr)
    );
    let resource = run(&with(RESOURCE, &["-"]), &policy);
    assert_eq!(resource.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&resource.stderr);
    assert!(
        stderr.contains("resource policy is") && stderr.contains("SNS topic policies at 30 KB"),
        "{stderr}"
    );
}

#[test]
fn an_ip_allow_list_inside_the_owners_ranges_is_not_public() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
    let unknown_ranges = run(&with(RESOURCE, &["-"]), policy);
    assert_eq!(unknown_ranges.status.code(), Some(1));
    assert_eq!(json(&unknown_ranges)["public"], true);
    let ours = run(
        &with(
            RESOURCE,
            &["--allowed-source-ips", "203.0.113.0/24,198.51.100.7", "-"],
        ),
        policy,
    );
    assert_eq!(
        ours.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ours.stdout)
    );
    let bad = run(
        &with(RESOURCE, &["--allowed-source-ips", "203.0.113.0/33", "-"]),
        policy,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert_contains(
        &String::from_utf8_lossy(&bad.stderr),
        "is not an IP address range",
    );
}
