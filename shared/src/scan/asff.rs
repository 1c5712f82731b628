//! `sec2 scan`'s findings in the AWS Security Finding Format (ASFF), as Security Hub imports them
//! (BatchImportFindings): one finding per failing (rule, resource), its id stable across scans so
//! a re-import updates it; an exempt one with its workflow SUPPRESSED and the reason in a note;
//! and, for what a later scan finds fixed, the same id ARCHIVED with compliance PASSED.

use serde::Serialize;

use super::Row;
use crate::config::Compliance;
use crate::registry::RuleId;

/// Every ASFF finding's id starts so: the scan finds its own findings again by it.
pub const ID_PREFIX: &str = "sec2-rules/";
const SCHEMA_VERSION: &str = "2018-10-08";
const FINDING_TYPE: &str = "Software and Configuration Checks/AWS Security Best Practices";

/// One ASFF finding (the fields Security Hub requires, and those a triager reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Finding {
    pub schema_version: String,
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub region: String,
    pub types: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub severity: Severity,
    pub title: String,
    pub description: String,
    pub remediation: Remediation,
    pub resources: Vec<Resource>,
    pub compliance: ComplianceStatus,
    pub workflow: Workflow,
    pub record_state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Note>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Severity {
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    pub recommendation: Recommendation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: String,
    pub id: String,
    pub partition: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComplianceStatus {
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Note {
    pub text: String,
    pub updated_by: String,
    pub updated_at: String,
}

/// The finding id of a (rule, resource) in an account and region: the same on every scan.
pub fn finding_id(row: &Row) -> String {
    format!(
        "{ID_PREFIX}{}/{}/{}/{}/{}",
        row.account, row.region, row.rule, row.resource_type, row.resource_id
    )
}

/// The account's default product (findings an account imports for itself).
pub fn product_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// The findings of `rows`: every failing one, and every exempt one (suppressed); `now` is
/// RFC 3339.
pub fn findings(rows: &[Row], now: &str) -> Vec<Finding> {
    rows.iter()
        .filter(|row| row.compliance == Compliance::NonCompliant || row.exemption.is_some())
        .map(|row| finding(row, now))
        .collect()
}

fn finding(row: &Row, now: &str) -> Finding {
    let spec = RuleId::from_name(&row.rule).map(RuleId::spec);
    let partition = partition_of(&row.region);
    let exempt = row.exemption.as_ref();
    Finding {
        schema_version: SCHEMA_VERSION.to_owned(),
        id: finding_id(row),
        product_arn: product_arn(partition, &row.region, &row.account),
        generator_id: format!("sec2-{}", row.rule),
        aws_account_id: row.account.clone(),
        region: row.region.clone(),
        types: vec![FINDING_TYPE.to_owned()],
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
        severity: Severity {
            label: row.severity.unwrap_or("MEDIUM").to_owned(),
        },
        title: truncate(
            &format!(
                "sec2-{}: {} {}",
                row.rule,
                short_type(&row.resource_type),
                row.resource_id
            ),
            256,
        ),
        description: truncate(&row.annotation, 1024),
        remediation: Remediation {
            recommendation: Recommendation {
                text: truncate(
                    &match row.fixes() {
                        fixes if !fixes.is_empty() => fixes.join(" "),
                        _ => spec
                            .map_or("Re-run the scan once the account can be read.", |spec| {
                                spec.remediation
                            })
                            .to_owned(),
                    },
                    512,
                ),
            },
        },
        resources: vec![Resource {
            kind: resource_type(&row.resource_type).to_owned(),
            id: row.resource_id.clone(),
            partition: partition.to_owned(),
            region: row.region.clone(),
        }],
        compliance: ComplianceStatus {
            status: "FAILED".to_owned(),
        },
        workflow: Workflow {
            status: if exempt.is_some() {
                "SUPPRESSED"
            } else {
                "NEW"
            }
            .to_owned(),
        },
        record_state: "ACTIVE".to_owned(),
        note: exempt.map(|reason| Note {
            text: truncate(&format!("exempt: {reason}"), 512),
            updated_by: "sec2-rules".to_owned(),
            updated_at: now.to_owned(),
        }),
    }
}

/// A finding imported earlier that this scan no longer reports, within what it scanned:
/// archived, its compliance PASSED, so Security Hub shows it fixed.
pub fn archived(mut earlier: Finding, now: &str) -> Finding {
    earlier.updated_at = now.to_owned();
    earlier.record_state = "ARCHIVED".to_owned();
    earlier.compliance.status = "PASSED".to_owned();
    earlier.workflow.status = "RESOLVED".to_owned();
    earlier
}

/// Whether an earlier finding's id falls within a scan of these accounts, regions and rules.
pub fn within(id: &str, accounts: &[&str], regions: &[&str], rules: &[&str]) -> bool {
    let Some(rest) = id.strip_prefix(ID_PREFIX) else {
        return false;
    };
    let mut parts = rest.splitn(4, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(account), Some(region), Some(rule)) => {
            accounts.contains(&account) && regions.contains(&region) && rules.contains(&rule)
        }
        _ => false,
    }
}

/// Security Hub's resource type for a CloudFormation one; `Other` where it has none.
fn resource_type(cloudformation: &str) -> &'static str {
    match cloudformation {
        "AWS::Lambda::Function" => "AwsLambdaFunction",
        "AWS::Lambda::LayerVersion" => "AwsLambdaLayerVersion",
        "AWS::SQS::Queue" => "AwsSqsQueue",
        "AWS::SNS::Topic" => "AwsSnsTopic",
        "AWS::S3::Bucket" => "AwsS3Bucket",
        "AWS::ApiGateway::RestApi" => "AwsApiGatewayRestApi",
        "AWS::ApiGateway::Stage" => "AwsApiGatewayStage",
        "AWS::ApiGatewayV2::Api" => "AwsApiGatewayV2Api",
        "AWS::AppSync::GraphQLApi" => "AwsAppSyncGraphQlApi",
        "AWS::Events::EventBus" => "AwsEventsEventbus",
        "AWS::DynamoDB::Table" => "AwsDynamoDbTable",
        "AWS::::Account" => "AwsAccount",
        _ => "Other",
    }
}

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn short_type(resource_type: &str) -> &str {
    resource_type.strip_prefix("AWS::").unwrap_or(resource_type)
}

