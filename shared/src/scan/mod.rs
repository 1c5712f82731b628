//! `sec2 scan`: every selected rule's logic over an account's resources, read from the service
//! APIs instead of AWS Config, with the same rule code the Lambda functions run.

use futures_util::stream::{self, StreamExt};
use serde::Serialize;

pub use crate::aws::inventory::{self, Inventory, Place, Unreadable, SCANNED_TYPES};
use crate::config::periodic::READ_CONCURRENCY;
use crate::config::{Compliance, ConfigurationItem, Rule};

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
