//! Every AWS managed policy the emulator package ships (moto keeps them with their documents,
//! `SEC2_AWS_MANAGED_POLICIES` names its file; `./scripts/test` sets it): a corpus no one here
//! wrote. None is refused, none makes the analyzer panic, and `full_admin` is set exactly for
//! the policies that allow every action on every resource.

use std::collections::BTreeMap;

use sec2_shared::policy::{analyze_identity_policy, Catalog, Policy};
use serde_json::Value;

/// The managed policies by name, with their default version's document.
fn managed_policies() -> BTreeMap<String, Value> {
    let path = std::env::var("SEC2_AWS_MANAGED_POLICIES").unwrap_or_else(|_| {
        panic!("SEC2_AWS_MANAGED_POLICIES is not set: run the tests with ./scripts/test, which points it at moto's aws_managed_policies.py")
    });
    let module = std::fs::read_to_string(&path).unwrap();
    // The module holds one JSON object in a triple-quoted string.
    let start = module.find("\"\"\"").unwrap() + 3;
    let end = module.rfind("\"\"\"").unwrap();
    let all: BTreeMap<String, Value> = serde_json::from_str(&module[start..end]).unwrap();
    all.into_iter()
        .map(|(name, policy)| (name, policy["Document"].clone()))
        .collect()
}

fn as_list(value: &Value) -> Vec<&str> {
    match value {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether some Allow names `*` among its actions and its resources, and nothing denies
/// anything: AdministratorAccess in substance. A condition does not make it less (a condition
/// on an identity grant limits how it is used, not what it reaches; see docs/policy-semantics.md,
/// section 9).
fn allows_everything(document: &Value) -> bool {
    let statements = match &document["Statement"] {
        Value::Array(many) => many.iter().collect(),
        one => vec![one],
    };
    let any_deny = statements.iter().any(|s| s["Effect"] == "Deny");
    !any_deny
        && statements.iter().any(|s| {
            s["Effect"] == "Allow"
                && as_list(&s["Action"]).contains(&"*")
                && as_list(&s["Resource"]).contains(&"*")
        })
}

#[test]
fn every_aws_managed_policy_is_read_and_judged_and_full_admin_is_exactly_star_on_star() {
    let policies = managed_policies();
    assert!(
        policies.len() > 1_000,
        "moto ships the managed policies: {}",
        policies.len()
    );
    let catalog = Catalog::embedded();
    let mut refused = Vec::new();
    let mut wrong_admin = Vec::new();
    for (name, document) in &policies {
        let policy = match Policy::parse_identity(&document.to_string()) {
            Ok(policy) => policy,
            Err(error) => {
                refused.push(format!("{name}: {error}"));
                continue;
            }
        };
        let analysis = analyze_identity_policy(&policy, catalog);
        if analysis.full_admin != allows_everything(document) {
            wrong_admin.push(format!("{name}: full_admin {}", analysis.full_admin));
        }
    }
    assert!(refused.is_empty(), "refused: {refused:#?}");
    assert!(wrong_admin.is_empty(), "full_admin wrong: {wrong_admin:#?}");
    assert!(allows_everything(&policies["AdministratorAccess"]));
    // `*` on `*`, but only through AWS MCP servers: still every action on every resource.
    assert!(allows_everything(
        &policies["AWSMcpServiceActionsFullAccess"]
    ));
}

#[test]
fn the_largest_managed_policies_are_read_whole() {
    let policies = managed_policies();
    for name in [
        "ReadOnlyAccess",
        "AWS_ConfigRole",
        "AWSSupportServiceRolePolicy",
    ] {
        let document = policies[name].to_string();
        let policy = Policy::parse_identity(&document).unwrap();
        assert!(!policy.statements.is_empty(), "{name}");
    }
}

/// Managed policies whose verdict was wrong once, with the flags they must get: (name,
/// full_admin, privilege_escalation).
const REGRESSIONS: &[(&str, bool, bool)] = &[
    // `*` on `*` through AWS MCP servers only: still every action.
    ("AWSMcpServiceActionsFullAccess", true, true),
    // PassRole to EC2 with ec2:RunInstances.
    ("AWSEC2SpotServiceRolePolicy", false, true),
    // PassRole only to DAX and Application Auto Scaling, which run no caller code.
    ("AmazonDynamoDBFullAccess", false, false),
    // sagemaker:* and PassRole on arn:aws:iam::*:role/* to SageMaker.
    ("AmazonSageMakerFullAccess", false, true),
    // Change sets on stacks with existing service roles.
    ("AWSCloudFormationFullAccess", false, true),
    ("AmazonEC2FullAccess", false, true),
    ("EC2InstanceConnect", false, true),
    ("SecretsManagerReadWrite", false, true),
    ("ReadOnlyAccess", false, false),
];

#[test]
fn managed_policies_judged_wrongly_once_get_their_flags() {
    let policies = managed_policies();
    let catalog = Catalog::embedded();
    for (name, full_admin, escalation) in REGRESSIONS {
        let policy = Policy::parse_identity(&policies[*name].to_string()).unwrap();
        let analysis = analyze_identity_policy(&policy, catalog);
        assert_eq!(analysis.full_admin, *full_admin, "{name}: full_admin");
        assert_eq!(
            analysis.privilege_escalation, *escalation,
            "{name}: privilege_escalation: {:#?}",
            analysis.findings
        );
    }
}
