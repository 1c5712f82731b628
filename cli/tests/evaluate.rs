//! `sec2 evaluate --dry-run` runs the rule function's code on a sample event and prints the
//! evaluations PutEvaluations would get; with AWS out of reach, what needs a read is never passed.
#![allow(clippy::unwrap_used, reason = "test code")]

use std::process::Command;

use sec2_testkit::{assert_contains, assert_starts_with};

fn evaluate(event: &str) -> std::process::Output {
    evaluate_rule("resource-policies", event)
}

/// The evaluations `sec2 evaluate --dry-run` prints for `events/RULE/EVENT`; it must exit 0.
fn evaluations(rule: &str, event: &str) -> serde_json::Value {
    sec2_testkit::json_printed(&evaluate_rule(rule, event))
}

/// Runs `sec2 evaluate --dry-run` on `events/RULE/EVENT`, with AWS out of reach.
fn evaluate_rule(rule: &str, event: &str) -> std::process::Output {
    let path = format!("{}/../events/{rule}/{event}", env!("CARGO_MANIFEST_DIR"));
    Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args(["evaluate", "--rule", rule, "--event", &path, "--dry-run"])
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap()
}

#[test]
fn a_public_function_url_event_prints_one_non_compliant_evaluation() {
    let evaluations = evaluations("resource-policies", "lambda-public-function-url.json");
    let only = &evaluations.as_array().unwrap()[..];
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["ComplianceResourceType"], "AWS::Lambda::Function");
    assert_eq!(only[0]["ComplianceResourceId"], "airline-booking");
    assert_eq!(only[0]["ComplianceType"], "NON_COMPLIANT");
    assert_eq!(only[0]["OrderingTimestamp"], "2026-11-20T10:00:00.000Z");
    assert_contains(only[0]["Annotation"].as_str().unwrap(), "through its URL");
}

#[test]
fn a_deleted_resource_is_not_applicable() {
    let output = evaluate("lambda-deleted.json");
    let evaluations: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(evaluations[0]["ComplianceType"], "NOT_APPLICABLE");
}

#[test]
fn a_malformed_event_exits_2_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("sec2-evaluate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.json");
    std::fs::write(&file, r#"{"eventLeftScope": false, "invokingEvent": "{\"messageType\": \"Nope\"}", "resultToken": "t"}"#).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args([
            "evaluate",
            "--rule",
            "resource-policies",
            "--dry-run",
            "--event",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown messageType `Nope`"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_temporary_credentials_rule_runs_from_the_command_line_too() {
    let evaluations = evaluations("temporary-credentials", "function-deleted.json");
    assert_eq!(evaluations[0]["ComplianceResourceId"], "airline-booking");
    assert_eq!(evaluations[0]["ComplianceType"], "NOT_APPLICABLE");
}

#[test]
fn the_least_privilege_rule_runs_from_the_command_line_too() {
    let evaluations = evaluations("least-privilege", "function-deleted.json");
    assert_eq!(evaluations[0]["ComplianceType"], "NOT_APPLICABLE");
}

#[test]
fn the_network_controls_rule_runs_from_the_command_line_too() {
    let evaluations = evaluations("network-controls", "function-deleted.json");
    assert_eq!(
        evaluations[0]["ComplianceResourceType"],
        "AWS::Lambda::Function"
    );
    assert_eq!(evaluations[0]["ComplianceType"], "NOT_APPLICABLE");
}

#[test]
fn network_controls_never_passes_a_function_whose_network_it_cannot_read() {
    // AWS is out of reach: every read fails, and the verdict says so instead of passing.
    let evaluations = evaluations("network-controls", "booking-function-in-vpc.json");
    assert_eq!(evaluations[0]["ComplianceResourceId"], "airline-booking");
    assert_eq!(evaluations[0]["ComplianceType"], "NON_COMPLIANT");
    let annotation = evaluations[0]["Annotation"].as_str().unwrap();
    assert_starts_with(annotation, "could not read");
}

