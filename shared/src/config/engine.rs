//! The AWS Config custom-rule contract, once for every rule: applicability, oversized items,
//! periodic runs and their stale results, timestamps, batching and retries.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use super::error::EngineError;
use super::evaluation::{Evaluation, Verdict};
use super::event::{Invocation, Trigger};
use super::item::ConfigurationItem;
use super::parameters::{parse_parameters, FromRuleParameters};
use super::seams::{EvaluationSink, ItemHistory, PreviousResults};

/// The result token that asks Config to validate, not record (the RDK convention).
pub const TEST_MODE_TOKEN: &str = "TESTMODE";
/// PutEvaluations takes at most this many evaluations a call.
pub const MAX_BATCH: usize = 100;
/// Attempts at evaluations Config refused before the invocation fails.
const MAX_PUT_ATTEMPTS: u32 = 3;

/// One resource a periodic run judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    pub resource_type: String,
    pub resource_id: String,
    pub verdict: Verdict,
}

/// A Config rule's logic. `evaluate` must never return COMPLIANT when it could not decide: it
/// returns NON_COMPLIANT saying what it could not read.
pub trait Rule: Sync {
    /// The rule's name without the `sec2-` prefix, such as `resource-policies`.
    const NAME: &'static str;
    type Parameters: FromRuleParameters + Send + Sync;

    /// The resource types the rule evaluates on a change.
    fn resource_types(&self) -> &'static [&'static str];

    fn evaluate(
        &self,
        item: &ConfigurationItem,
        parameters: &Self::Parameters,
    ) -> impl Future<Output = Verdict> + Send;

    /// Every in-scope resource, judged, on the periodic run; `None` when the rule has no
    /// periodic part.
    fn evaluate_periodic(
        &self,
        _parameters: &Self::Parameters,
        _account_id: Option<&str>,
    ) -> impl Future<Output = Result<Option<Vec<Assessed>>, String>> + Send {
        async { Ok(None) }
    }
}

/// The engine's I/O, passed in by whoever runs it.
pub struct Seams<'a, S, H, P> {
    pub sink: &'a S,
    pub history: &'a H,
    pub previous: &'a P,
}

/// Handles one invocation end to end and returns the evaluations it reported.
pub async fn run<R, S, H, P>(
    rule: &R,
    invocation: &Invocation,
    seams: Seams<'_, S, H, P>,
) -> Result<Vec<Evaluation>, EngineError>
where
    R: Rule,
    S: EvaluationSink,
    H: ItemHistory,
    P: PreviousResults,
{
    let parameters: R::Parameters = parse_parameters(&invocation.rule_parameters)?;
    let evaluations = match &invocation.trigger {
        Trigger::Change { item, .. } => {
            vec![evaluate_item(rule, item, &parameters, invocation.event_left_scope).await]
        }
        Trigger::Oversized { summary, .. } => {
            if invocation.event_left_scope || !summary.status.is_evaluable() {
                let verdict =
                    not_applicable_verdict(invocation.event_left_scope, summary.status.as_str());
                vec![Evaluation::new(
                    &summary.resource_type,
                    &summary.resource_id,
                    verdict,
                    &summary.capture_time,
                )]
            } else {
                let fetch_error = |reason: String| EngineError::OversizedFetch {
                    resource_type: summary.resource_type.clone(),
                    resource_id: summary.resource_id.clone(),
                    reason,
                };
                let item = seams
                    .history
                    .latest_item(
                        &summary.resource_type,
                        &summary.resource_id,
                        &summary.capture_time,
                    )
                    .await
                    .map_err(fetch_error)?
                    .ok_or_else(|| {
                        fetch_error("AWS Config has no recorded item for it".to_owned())
                    })?;
                vec![evaluate_item(rule, &item, &parameters, false).await]
            }
        }
        Trigger::Scheduled {
            account_id,
            notification_creation_time,
        } => {
            periodic(
                rule,
                invocation,
                &parameters,
                account_id.as_deref(),
                notification_creation_time,
                seams.previous,
            )
            .await?
        }
    };
    report(seams.sink, &evaluations, &invocation.result_token).await?;
    Ok(evaluations)
}

