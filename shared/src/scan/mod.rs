//! `sec2 scan`: every selected rule's logic over an account's resources, read from the service
//! APIs instead of AWS Config, with the same rule code the Lambda functions run.

use futures_util::stream::{self, StreamExt};
use serde::Serialize;

pub mod asff;
pub mod formats;
pub mod html;

pub use crate::aws::inventory::{self, Aggregated, Inventory, Place, Unreadable, SCANNED_TYPES};
use crate::config::exemption::{self, Exemptions, Standing, Subject};
use crate::config::periodic::{PeriodicContext, READ_CONCURRENCY};
use crate::config::{Compliance, ConfigurationItem, Finding, Rule, Severity, Verdict};

/// One (rule, resource) verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub account: String,
    pub region: String,
    pub rule: String,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    /// Every finding, joined with "; " (never cut, unlike the annotation Config keeps).
    pub annotation: String,
    /// Each finding on its own: the element at fault, what is wrong and, when the resource
    /// fails, how urgent it is and how to fix it.
    pub findings: Vec<Finding>,
    /// How urgent the failure is (its most urgent finding's, in ASFF's labels: CRITICAL, HIGH,
    /// ...), or an exempt resource's accepted risk; none when the resource passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<&'static str>,
    /// Why the resource is exempt from the rule (and until when), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
}

impl Row {
    /// `rule`'s verdict on a resource in an account and region, as a row: the findings as
    /// reported (a failing one's with severity and fix), and how urgent the failure, or the
    /// accepted risk of an exempt resource, is.
    pub fn new(
        (account, region): (&str, &str),
        rule: &str,
        (resource_type, resource_id): (&str, &str),
        verdict: Verdict,
        exemption: Option<String>,
    ) -> Row {
        let spec = crate::registry::find(rule);
        let findings = spec.map_or_else(
            || verdict.findings.clone(),
            |spec| spec.reported(verdict.compliance, &verdict.findings),
        );
        let default = spec.map_or(Severity::Medium, |spec| spec.severity);
        let severity = match verdict.compliance {
            Compliance::NonCompliant => Some(
                findings
                    .iter()
                    .filter_map(|finding| finding.severity)
                    .max()
                    .unwrap_or(default),
            ),
            _ if exemption.is_some() => Some(default),
            _ => None,
        };
        Row {
            account: account.to_owned(),
            region: region.to_owned(),
            rule: rule.to_owned(),
            resource_type: resource_type.to_owned(),
            resource_id: resource_id.to_owned(),
            compliance: verdict.compliance,
            annotation: verdict.annotation,
            findings,
            severity: severity.map(Severity::label),
            exemption,
        }
    }

    /// How to fix the row's findings, each fix once, in the findings' order.
    pub fn fixes(&self) -> Vec<&str> {
        distinct(self.findings.iter().filter_map(|f| f.fix.as_deref()))
    }

    /// The elements at fault, each once, in the findings' order.
    pub fn elements(&self) -> Vec<&str> {
        distinct(self.findings.iter().filter_map(|f| f.element.as_deref()))
    }
}

/// A row of a queue in the tests' account, judged by `rule` as its verdict says (one finding).
#[cfg(test)]
pub(crate) fn sample_row(
    rule: &str,
    resource_id: &str,
    compliance: Compliance,
    finding: Finding,
) -> Row {
    Row::new(
        ("111122223333", "eu-west-1"),
        rule,
        ("AWS::SQS::Queue", resource_id),
        Verdict::detailed(compliance, vec![finding]),
        None,
    )
}

fn distinct<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for text in texts {
        if !seen.contains(&text) {
            seen.push(text);
        }
    }
    seen
}

/// Where a scan judges (an account in a region), and the exemptions it applies, the way the
/// functions apply them (`config::exemption`).
#[derive(Debug, Clone, Copy)]
pub struct Exempting<'a> {
    pub listed: &'a Exemptions,
    /// `YYYY-MM-DD`, UTC.
    pub today: &'a str,
    pub account: &'a str,
    pub region: &'a str,
}

impl Exempting<'_> {
    fn standing<R: Rule>(&self, resource_id: &str, item: Option<&ConfigurationItem>) -> Standing {
        self.listed.standing(
            &Subject {
                rule: R::NAME,
                resource_id,
                resource_name: item.and_then(|item| item.resource_name.as_deref()),
                arn: item.and_then(|item| item.arn.as_deref()),
                account: Some(self.account),
                tags: item.map(|item| &item.tags),
            },
            self.today,
        )
    }
}

fn row<R: Rule>(
    at: Exempting<'_>,
    resource_type: &str,
    resource_id: &str,
    standing: &Standing,
    verdict: Verdict,
) -> Row {
    let verdict = exemption::apply(standing, verdict);
    let exemption = match standing {
        Standing::Exempt { .. } => verdict
            .annotation
            .strip_prefix("exempt: ")
            .map(str::to_owned),
        _ => None,
    };
    Row::new(
        (at.account, at.region),
        R::NAME,
        (resource_type, resource_id),
        verdict,
        exemption,
    )
}

