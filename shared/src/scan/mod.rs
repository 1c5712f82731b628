//! `sec2 scan`: every selected rule's logic over an account's resources, read from the service
//! APIs instead of AWS Config, with the same rule code the Lambda functions run.

use futures_util::stream::{self, StreamExt};
use serde::Serialize;

pub use crate::aws::inventory::{self, Inventory, Place, Unreadable, SCANNED_TYPES};
use crate::config::periodic::{PeriodicContext, READ_CONCURRENCY};
use crate::config::{Compliance, ConfigurationItem, Rule, Verdict};

/// One (rule, resource) verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub rule: String,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: Compliance,
    pub annotation: String,
}

/// Runs one rule over the items in its scope, `READ_CONCURRENCY` evaluations at a time;
/// resources that could not be read are NON_COMPLIANT with the reason, as the rule would say.
pub async fn evaluate_rule<R: Rule>(
    rule: &R,
    parameters: &R::Parameters,
    items: &[ConfigurationItem],
    unreadable: &[Unreadable],
    progress: &(dyn Fn() + Sync),
) -> Vec<Row> {
    let in_scope = |resource_type: &str| rule.resource_types().contains(&resource_type);
    let mut rows: Vec<Row> =
        stream::iter(items.iter().filter(|item| in_scope(&item.resource_type)))
            .map(|item| async move {
                let verdict = rule.evaluate(item, parameters).await;
                progress();
                Row {
                    rule: R::NAME.to_owned(),
                    resource_type: item.resource_type.clone(),
                    resource_id: item.resource_id.clone(),
                    compliance: verdict.compliance,
                    annotation: verdict.annotation,
                }
            })
            .buffered(READ_CONCURRENCY)
            .collect()
            .await;
    rows.extend(
        unreadable
            .iter()
            .filter(|failure| in_scope(&failure.resource_type))
            .map(|failure| Row {
                rule: R::NAME.to_owned(),
                resource_type: failure.resource_type.clone(),
                resource_id: failure.resource_id.clone(),
                compliance: Compliance::NonCompliant,
                annotation: failure.reason.clone(),
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
    account: &str,
) -> Vec<Row> {
    let types = periodic_only_types(rule);
    if types.is_empty() {
        return Vec::new();
    }
    let row = |resource_type: &str, resource_id: &str, verdict: Verdict| Row {
        rule: R::NAME.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_id: resource_id.to_owned(),
        compliance: verdict.compliance,
        annotation: verdict.annotation,
    };
    let context = PeriodicContext {
        account_id: Some(account.to_owned()),
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
