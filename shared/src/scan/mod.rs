//! `sec2 scan`: every selected rule's logic over an account's resources, read from the service
//! APIs instead of AWS Config, with the same rule code the Lambda functions run.

use futures_util::stream::{self, StreamExt};
use serde::Serialize;

pub mod asff;
pub mod formats;
pub mod html;

pub use crate::aws::inventory::{self, Inventory, Place, Unreadable, SCANNED_TYPES};
use crate::config::exemption::{self, Exemptions, Standing, Subject};
use crate::config::periodic::{PeriodicContext, READ_CONCURRENCY};
use crate::config::{Compliance, ConfigurationItem, Rule, Verdict};

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
    /// Each finding on its own.
    pub findings: Vec<String>,
    /// How urgent the rule's findings are (ASFF's labels: HIGH, MEDIUM).
    pub severity: &'static str,
    /// Why the resource is exempt from the rule (and until when), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption: Option<String>,
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
    Row {
        account: at.account.to_owned(),
        region: at.region.to_owned(),
        rule: R::NAME.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_id: resource_id.to_owned(),
        compliance: verdict.compliance,
        exemption: match standing {
            Standing::Exempt { .. } => verdict
                .annotation
                .strip_prefix("exempt: ")
                .map(str::to_owned),
            _ => None,
        },
        findings: verdict.messages().into_iter().map(str::to_owned).collect(),
        severity: severity(R::NAME),
        annotation: verdict.annotation,
    }
}

/// How urgent a rule's findings are: a door open to anyone or a secret in plain sight is HIGH.
pub fn severity(rule: &str) -> &'static str {
    match rule {
        "resource-policies" | "temporary-credentials" => "HIGH",
        _ => "MEDIUM",
    }
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
