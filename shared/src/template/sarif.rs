//! SARIF 2.1.0 for GitHub code scanning: one reporting rule per sec2 rule (from the registry),
//! one result per finding at the template's line.

use serde_json::{json, Value};

use super::Report;
use crate::registry::RULES;

/// The template's findings as a SARIF log; `uri` is the template's path as the repository
/// knows it.
pub fn sarif(uri: &str, report: &Report) -> Value {
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
                        "SEC2 practice {}: {}. sec2-{} checks that {}.",
                        spec.practice.number, spec.practice.title, spec.name, spec.summary
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
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let rule_index = RULES.iter().position(|spec| spec.name == finding.rule);
            let mut physical = json!({"artifactLocation": {"uri": uri}});
            // A template read without positions has none to give.
            if let (true, Some(physical)) = (finding.line > 0, physical.as_object_mut()) {
                physical.insert(
                    "region".to_owned(),
                    json!({"startLine": finding.line, "startColumn": finding.column.max(1)}),
                );
            }
            let location = json!({
                "physicalLocation": physical,
                "logicalLocations": [{
                    "name": finding.logical_id,
                    "fullyQualifiedName": format!("Resources.{}.{}", finding.logical_id, finding.path),
                    "kind": "resource",
                }],
            });
            json!({
                "ruleId": finding.rule,
                "ruleIndex": rule_index,
                "level": "error",
                "message": {"text": format!("{} ({}): {}", finding.logical_id, finding.resource_type, finding.message)},
                "locations": [location],
                "partialFingerprints": {
                    "sec2/v1": format!("{}/{}/{}", finding.rule, finding.logical_id, finding.path),
                },
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