fn not_applicable_verdict(left_scope: bool, status: &str) -> Verdict {
    if left_scope {
        Verdict::not_applicable("the resource left the rule's scope")
    } else {
        Verdict::not_applicable(format!(
            "the configuration item's status is {status}; only recorded resources are evaluated"
        ))
    }
}

async fn evaluate_item<R: Rule>(
    rule: &R,
    item: &ConfigurationItem,
    parameters: &R::Parameters,
    left_scope: bool,
) -> Evaluation {
    let verdict = if left_scope || !item.status.is_evaluable() {
        not_applicable_verdict(left_scope, item.status.as_str())
    } else if !rule.resource_types().contains(&item.resource_type.as_str()) {
        Verdict::not_applicable(format!(
            "{} is not a resource type this rule evaluates",
            item.resource_type
        ))
    } else {
        rule.evaluate(item, parameters).await
    };
    Evaluation::new(
        &item.resource_type,
        &item.resource_id,
        verdict,
        &item.capture_time,
    )
}

async fn periodic<R: Rule, P: PreviousResults>(
    rule: &R,
    invocation: &Invocation,
    parameters: &R::Parameters,
    account_id: Option<&str>,
    notification_time: &str,
    previous: &P,
) -> Result<Vec<Evaluation>, EngineError> {
    let Some(assessed) = rule
        .evaluate_periodic(parameters, account_id)
        .await
        .map_err(EngineError::Periodic)?
    else {
        tracing::info!(
            rule = R::NAME,
            "the rule has no periodic part; nothing to evaluate"
        );
        return Ok(Vec::new());
    };
    let mut evaluations: Vec<Evaluation> = assessed
        .iter()
        .map(|a| {
            Evaluation::new(
                &a.resource_type,
                &a.resource_id,
                a.verdict.clone(),
                notification_time,
            )
        })
        .collect();
    let Some(rule_name) = invocation.config_rule_name.as_deref() else {
        tracing::warn!("the event names no rule, so stale results cannot be retired");
        return Ok(evaluations);
    };
    let present: HashSet<(&str, &str)> = assessed
        .iter()
        .map(|a| (a.resource_type.as_str(), a.resource_id.as_str()))
        .collect();
    let earlier = previous
        .evaluated_resources(rule_name)
        .await
        .map_err(EngineError::PreviousResults)?;
    let mut retired = HashSet::new();
    for (resource_type, resource_id) in &earlier {
        if !present.contains(&(resource_type.as_str(), resource_id.as_str()))
            && retired.insert((resource_type, resource_id))
        {
            let verdict =
                Verdict::not_applicable("the resource no longer exists or is no longer in scope");
            evaluations.push(Evaluation::new(
                resource_type,
                resource_id,
                verdict,
                notification_time,
            ));
        }
    }
    Ok(evaluations)
}

/// Sends evaluations in batches of 100; refused ones are retried, then the invocation fails so
/// that Lambda retries it and nothing is silently dropped.
pub async fn report<S: EvaluationSink>(
    sink: &S,
    evaluations: &[Evaluation],
    result_token: &str,
) -> Result<(), EngineError> {
    let test_mode = result_token == TEST_MODE_TOKEN;
    for batch in evaluations.chunks(MAX_BATCH) {
        let mut pending = batch.to_vec();
        for attempt in 1..=MAX_PUT_ATTEMPTS {
            let refused = sink
                .put(&pending, result_token, test_mode)
                .await
                .map_err(EngineError::Report)?;
            if refused.is_empty() {
                break;
            }
            if attempt == MAX_PUT_ATTEMPTS {
                let first = refused.first().map(|e| {
                    format!(
                        "{} `{}`",
                        e.compliance_resource_type, e.compliance_resource_id
                    )
                });
                return Err(EngineError::Report(format!(
                    "AWS Config refused {} evaluations after {MAX_PUT_ATTEMPTS} attempts (first: {})",
                    refused.len(),
                    first.unwrap_or_default()
                )));
            }
            tracing::warn!(
                refused = refused.len(),
                attempt,
                "AWS Config refused evaluations; retrying"
            );
            tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            pending = refused;
        }
    }
    Ok(())
}
