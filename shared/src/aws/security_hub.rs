//! `sec2 scan --security-hub`: the scan's ASFF findings imported into the account's own product
//! (securityhub:BatchImportFindings, 100 a call), and the findings it imported before that are
//! still active (securityhub:GetFindings), so that a fixed resource's finding is archived.

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingFilters, Compliance, ComplianceStatus, Note, Partition,
    Recommendation, RecordState, Remediation, Resource, Severity, SeverityLabel, StringFilter,
    StringFilterComparison, Workflow, WorkflowStatus,
};

use super::AwsClients;
use crate::config::ReadError;
use crate::scan::asff::{self, Finding, ID_PREFIX};

/// BatchImportFindings takes at most this many findings a call.
const BATCH: usize = 100;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub imported: usize,
    /// Findings Security Hub refused: the id and why.
    pub refused: Vec<(String, String)>,
}

/// Imports `findings`, 100 a call.
pub async fn import(clients: &AwsClients, findings: &[Finding]) -> Result<Imported, ReadError> {
    const ACTION: &str = "securityhub:BatchImportFindings";
    let mut outcome = Imported::default();
    for batch in findings.chunks(BATCH) {
        let typed: Vec<AwsSecurityFinding> = batch.iter().map(typed).collect();
        let answer = call!(
            clients
                .security_hub()
                .batch_import_findings()
                .set_findings(Some(typed)),
            ACTION
        )?;
        outcome.imported +=
            usize::try_from(answer.success_count().unwrap_or_default()).unwrap_or(0);
        outcome
            .refused
            .extend(answer.failed_findings().iter().map(|failed| {
                (
                    failed.id().unwrap_or_default().to_owned(),
                    failed.error_message().unwrap_or_default().to_owned(),
                )
            }));
    }
    Ok(outcome)
}

/// The sec2 findings Security Hub holds as ACTIVE, every page.
pub async fn active_findings(clients: &AwsClients) -> Result<Vec<Finding>, ReadError> {
    const ACTION: &str = "securityhub:GetFindings";
    let filter = |value: &str, comparison: StringFilterComparison| {
        StringFilter::builder()
            .value(value)
            .comparison(comparison)
            .build()
    };
    let filters = AwsSecurityFindingFilters::builder()
        .id(filter(ID_PREFIX, StringFilterComparison::Prefix))
        .record_state(filter("ACTIVE", StringFilterComparison::Equals))
        .build();
    let mut found = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let answer = call!(
            clients
                .security_hub()
                .get_findings()
                .filters(filters.clone())
                .max_results(100)
                .set_next_token(next.take()),
            ACTION
        )?;
        // Filtered again here: an emulator may not apply the filters.
        found.extend(
            answer
                .findings()
                .iter()
                .filter(|finding| finding.id().is_some_and(|id| id.starts_with(ID_PREFIX)))
                .filter(|finding| finding.record_state() != Some(&RecordState::Archived))
                .map(ours),
        );
        match answer.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_owned()),
            _ => break,
        }
    }
    Ok(found)
}

fn typed(finding: &Finding) -> AwsSecurityFinding {
    let resources = finding
        .resources
        .iter()
        .map(|resource| {
            Resource::builder()
                .r#type(&resource.kind)
                .id(&resource.id)
                .partition(Partition::from(resource.partition.as_str()))
                .region(&resource.region)
                .build()
        })
        .collect();
    let note = finding.note.as_ref().map(|note| {
        Note::builder()
            .text(&note.text)
            .updated_by(&note.updated_by)
            .updated_at(&note.updated_at)
            .build()
    });
    AwsSecurityFinding::builder()
        .schema_version(&finding.schema_version)
        .id(&finding.id)
        .product_arn(&finding.product_arn)
        .generator_id(&finding.generator_id)
        .aws_account_id(&finding.aws_account_id)
        .region(&finding.region)
        .set_types(Some(finding.types.clone()))
        .created_at(&finding.created_at)
        .updated_at(&finding.updated_at)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(finding.severity.label.as_str()))
                .build(),
        )
        .title(&finding.title)
        .description(&finding.description)
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text(&finding.remediation.recommendation.text)
                        .build(),
                )
                .build(),
        )
        .set_resources(Some(resources))
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(finding.compliance.status.as_str()))
                .build(),
        )
        .workflow(
            Workflow::builder()
                .status(WorkflowStatus::from(finding.workflow.status.as_str()))
                .build(),
        )
        .record_state(RecordState::from(finding.record_state.as_str()))
        .set_note(note)
        .build()
}

/// A finding as Security Hub returned it, in our shape (what an archive needs of it).
fn ours(finding: &AwsSecurityFinding) -> Finding {
    let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
    Finding {
        schema_version: text(finding.schema_version()),
        id: text(finding.id()),
        product_arn: text(finding.product_arn()),
        generator_id: text(finding.generator_id()),
        aws_account_id: text(finding.aws_account_id()),
        region: text(finding.region()),
        types: finding.types().to_vec(),
        created_at: text(finding.created_at()),
        updated_at: text(finding.updated_at()),
        severity: asff::Severity {
            label: finding
                .severity()
                .and_then(|s| s.label())
                .map_or("MEDIUM", |label| label.as_str())
                .to_owned(),
        },
        title: text(finding.title()),
        description: text(finding.description()),
        remediation: asff::Remediation {
            recommendation: asff::Recommendation {
                text: text(
                    finding
                        .remediation()
                        .and_then(|r| r.recommendation())
                        .and_then(|r| r.text()),
                ),
            },
        },
        resources: finding
            .resources()
            .iter()
            .map(|resource| asff::Resource {
                kind: text(resource.r#type()),
                id: text(resource.id()),
                partition: resource
                    .partition()
                    .map_or("aws", |p| p.as_str())
                    .to_owned(),
                region: text(resource.region()),
            })
            .collect(),
        compliance: asff::ComplianceStatus {
            status: finding
                .compliance()
                .and_then(|c| c.status())
                .map_or("FAILED", |s| s.as_str())
                .to_owned(),
        },
        workflow: asff::Workflow {
            status: finding
                .workflow()
                .and_then(|w| w.status())
                .map_or("NEW", |s| s.as_str())
                .to_owned(),
        },
        record_state: finding
            .record_state()
            .map_or("ACTIVE", |s| s.as_str())
            .to_owned(),
        note: None,
    }
}