/// At most `limit` characters (ASFF's field limits), cut with an ellipsis.
fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(compliance: Compliance, exemption: Option<&str>) -> Row {
        let finding = crate::config::Finding::note("Statement[0] allows everyone");
        Row {
            exemption: exemption.map(str::to_owned),
            ..crate::scan::sample_row(
                "resource-policies",
                "https://sqs.eu-west-1.amazonaws.com/111122223333/orders",
                compliance,
                finding,
            )
        }
    }

    /// The fields BatchImportFindings requires of every finding.
    const REQUIRED: [&str; 13] = [
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "Types",
        "CreatedAt",
        "UpdatedAt",
        "Severity",
        "Title",
        "Description",
        "Resources",
        "Region",
    ];

    #[test]
    fn every_finding_carries_the_required_fields_and_a_stable_id() {
        let rows = [
            row(Compliance::NonCompliant, None),
            row(Compliance::NotApplicable, Some("partner queue, RISK-4")),
            row(Compliance::Compliant, None),
        ];
        let found = findings(&rows, "2026-12-05T12:00:00Z");
        assert_eq!(found.len(), 2);
        for finding in &found {
            let json = serde_json::to_value(finding).unwrap();
            for field in REQUIRED {
                assert!(
                    json.get(field).is_some_and(|v| !v.is_null()),
                    "{field} missing"
                );
            }
            assert_eq!(json["Resources"][0]["Type"], "AwsSqsQueue");
            assert_eq!(
                json["ProductArn"],
                "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"
            );
        }
        assert_eq!(found[0].id, finding_id(&rows[0]));
        assert_eq!(findings(&rows, "2026-12-06T12:00:00Z")[0].id, found[0].id);
        assert_eq!(found[1].workflow.status, "SUPPRESSED");
        assert_eq!(
            found[1].note.as_ref().unwrap().text,
            "exempt: partner queue, RISK-4"
        );
        let fixed = archived(found[0].clone(), "2026-12-06T12:00:00Z");
        assert_eq!(
            (
                fixed.record_state.as_str(),
                fixed.compliance.status.as_str()
            ),
            ("ARCHIVED", "PASSED")
        );
    }

    #[test]
    fn only_findings_within_what_was_scanned_are_archived() {
        let id = finding_id(&row(Compliance::NonCompliant, None));
        assert!(within(
            &id,
            &["111122223333"],
            &["eu-west-1"],
            &["resource-policies"]
        ));
        assert!(!within(
            &id,
            &["111122223333"],
            &["us-east-1"],
            &["resource-policies"]
        ));
        assert!(!within(
            &id,
            &["111122223333"],
            &["eu-west-1"],
            &["least-privilege"]
        ));
        assert!(!within(
            "someone-else/1",
            &["111122223333"],
            &["eu-west-1"],
            &["resource-policies"]
        ));
    }
}