#[test]
fn the_rules_are_listed_from_the_registry_for_scripts() {
    let output = Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let rules: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "resource-policies",
            "temporary-credentials",
            "least-privilege",
            "network-controls",
            "guardrails"
        ]
    );
    for rule in rules.as_array().unwrap() {
        let function = rule["function"].as_str().unwrap();
        let crate_dir = format!("{}/../functions/{function}", env!("CARGO_MANIFEST_DIR"));
        assert!(
            std::path::Path::new(&crate_dir).join("Cargo.toml").exists(),
            "{function} has its crate under functions/"
        );
        assert!(rule["practice"]["number"].as_u64().unwrap() >= 1);
        // Every rule judges something: on a change, or on its periodic run (guardrails' accounts).
        let judged = |key: &serde_json::Value| !key.as_array().unwrap().is_empty();
        assert!(judged(&rule["resource_types"]) || judged(&rule["triggers"]["periodic"]));
    }
}

/// `sec2 evaluate --dry-run` on `events/RULE/EVENT` with the `Exemptions` rule parameter set,
/// AWS out of reach: the evaluations it prints.
fn evaluations_exempting(rule: &str, event: &str, exemptions: &str) -> Vec<serde_json::Value> {
    let path = format!("{}/../events/{rule}/{event}", env!("CARGO_MANIFEST_DIR"));
    let mut payload: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    payload.as_object_mut().unwrap().insert(
        "ruleParameters".to_owned(),
        serde_json::json!({"Exemptions": exemptions})
            .to_string()
            .into(),
    );
    let file = std::env::temp_dir().join(format!("sec2-exempt-{rule}-{}.json", std::process::id()));
    std::fs::write(&file, payload.to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args(["evaluate", "--rule", rule, "--event"])
        .arg(&file)
        .arg("--dry-run")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice::<Vec<serde_json::Value>>(&output.stdout).unwrap()
}

/// Every change-triggered rule reads exemptions the same way: an exempt resource is
/// NOT_APPLICABLE with the reason (and nothing is read for it), an expired exemption no longer
/// holds and says so. (guardrails, whose resources are accounts, is tested in its moto test.)
#[test]
fn each_rule_honours_a_listed_exemption_until_it_expires() {
    for (rule, event, resource) in [
        (
            "resource-policies",
            "lambda-public-policy.json",
            "airline-booking",
        ),
        (
            "temporary-credentials",
            "payment-function-changed.json",
            "airline-payment",
        ),
        (
            "least-privilege",
            "payment-function-changed.json",
            "airline-payment",
        ),
        (
            "network-controls",
            "loyalty-function-outside-vpc.json",
            "airline-loyalty-ingest",
        ),
    ] {
        let judged = evaluations_exempting(rule, event, "");
        assert_eq!(judged.len(), 1, "{rule}: {judged:?}");
        assert_eq!(judged[0]["ComplianceResourceId"], resource, "{rule}");
        assert_eq!(
            judged[0]["ComplianceType"], "NON_COMPLIANT",
            "{rule}: {judged:?}"
        );

        let exempt = evaluations_exempting(
            rule,
            event,
            &format!("{resource}|{rule}|accepted by the CISO, RISK-7|2999-12-31"),
        );
        assert_eq!(exempt[0]["ComplianceType"], "NOT_APPLICABLE", "{rule}");
        assert_eq!(
            exempt[0]["Annotation"], "exempt: accepted by the CISO, RISK-7 (until 2999-12-31)",
            "{rule}"
        );

        let expired = evaluations_exempting(
            rule,
            event,
            &format!("{resource}|all|accepted by the CISO, RISK-7|2020-01-31"),
        );
        assert_eq!(expired[0]["ComplianceType"], "NON_COMPLIANT", "{rule}");
        assert_starts_with(
            expired[0]["Annotation"].as_str().unwrap(),
            "exemption expired 2020-01-31 (accepted by the CISO, RISK-7)",
        );

        // Another rule's exemption does not apply.
        let elsewhere = evaluations_exempting(rule, event, &format!("{resource}|guardrails|other"));
        assert_eq!(elsewhere[0]["ComplianceType"], "NON_COMPLIANT", "{rule}");
    }
}
