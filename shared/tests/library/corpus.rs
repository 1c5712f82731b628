//! The analyzer against the reviewed corpus in `tests/corpus/`: each case holds a policy, the
//! verdict it must get, and the reason, citing `docs/policy-semantics.md`.

use std::collections::{BTreeMap, HashSet};

use sec2_shared::policy::{
    analyze_identity_policy, analyze_resource_policy, Catalog, Finding, Policy, ResourceContext,
    ResourceService,
};
use serde::Deserialize;
use serde_json::Value;

const OWNER: &str = "111122223333";

#[derive(Deserialize)]
struct Case {
    name: String,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    policy: Option<Value>,
    #[serde(default)]
    policy_text: Option<String>,
    #[serde(default)]
    allowed_accounts: Vec<String>,
    #[serde(default)]
    allowed_organizations: Vec<String>,
    /// Finding kinds that must be among the findings, beyond those the flags imply.
    #[serde(default)]
    findings: Vec<String>,
    expect: BTreeMap<String, bool>,
    reason: String,
}

impl Case {
    fn policy(&self) -> Policy {
        let parsed = match (&self.policy, &self.policy_text) {
            (Some(value), None) => Policy::from_json_value(value),
            (None, Some(text)) => Policy::parse(text),
            _ => panic!("{}: give exactly one of policy and policy_text", self.name),
        };
        parsed.unwrap_or_else(|err| panic!("{}: {err}", self.name))
    }
}

/// The cases in `file`, which must hold at least `at_least` of them, each named once and reasoned.
fn load(file: &str, at_least: usize) -> Vec<Case> {
    let path = format!("{}/../tests/corpus/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let cases: Vec<Case> =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path}: {err}"));
    assert!(
        cases.len() >= at_least,
        "{file} must hold at least {at_least} cases"
    );
    let mut names = HashSet::new();
    for case in &cases {
        assert!(
            names.insert(case.name.clone()),
            "case name `{}` is used twice",
            case.name
        );
        assert!(
            !case.reason.trim().is_empty(),
            "{} gives no reason",
            case.name
        );
    }
    cases
}

/// Compares one verdict with its expectation and returns what differs, if anything.
fn mismatch(case: &Case, actual: &Value, findings: &[Finding]) -> Option<String> {
    let mut problems = Vec::new();
    for (flag, expected) in &case.expect {
        if actual[flag.as_str()] != Value::Bool(*expected) {
            problems.push(format!("{flag} should be {expected}"));
        }
    }
    let kinds: HashSet<String> = findings
        .iter()
        .map(|f| {
            serde_json::to_value(f.kind)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for (flag, expected) in &case.expect {
        // Every raised flag is explained by a finding of its kind (or a cannot-decide one).
        if *expected
            && !kinds.contains(flag)
            && !kinds.contains("cannot_decide")
            && flag != "cross_account"
        {
            problems.push(format!("no `{flag}` finding explains the flag"));
        }
    }
    for kind in &case.findings {
        if !kinds.contains(kind) {
            problems.push(format!("expected a `{kind}` finding"));
        }
    }
    let nothing_expected = case.expect.values().all(|v| !v) && case.findings.is_empty();
    if nothing_expected && !findings.is_empty() {
        problems.push(format!(
            "expected no findings, got {:?}",
            findings.iter().map(|f| &f.message).collect::<Vec<_>>()
        ));
    }
    for finding in findings {
        if finding.statement.is_some() && !finding.message.starts_with("Statement[") {
            problems.push(format!(
                "finding does not name its statement: {}",
                finding.message
            ));
        }
    }
    (!problems.is_empty()).then(|| {
        format!(
            "{}: {} (reason: {})",
            case.name,
            problems.join("; "),
            case.reason
        )
    })
}

/// Analyzes every case and fails with each one whose verdict differs from its expectation.
fn check(cases: &[Case], analyze: impl Fn(&Case) -> (Value, Vec<Finding>)) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let (flags, findings) = analyze(case);
            mismatch(case, &flags, &findings)
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn resource_policy_corpus_verdicts_match() {
    let cases = load("resource-policies.json", 60);
    let covered: HashSet<&str> = cases.iter().filter_map(|c| c.service.as_deref()).collect();
    for service in ResourceService::ALL {
        assert!(
            covered.contains(service.name()),
            "no corpus case for {service}"
        );
    }
    check(&cases, |case| {
        let service: ResourceService = case.service.as_deref().expect("service").parse().unwrap();
        let context = ResourceContext::new(service, OWNER)
            .trusting(&case.allowed_accounts, &case.allowed_organizations);
        let analysis = analyze_resource_policy(&case.policy(), &context);
        (serde_json::to_value(&analysis).unwrap(), analysis.findings)
    });
}

#[test]
fn identity_policy_corpus_verdicts_match() {
    let cases = load("identity-policies.json", 30);
    let catalog = Catalog::embedded();
    check(&cases, |case| {
        let analysis = analyze_identity_policy(&case.policy(), catalog);
        (serde_json::to_value(&analysis).unwrap(), analysis.findings)
    });
}
