//! SARIF 2.1.0 for GitHub code scanning: one result per template finding at the template's line.

use serde_json::{json, Value};

use super::Report;
use crate::sarif::{log, rule_index};

/// The template's findings as a SARIF log; `uri` is the template's path as the repository
/// knows it.
pub fn sarif(uri: &str, report: &Report) -> Value {
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let rule_index = rule_index(finding.rule);            let mut physical = json!({"artifactLocation": {"uri": uri}});
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
    log(results)
}
