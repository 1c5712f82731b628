//! SARIF 2.1.0 logs for GitHub code scanning, the one shape `check-template` and `scan` share:
//! one reporting rule per sec2 rule (from the registry, with the SEC2 practice and help text),
//! and the results each command finds.

use serde_json::{json, Value};

use crate::registry::RULES;

/// The index of `rule` among the log's reporting rules.
pub fn rule_index(rule: &str) -> Option<usize> {
    RULES.iter().position(|spec| spec.name == rule)
}

/// A SARIF log of `results`, with every sec2 rule as a reporting rule.
pub fn log(results: Vec<Value>) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|spec| {
            json!({
                "id": spec.name,
                "name": camel(spec.name),
                "shortDescription": {"text": spec.practice.title},
                "fullDescription": {"text": spec.summary},
                "help": {
                    "text": format!(
                        "SEC2 practice {}: {}. sec2-{} checks that {}. To fix: {}",
                        spec.practice.number, spec.practice.title, spec.name, spec.summary, spec.remediation
                    )
                },
                "defaultConfiguration": {"level": "error"},
                "properties": {
                    "tags": ["security", "serverless", "SEC2"],
                    "precision": "high",
                    "security-severity": "7.5",
                    "practice": spec.practice.number,
                }
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sec2-rules",
                "informationUri": "https://github.com/sec2-rules/sec2-rules",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// `resource-policies` as `ResourcePolicies`.
fn camel(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
