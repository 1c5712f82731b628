//! `sec2 scan`'s rows as the tools people triage in read them: CSV for spreadsheets (a header
//! row, one line per rule and resource) and SARIF 2.1.0 for GitHub code scanning (a result per
//! failing resource; an exempt one as a suppressed result with its reason).

use serde_json::{json, Value};

use super::Row;
use crate::config::Compliance;
use crate::registry::RuleId;
use crate::sarif::{log, rule_index};

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 12] = [
    "account",
    "region",
    "rule",
    "practice",
    "resource_type",
    "resource_id",
    "compliance",
    "severity",
    "annotation",
    "elements",
    "fix",
    "exemption",
];

/// The rows as CSV, with a header row.
pub fn csv(rows: &[Row]) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(CSV_HEADER)
        .map_err(|err| err.to_string())?;
    for row in rows {
        let practice = RuleId::from_name(&row.rule)
            .map(|id| id.spec().practice.number.to_string())
            .unwrap_or_default();
        writer
            .write_record([
                row.account.as_str(),
                row.region.as_str(),
                &row.rule,
                &practice,
                &row.resource_type,
                &row.resource_id,
                row.compliance.as_str(),
                row.severity.unwrap_or_default(),
                &row.annotation,
                &row.elements().join("; "),
                &row.fixes().join(" "),
                row.exemption.as_deref().unwrap_or_default(),
            ])
            .map_err(|err| err.to_string())?;
    }
    let bytes = writer.into_inner().map_err(|err| err.to_string())?;
    String::from_utf8(bytes).map_err(|err| err.to_string())
}

/// The rows as a SARIF log: each NON_COMPLIANT row a result, each exempt row a result with an
/// external suppression giving its reason; passing and not applicable rows are not findings.
/// A resource is no file: its location is a URI naming it (`aws:ACCOUNT:REGION:TYPE/ID`), and
/// the resource as a logical location.
pub fn sarif(rows: &[Row]) -> Value {
    let results = rows
        .iter()
        .filter(|row| row.compliance == Compliance::NonCompliant || row.exemption.is_some())
        .map(|row| {
            let name = format!(
                "aws:{}:{}:{}/{}",
                row.account,
                row.region,
                row.resource_type.replace("::", "-"),
                row.resource_id
            );
            let mut result = json!({
                "ruleId": row.rule,
                "ruleIndex": rule_index(&row.rule),
                "level": level(row.severity),
                "message": {"text": format!("{} {}: {}", row.resource_type, row.resource_id, row.annotation)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": uri_safe(&name)}},
                    "logicalLocations": [{
                        "name": row.resource_id,
                        "fullyQualifiedName": name,
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": {"sec2/v1": format!("{}/{}", row.rule, name)},
                "properties": {"severity": row.severity, "findings": row.findings},
            });
            if let (Some(reason), Some(fields)) = (&row.exemption, result.as_object_mut()) {
                fields.insert(
                    "suppressions".to_owned(),
                    json!([{"kind": "external", "status": "accepted", "justification": reason}]),
                );
            }
            result
        })
        .collect();
    log(results)
}

/// SARIF's level for an ASFF severity label: what must be fixed is an error, the rest less.
fn level(severity: Option<&str>) -> &'static str {
    match severity.unwrap_or_default() {
        "CRITICAL" | "HIGH" => "error",
        "MEDIUM" => "warning",
        _ => "note",
    }
}

/// `text` with what a URI reference may not hold percent-encoded (spaces, `%`, quotes, ...).
fn uri_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=".contains(c) {
                c.to_string()
            } else {
                let mut buffer = [0_u8; 4];
                c.encode_utf8(&mut buffer)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Finding;
    use crate::scan::sample_row;

    fn row(id: &str, compliance: Compliance, annotation: &str, exemption: Option<&str>) -> Row {
        let finding = Finding::note(annotation).at("Statement[0]");
        Row {
            exemption: exemption.map(str::to_owned),
            ..sample_row("resource-policies", id, compliance, finding)
        }
    }

    #[test]
    fn csv_has_a_header_and_quotes_what_needs_it() {
        let rows = [row(
            "https://sqs.eu-west-1.amazonaws.com/111122223333/orders",
            Compliance::NonCompliant,
            "Statement[0] allows \"*\", everyone;\nsee the policy",
            None,
        )];
        let text = csv(&rows).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            CSV_HEADER
        );
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 1);
        assert_eq!(&records[0][3], "1");
        assert_eq!(&records[0][6], "NON_COMPLIANT");
        assert_eq!(&records[0][7], "HIGH");
        assert_eq!(
            &records[0][8],
            "Statement[0] allows \"*\", everyone;\nsee the policy"
        );
        assert_eq!(&records[0][9], "Statement[0]");
        assert!(
            records[0][10].contains("Block Public Access"),
            "{records:?}"
        );
    }

    #[test]
    fn sarif_reports_failures_and_exemptions_as_suppressed_results() {
        let rows = [
            row("orders", Compliance::NonCompliant, "public", None),
            row(
                "audit",
                Compliance::NotApplicable,
                "exempt: RISK-9",
                Some("RISK-9"),
            ),
            row("fine", Compliance::Compliant, "", None),
        ];
        let log = sarif(&rows);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["ruleId"], "resource-policies");
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "aws:111122223333:eu-west-1:AWS-SQS-Queue/orders"
        );
        assert!(results[0].get("suppressions").is_none());
        assert_eq!(results[1]["suppressions"][0]["justification"], "RISK-9");
        assert_eq!(uri_safe("a b%"), "a%20b%25");
    }
}