/// Runs one rule over the items in its scope, `READ_CONCURRENCY` evaluations at a time;
/// resources that could not be read are NON_COMPLIANT with the reason, as the rule would say.
pub async fn evaluate_rule<R: Rule>(
    rule: &R,
    parameters: &R::Parameters,
    items: &[ConfigurationItem],
    unreadable: &[Unreadable],
    exempting: Exempting<'_>,
    progress: &(dyn Fn() + Sync),
) -> Vec<Row> {
    let in_scope = |resource_type: &str| rule.resource_types().contains(&resource_type);
    let mut rows: Vec<Row> =
        stream::iter(items.iter().filter(|item| in_scope(&item.resource_type)))
            .map(|item| async move {
                let standing = exempting.standing::<R>(&item.resource_id, Some(item));
                let verdict = rule.evaluate(item, parameters).await;
                progress();
                row::<R>(
                    exempting,
                    &item.resource_type,
                    &item.resource_id,
                    &standing,
                    verdict,
                )
            })
            .buffered(READ_CONCURRENCY)
            .collect()
            .await;
    rows.extend(
        unreadable
            .iter()
            .filter(|failure| in_scope(&failure.resource_type))
            .map(|failure| {
                let standing = exempting.standing::<R>(&failure.resource_id, None);
                let verdict = Verdict::non_compliant(failure.reason.clone());
                row::<R>(
                    exempting,
                    &failure.resource_type,
                    &failure.resource_id,
                    &standing,
                    verdict,
                )
            }),
    );
    rows.sort_by(|a, b| {
        (a.resource_type.as_str(), a.resource_id.as_str())
            .cmp(&(b.resource_type.as_str(), b.resource_id.as_str()))
    });
    rows
}

/// The types the rule judges only on its periodic run (AWS Config records no change of them,
/// such as layer versions): the scan has no item for them, so it runs the periodic part and
/// keeps those types' verdicts. A run that cannot list them is one NON_COMPLIANT row saying why.
pub fn periodic_only_types<R: Rule>(rule: &R) -> Vec<&'static str> {
    R::SPEC
        .triggers
        .periodic
        .iter()
        .filter(|resource_type| !rule.resource_types().contains(resource_type))
        .copied()
        .collect()
}

/// The rule's verdicts on `periodic_only_types`, from its periodic run without a deadline.
pub async fn evaluate_periodic_only<R: Rule>(
    rule: &R,
    parameters: &R::Parameters,
    exempting: Exempting<'_>,
) -> Vec<Row> {
    let types = periodic_only_types(rule);
    if types.is_empty() {
        return Vec::new();
    }
    let row = |resource_type: &str, resource_id: &str, verdict: Verdict| {
        let standing = exempting.standing::<R>(resource_id, None);
        row::<R>(exempting, resource_type, resource_id, &standing, verdict)
    };
    let context = PeriodicContext {
        account_id: Some(exempting.account.to_owned()),
        ..PeriodicContext::unbounded()
    };
    let mut rows: Vec<Row> = match rule.evaluate_periodic(parameters, &context).await {
        Ok(Some(run)) => run
            .assessed
            .into_iter()
            .filter(|assessed| types.contains(&assessed.resource_type.as_str()))
            .map(|assessed| {
                row(
                    &assessed.resource_type,
                    &assessed.resource_id,
                    assessed.verdict,
                )
            })
            .collect(),
        Ok(None) => Vec::new(),
        Err(error) => types
            .iter()
            .map(|resource_type| {
                let why = error.annotation("the list of them");
                row(resource_type, "(all)", Verdict::non_compliant(why))
            })
            .collect(),
    };
    rows.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_as_urgent_as_its_worst_finding_and_a_passing_row_not_at_all() {
        let failing = Verdict::detailed(
            Compliance::NonCompliant,
            vec![
                Finding::note("unguarded").rated(Severity::Medium),
                Finding::note("public").rated(Severity::Critical),
                Finding::note("unrated"),
            ],
        );
        let place = ("111122223333", "eu-west-1");
        let queue = ("AWS::SQS::Queue", "orders");
        let row = Row::new(place, "resource-policies", queue, failing, None);
        assert_eq!(row.severity, Some("CRITICAL"));
        // A finding that does not rate itself takes the rule's severity and remediation.
        assert_eq!(row.findings[2].severity, Some(Severity::High));
        assert!(row.findings[2].fix.is_some());
        let passing = Verdict::compliant("only this account");
        let row = Row::new(place, "resource-policies", queue, passing, None);
        assert_eq!((row.severity, row.findings[0].fix.as_deref()), (None, None));
        let exempt = Verdict::not_applicable("exempt: partner webhook");
        let reason = Some("partner webhook".to_owned());
        let row = Row::new(place, "resource-policies", queue, exempt, reason);
        assert_eq!(row.severity, Some("HIGH"));
    }
}
