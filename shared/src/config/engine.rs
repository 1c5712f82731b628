//! The AWS Config custom-rule contract, once for every rule: applicability, oversized items,
//! periodic runs and their stale results, timestamps, batching and retries.

use std::collections::{BTreeMap, HashSet};

use std::future::Future;
use std::time::Duration;

use super::deadline::Deadline;
use super::error::EngineError;
use super::evaluation::{Evaluation, Verdict};
use super::event::{Invocation, Trigger};
use super::exemption::{self, date_of, Exemptions, Subject, EXEMPTIONS_PARAMETER};
use super::item::ConfigurationItem;
use super::parameters::{parse_parameters, FromRuleParameters};
use super::periodic::PeriodicContext;
use super::read_error::ReadError;
use super::seams::{EvaluationSink, ItemHistory, PreviousResults};
use crate::registry::RuleSpec;

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
    /// The resource's tags, when the run read them (exemptions by tag apply then).
    pub tags: Option<BTreeMap<String, String>>,
}

/// What a periodic run judged, how many resources it left unread for the next run (the
/// deadline came first), and the listings that failed (the types whose resources it could not
/// even name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Periodic {
    pub assessed: Vec<Assessed>,
    pub unfinished: usize,
    pub unlisted: Vec<ReadError>,
}

impl From<Vec<Assessed>> for Periodic {
    fn from(assessed: Vec<Assessed>) -> Self {
        Periodic {
            assessed,
            ..Periodic::default()
        }
    }
}

/// A Config rule's logic. `evaluate` must never return COMPLIANT when it could not decide: it
/// returns NON_COMPLIANT saying what it could not read.
pub trait Rule: Sync {
    /// The rule's entry in the registry: its name, practice, resource types and triggers.
    const SPEC: &'static RuleSpec;
    /// The rule's name without the `sec2-` prefix, such as `resource-policies`.
    const NAME: &'static str = Self::SPEC.name;
    type Parameters: FromRuleParameters + Send + Sync;

    /// The resource types the rule evaluates on a change.
    fn resource_types(&self) -> &'static [&'static str] {
        Self::SPEC.resource_types
    }

    fn evaluate(
        &self,
        item: &ConfigurationItem,
        parameters: &Self::Parameters,
    ) -> impl Future<Output = Verdict> + Send;

    /// Every in-scope resource, judged, on the periodic run; `None` when the rule has no
    /// periodic part. Reading stops at the context's deadline; what is left is counted in
    /// `Periodic::unfinished`.
    fn evaluate_periodic(
        &self,
        _parameters: &Self::Parameters,
        _context: &PeriodicContext,
    ) -> impl Future<Output = Result<Option<Periodic>, ReadError>> + Send {
        async { Ok(None) }
    }
}

/// The engine's I/O, passed in by whoever runs it.
pub struct Seams<'a, S, H, P> {
    pub sink: &'a S,
    pub history: &'a H,
    pub previous: &'a P,
    /// When a periodic run must stop reading (the Lambda timeout, less time to report).
    pub deadline: Deadline,
    /// The time, in seconds since the epoch, a periodic run counts ages from.
    pub clock: fn() -> i64,
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
    let exemptions = listed_exemptions(invocation)?;
    let today = date_of((seams.clock)());
    let judging = Judging {
        parameters: &parameters,
        exemptions: &exemptions,
        today: &today,
    };
    let mut deferred: Option<EngineError> = None;
    let evaluations = match &invocation.trigger {
        Trigger::Change { item, .. } => {
            vec![evaluate_item(rule, item, &judging, invocation.event_left_scope).await]
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
                let read_failed = |error: ReadError| fetch_error(error.to_string());
                let item = seams
                    .history
                    .latest_item(
                        &summary.resource_type,
                        &summary.resource_id,
                        &summary.capture_time,
                    )
                    .await
                    .map_err(read_failed)?
                    .ok_or_else(|| {
                        fetch_error("AWS Config has no recorded item for it".to_owned())
                    })?;
                vec![evaluate_item(rule, &item, &judging, false).await]
            }
        }
        Trigger::Scheduled {
            account_id,
            notification_creation_time,
        } => {
            let context = PeriodicContext {
                account_id: account_id.clone(),
                deadline: seams.deadline,
                now: (seams.clock)(),
            };
            let (evaluations, failure) = periodic(
                rule,
                invocation,
                &judging,
                &context,
                notification_creation_time,
                (seams.previous, seams.history),
            )
            .await?;
            deferred = failure;
            evaluations
        }
    };
    report(seams.sink, &evaluations, &invocation.result_token).await?;
    match deferred {
        Some(failure) => Err(failure),
        None => Ok(evaluations),
    }
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

/// What every judgement of one invocation shares: the rule's parameters, the exemptions it was
/// given, and the day they are dated against.
struct Judging<'a, P> {
    parameters: &'a P,
    exemptions: &'a Exemptions,
    today: &'a str,
}

/// The `Exemptions` rule parameter.
fn listed_exemptions(invocation: &Invocation) -> Result<Exemptions, EngineError> {
    match invocation.rule_parameters.get(EXEMPTIONS_PARAMETER) {
        None | Some(serde_json::Value::Null) => Ok(Exemptions::default()),
        Some(serde_json::Value::String(text)) => Ok(Exemptions::parse_parameter(text)?),
        Some(other) => Err(EngineError::Event(super::event::wrong_kind(
            "ruleParameters.Exemptions",
            "a string",
            other,
        ))),
    }
}

async fn evaluate_item<R: Rule>(
    rule: &R,
    item: &ConfigurationItem,
    judging: &Judging<'_, R::Parameters>,
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
        let standing = judging.exemptions.standing(
            &Subject {
                rule: R::NAME,
                resource_id: &item.resource_id,
                resource_name: item.resource_name.as_deref(),
                arn: item.arn.as_deref(),
                account: item.account_id.as_deref(),
                tags: Some(&item.tags),
            },
            judging.today,
        );
        exemption::apply(&standing, rule.evaluate(item, judging.parameters).await)
    };
    Evaluation::new(
        &item.resource_type,
        &item.resource_id,
        verdict,
        &item.capture_time,
    )
}

async fn periodic<R: Rule, P: PreviousResults, H: ItemHistory>(
    rule: &R,
    invocation: &Invocation,
    judging: &Judging<'_, R::Parameters>,
    context: &PeriodicContext,
    notification_time: &str,
    (previous, history): (&P, &H),
) -> Result<(Vec<Evaluation>, Option<EngineError>), EngineError> {
    let Some(Periodic {
        assessed,
        unfinished,
        unlisted,
    }) = rule
        .evaluate_periodic(judging.parameters, context)
        .await
        .map_err(|error| EngineError::Periodic(error.to_string()))?
    else {
        tracing::info!(
            rule = R::NAME,
            "the rule has no periodic part; nothing to evaluate"
        );
        return Ok((Vec::new(), None));
    };
    let tags = failing_resource_tags::<R, H>(&assessed, history).await;
    let mut evaluations: Vec<Evaluation> = assessed
        .iter()
        .map(|a| {
            let read = tags.get(&(a.resource_type.as_str(), a.resource_id.as_str()));
            let standing = judging.exemptions.standing(
                &Subject {
                    rule: R::NAME,
                    resource_id: &a.resource_id,
                    resource_name: None,
                    arn: None,
                    account: context.account_id.as_deref(),
                    tags: a.tags.as_ref().or(read),
                },
                judging.today,
            );
            Evaluation::new(
                &a.resource_type,
                &a.resource_id,
                exemption::apply(&standing, a.verdict.clone()),
                notification_time,
            )
        })
        .collect();
    if !unlisted.is_empty() {
        // What was judged is reported; nothing is retired, since a type that could not be
        // listed may still hold every resource judged before; the invocation then fails, so
        // Config shows the run as failed and why.
        let why: Vec<String> = unlisted
            .iter()
            .map(|error| error.annotation("the resources to judge"))
            .collect();
        let failure = EngineError::Periodic(why.join("; "));
        return Ok((evaluations, Some(failure)));
    }
    if unfinished > 0 {
        // A partial run cannot tell a resource it did not reach from one that is gone.
        tracing::warn!(
            rule = R::NAME,
            judged = assessed.len(),
            left_for_next_run = unfinished,
            "stopped reading before the Lambda deadline; reporting what was judged and retiring nothing"
        );
        return Ok((evaluations, None));
    }
    let Some(rule_name) = invocation.config_rule_name.as_deref() else {
        tracing::warn!("the event names no rule, so stale results cannot be retired");
        return Ok((evaluations, None));
    };
    let present: HashSet<(&str, &str)> = assessed
        .iter()
        .map(|a| (a.resource_type.as_str(), a.resource_id.as_str()))
        .collect();
    // The current verdicts are reported even when the previous ones cannot be read; the
    // invocation still fails afterwards, so Config shows why nothing was retired.
    let earlier = match previous.evaluated_resources(rule_name).await {
        Ok(earlier) => earlier,
        Err(reason) => {
            let failure = EngineError::PreviousResults(reason.to_string());
            return Ok((evaluations, Some(failure)));
        }
    };
    let mut retired = HashSet::new();
    // Only the types the run judges: a result of another type came from a change, and only the
    // next change of that resource (or its deletion) replaces it.
    let judged_here = R::SPEC.triggers.periodic;
    for (resource_type, resource_id) in &earlier {
        if judged_here.contains(&resource_type.as_str())
            && !present.contains(&(resource_type.as_str(), resource_id.as_str()))
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
    Ok((evaluations, None))
}

/// The tags of each failing resource the run judged without reading them (a function judged
/// through its role), from AWS Config: a tag exemption then holds on the daily run as on a
/// change. Only resources that carry the exemption tag can be exempt by tag, so one query per
/// change type finds them all; a query that fails leaves the verdicts as judged, and says so
/// in the log.
async fn failing_resource_tags<'a, R: Rule, H: ItemHistory>(
    assessed: &'a [Assessed],
    history: &H,
) -> BTreeMap<(&'a str, &'a str), BTreeMap<String, String>> {
    let untagged: Vec<&Assessed> = assessed
        .iter()
        .filter(|a| {
            a.tags.is_none()
                && a.verdict.compliance == super::evaluation::Compliance::NonCompliant
                && R::SPEC.resource_types.contains(&a.resource_type.as_str())
        })
        .collect();
    let mut types: Vec<&str> = untagged.iter().map(|a| a.resource_type.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    let mut found = BTreeMap::new();
    for resource_type in types {
        match history
            .tagged_with(resource_type, exemption::TAG_EXEMPT)
            .await
        {
            Ok(mut tagged) => {
                for a in untagged.iter().filter(|a| a.resource_type == resource_type) {
                    if let Some(tags) = tagged.remove(&a.resource_id) {
                        found.insert((a.resource_type.as_str(), a.resource_id.as_str()), tags);
                    }
                }
            }
            Err(error) => {
                tracing::warn!(rule = R::NAME, resource_type, %error, "could not read the tags an exemption may be in");
            }
        }
    }
    found
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
                .map_err(|error| EngineError::Report(error.to_string()))?;
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde_json::{json, Value};

    use super::*;
    use crate::config::{Compliance, EventError, ReadErrorKind, RuleParameters};
    use crate::registry::{Practice, RuleId, Triggers};

    /// A rule of the tests' own, not in the registry.
    const QUEUE_NAMES: RuleSpec = RuleSpec {
        id: RuleId::ResourcePolicies,
        name: "queue-names",
        practice: Practice {
            number: 0,
            title: "test",
        },
        summary: "queues whose name starts with ok-",
        remediation: "rename the queue",
        severity: crate::config::Severity::Low,
        resource_types: &["AWS::SQS::Queue"],
        triggers: Triggers {
            change: true,
            periodic: &["AWS::SQS::Queue", "AWS::SNS::Topic"],
            periodic_from_config: false,
        },
        parameters: &[],
        function: "none",
        template_function: "None",
    };

    /// A rule that passes queues whose name starts with `ok-` and fails the rest.
    struct QueueNames;

    #[derive(Debug)]
    struct NoParameters;
    impl FromRuleParameters for NoParameters {
        const NAMES: &'static [&'static str] = &[];
        fn from_parameters(_: &RuleParameters<'_>) -> Result<Self, EventError> {
            Ok(NoParameters)
        }
    }

    impl Rule for QueueNames {
        const SPEC: &'static RuleSpec = &QUEUE_NAMES;
        type Parameters = NoParameters;
        async fn evaluate(&self, item: &ConfigurationItem, _: &NoParameters) -> Verdict {
            if item.resource_id.starts_with("ok-") {
                Verdict::compliant("")
            } else {
                Verdict::non_compliant("bad name")
            }
        }
        async fn evaluate_periodic(
            &self,
            _: &NoParameters,
            context: &PeriodicContext,
        ) -> Result<Option<Periodic>, ReadError> {
            // A run past its deadline judges the first ten and leaves the rest.
            let judged = if context.deadline.reached() { 10 } else { 250 };
            Ok(Some(Periodic {
                assessed: (0..judged)
                    .map(|i| Assessed {
                        tags: None,
                        resource_type: "AWS::SQS::Queue".to_owned(),
                        resource_id: format!("ok-{i}"),
                        verdict: Verdict::compliant(""),
                    })
                    .collect(),
                unfinished: 250 - judged,
                ..Periodic::default()
            }))
        }
    }

    /// Records every PutEvaluations call; refuses everything for the first `refusals` calls.
    #[derive(Default)]
    struct RecordingSink {
        calls: Mutex<Vec<(Vec<Evaluation>, String, bool)>>,
        refusals: Mutex<usize>,
    }
    impl EvaluationSink for RecordingSink {
        async fn put(
            &self,
            batch: &[Evaluation],
            token: &str,
            test_mode: bool,
        ) -> Result<Vec<Evaluation>, ReadError> {
            self.calls
                .lock()
                .unwrap()
                .push((batch.to_vec(), token.to_owned(), test_mode));
            let mut refusals = self.refusals.lock().unwrap();
            if *refusals > 0 {
                *refusals -= 1;
                return Ok(batch.to_vec());
            }
            Ok(Vec::new())
        }
    }
    impl RecordingSink {
        fn reported(&self) -> Vec<Evaluation> {
            self.calls
                .lock()
                .unwrap()
                .iter()
                .flat_map(|(batch, _, _)| batch.clone())
                .collect()
        }
    }

    struct History(Option<ConfigurationItem>);
    impl ItemHistory for History {
        async fn latest_item(
            &self,
            _: &str,
            _: &str,
            _: &str,
        ) -> Result<Option<ConfigurationItem>, ReadError> {
            Ok(self.0.clone())
        }

        async fn tagged_with(
            &self,
            resource_type: &str,
            key: &str,
        ) -> Result<crate::config::seams::TagsById, ReadError> {
            Ok(crate::testing::tagged_with(
                self.0.iter(),
                resource_type,
                key,
            ))
        }
    }

    struct Previous(Vec<(String, String)>);
    impl PreviousResults for Previous {
        async fn evaluated_resources(&self, _: &str) -> Result<Vec<(String, String)>, ReadError> {
            Ok(self.0.clone())
        }
    }

    fn item_json(id: &str, status: &str) -> Value {
        json!({
            "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
            "configurationItemStatus": status,
            "awsAccountId": "111122223333",
            "resourceType": "AWS::SQS::Queue",
            "resourceId": id,
            "configuration": {}
        })
    }

    fn invocation(invoking: Value, token: &str, left_scope: bool) -> Invocation {
        Invocation::from_json(json!({
            "invokingEvent": invoking.to_string(),
            "resultToken": token,
            "eventLeftScope": left_scope,
            "configRuleName": "sec2-queue-names",
            "accountId": "111122223333"
        }))
        .unwrap()
    }

    fn change(id: &str, status: &str, left_scope: bool) -> Invocation {
        let invoking = json!({
            "messageType": "ConfigurationItemChangeNotification",
            "notificationCreationTime": "2026-11-20T10:00:05.000Z",
            "configurationItem": item_json(id, status)
        });
        invocation(invoking, "token-1", left_scope)
    }

    async fn run_with(
        invocation: &Invocation,
        sink: &RecordingSink,
        history: &History,
        previous: &Previous,
    ) -> Result<Vec<Evaluation>, EngineError> {
        run(
            &QueueNames,
            invocation,
            Seams {
                sink,
                history,
                previous,
                deadline: Deadline::NONE,
                clock: || 0,
            },
        )
        .await
    }

    async fn run_change(
        invocation: &Invocation,
    ) -> (Result<Vec<Evaluation>, EngineError>, RecordingSink) {
        let sink = RecordingSink::default();
        let result = run_with(invocation, &sink, &History(None), &Previous(Vec::new())).await;
        (result, sink)
    }

    #[tokio::test]
    async fn an_exempt_failing_resource_is_not_applicable_and_a_passing_one_compliant() {
        let mut item = item_json("bad-queue", "OK");
        item["tags"] =
            json!({"sec2:exempt": "all", "sec2:exempt-reason": "legacy consumer, RISK-1"});
        let invoking = json!({
            "messageType": "ConfigurationItemChangeNotification",
            "notificationCreationTime": "2026-11-20T10:00:05.000Z",
            "configurationItem": item
        });
        let (result, _) = run_change(&invocation(invoking, "token-1", false)).await;
        let only = &result.unwrap()[0];
        assert_eq!(only.compliance_type, Compliance::NotApplicable);
        assert_eq!(
            only.annotation.as_deref(),
            Some("exempt: legacy consumer, RISK-1")
        );

        // A resource that passes needs no exemption: the periodic run reports it COMPLIANT.
        let mut scheduled = scheduled("token-2");
        scheduled.rule_parameters.insert(
            "Exemptions".to_owned(),
            json!("ok-1|all|kept for the audit trail"),
        );
        let sink = RecordingSink::default();
        let reported = run_with(&scheduled, &sink, &History(None), &Previous(Vec::new()))
            .await
            .unwrap();
        assert!(reported
            .iter()
            .all(|e| e.compliance_type == Compliance::Compliant));
    }

    /// A rule whose daily run fails one queue it judged without reading its tags.
    struct BadQueueDaily;
    impl Rule for BadQueueDaily {
        const SPEC: &'static RuleSpec = &QUEUE_NAMES;
        type Parameters = NoParameters;
        async fn evaluate(&self, _: &ConfigurationItem, _: &NoParameters) -> Verdict {
            Verdict::non_compliant("bad name")
        }
        async fn evaluate_periodic(
            &self,
            _: &NoParameters,
            _: &PeriodicContext,
        ) -> Result<Option<Periodic>, ReadError> {
            Ok(Some(Periodic::from(vec![Assessed {
                tags: None,
                resource_type: "AWS::SQS::Queue".to_owned(),
                resource_id: "bad-7".to_owned(),
                verdict: Verdict::non_compliant("bad name"),
            }])))
        }
    }

    #[tokio::test]
    async fn the_daily_run_reads_a_failing_resources_tags_from_config_so_its_exemption_holds() {
        let mut item = item_json("bad-7", "OK");
        item["tags"] =
            json!({"sec2:exempt": "queue-names", "sec2:exempt-reason": "legacy consumer, RISK-1"});
        let recorded = ConfigurationItem::from_json(&item).unwrap();
        let sink = RecordingSink::default();
        let reported = run(
            &BadQueueDaily,
            &scheduled("token-3"),
            Seams {
                sink: &sink,
                history: &History(Some(recorded)),
                previous: &Previous(Vec::new()),
                deadline: Deadline::NONE,
                clock: || 0,
            },
        )
        .await
        .unwrap();
        assert_eq!(reported.len(), 1);
        assert_eq!(reported[0].compliance_type, Compliance::NotApplicable);
        assert_eq!(
            reported[0].annotation.as_deref(),
            Some("exempt: legacy consumer, RISK-1")
        );
        // And with no item recorded, the verdict stands.
        let sink = RecordingSink::default();
        let reported = run(
            &BadQueueDaily,
            &scheduled("token-4"),
            Seams {
                sink: &sink,
                history: &History(None),
                previous: &Previous(Vec::new()),
                deadline: Deadline::NONE,
                clock: || 0,
            },
        )
        .await
        .unwrap();
        assert_eq!(reported[0].compliance_type, Compliance::NonCompliant);
    }

    #[tokio::test]
    async fn a_change_is_evaluated_and_stamped_with_the_capture_time() {
        let (result, sink) = run_change(&change("bad-queue", "OK", false)).await;
        let evaluations = result.unwrap();
        assert_eq!(sink.reported(), evaluations);
        let only = &evaluations[0];
        assert_eq!(only.compliance_type, Compliance::NonCompliant);
        assert_eq!(only.compliance_resource_id, "bad-queue");
        assert_eq!(only.ordering_timestamp, "2026-11-20T10:00:00.000Z");
        let calls = sink.calls.lock().unwrap();
        assert_eq!((calls[0].1.as_str(), calls[0].2), ("token-1", false));
    }

    #[tokio::test]
    async fn deleted_left_scope_and_unrecorded_items_are_not_applicable() {
        for invocation in [
            change("bad-queue", "ResourceDeleted", false),
            change("bad-queue", "ResourceDeletedNotRecorded", false),
            change("bad-queue", "ResourceNotRecorded", false),
            change("bad-queue", "OK", true),
        ] {
            let (result, sink) = run_change(&invocation).await;
            let evaluations = result.unwrap();
            assert_eq!(evaluations[0].compliance_type, Compliance::NotApplicable);
            assert_eq!(
                evaluations[0].ordering_timestamp,
                "2026-11-20T10:00:00.000Z"
            );
            assert_eq!(sink.reported().len(), 1);
        }
    }

    #[tokio::test]
    async fn a_type_outside_the_rules_scope_is_not_applicable() {
        let mut item = item_json("bucket", "OK");
        item["resourceType"] = json!("AWS::S3::Bucket");
        let invoking = json!({"messageType": "ConfigurationItemChangeNotification", "configurationItem": item});
        let (result, _) = run_change(&invocation(invoking, "t", false)).await;
        let evaluation = &result.unwrap()[0];
        assert_eq!(evaluation.compliance_type, Compliance::NotApplicable);
        assert_eq!(
            evaluation.annotation.as_deref(),
            Some("AWS::S3::Bucket is not a resource type this rule evaluates")
        );
    }

    fn oversized(status: &str) -> Invocation {
        let invoking = json!({
            "messageType": "OversizedConfigurationItemChangeNotification",
            "notificationCreationTime": "2026-11-20T10:00:05.000Z",
            "configurationItemSummary": {
                "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z", "configurationItemStatus": status,
                "awsAccountId": "111122223333", "resourceType": "AWS::SQS::Queue", "resourceId": "bad-queue"
            }
        });
        invocation(invoking, "t", false)
    }

    #[tokio::test]
    async fn an_oversized_item_is_fetched_then_evaluated() {
        let fetched = ConfigurationItem::from_json(&item_json("bad-queue", "OK")).unwrap();
        let sink = RecordingSink::default();
        let evaluations = run_with(
            &oversized("OK"),
            &sink,
            &History(Some(fetched)),
            &Previous(Vec::new()),
        )
        .await
        .unwrap();
        assert_eq!(evaluations[0].compliance_type, Compliance::NonCompliant);
    }

    #[tokio::test]
    async fn an_oversized_item_with_no_history_fails_the_invocation_and_reports_nothing() {
        let sink = RecordingSink::default();
        let error = run_with(
            &oversized("OK"),
            &sink,
            &History(None),
            &Previous(Vec::new()),
        )
        .await
        .unwrap_err();
        assert_eq!(error.kind(), "OversizedItemUnavailable");
        assert!(sink.reported().is_empty());
    }

    #[tokio::test]
    async fn an_oversized_deleted_item_is_not_applicable_without_a_fetch() {
        let sink = RecordingSink::default();
        let evaluations = run_with(
            &oversized("ResourceDeleted"),
            &sink,
            &History(None),
            &Previous(Vec::new()),
        )
        .await
        .unwrap();
        assert_eq!(evaluations[0].compliance_type, Compliance::NotApplicable);
    }

    fn scheduled(token: &str) -> Invocation {
        let invoking = json!({"messageType": "ScheduledNotification", "awsAccountId": "111122223333", "notificationCreationTime": "2026-11-20T12:00:00.000Z"});
        invocation(invoking, token, false)
    }

    #[tokio::test]
    async fn a_periodic_run_batches_by_100_and_retires_stale_results() {
        let sink = RecordingSink::default();
        let previous = Previous(vec![
            ("AWS::SQS::Queue".to_owned(), "ok-1".to_owned()),
            ("AWS::SQS::Queue".to_owned(), "deleted-queue".to_owned()),
            ("AWS::SNS::Topic".to_owned(), "ok-2".to_owned()),
            // Judged on change only: not the periodic run's to retire.
            ("AWS::Lambda::Function".to_owned(), "gone".to_owned()),
        ]);
        let evaluations = run_with(&scheduled("TESTMODE"), &sink, &History(None), &previous)
            .await
            .unwrap();
        assert_eq!(evaluations.len(), 252);
        let calls = sink.calls.lock().unwrap();
        assert_eq!(
            calls
                .iter()
                .map(|(batch, _, _)| batch.len())
                .collect::<Vec<_>>(),
            vec![100, 100, 52]
        );
        assert!(calls
            .iter()
            .all(|(_, token, test_mode)| token == "TESTMODE" && *test_mode));
        let retired: Vec<(&str, &str)> = evaluations
            .iter()
            .filter(|e| e.compliance_type == Compliance::NotApplicable)
            .map(|e| {
                (
                    e.compliance_resource_type.as_str(),
                    e.compliance_resource_id.as_str(),
                )
            })
            .collect();
        assert_eq!(
            retired,
            vec![
                ("AWS::SQS::Queue", "deleted-queue"),
                ("AWS::SNS::Topic", "ok-2")
            ]
        );
        assert!(evaluations
            .iter()
            .all(|e| e.ordering_timestamp == "2026-11-20T12:00:00.000Z"));
    }

    #[tokio::test]
    async fn a_run_cut_short_by_the_deadline_reports_what_it_judged_and_retires_nothing() {
        let sink = RecordingSink::default();
        let previous = Previous(vec![("AWS::SQS::Queue".to_owned(), "ok-100".to_owned())]);
        let evaluations = run(
            &QueueNames,
            &scheduled("TESTMODE"),
            Seams {
                sink: &sink,
                history: &History(None),
                previous: &previous,
                deadline: Deadline::at(std::time::Instant::now()),
                clock: || 0,
            },
        )
        .await
        .unwrap();
        assert_eq!(evaluations.len(), 10, "the judged ten, and no retirement");
        assert!(evaluations
            .iter()
            .all(|e| e.compliance_type == Compliance::Compliant));
        assert_eq!(sink.calls.lock().unwrap().len(), 1);
    }

    /// A periodic run that judged one queue and could not list the topics.
    struct TopicsUnlisted;

    impl Rule for TopicsUnlisted {
        const SPEC: &'static RuleSpec = &QUEUE_NAMES;
        type Parameters = NoParameters;
        async fn evaluate(&self, _: &ConfigurationItem, _: &NoParameters) -> Verdict {
            Verdict::compliant("")
        }
        async fn evaluate_periodic(
            &self,
            _: &NoParameters,
            _: &PeriodicContext,
        ) -> Result<Option<Periodic>, ReadError> {
            Ok(Some(Periodic {
                assessed: vec![Assessed {
                    tags: None,
                    resource_type: "AWS::SQS::Queue".to_owned(),
                    resource_id: "ok-1".to_owned(),
                    verdict: Verdict::compliant(""),
                }],
                unfinished: 0,
                unlisted: vec![ReadError::new(
                    "config:ListDiscoveredResources",
                    ReadErrorKind::Throttled,
                    "AWS::SNS::Topic: ThrottlingException",
                )],
            }))
        }
    }

    #[tokio::test]
    async fn a_run_that_could_not_list_a_type_reports_what_it_judged_retires_nothing_and_fails() {
        let sink = RecordingSink::default();
        let previous = Previous(vec![("AWS::SNS::Topic".to_owned(), "ok-2".to_owned())]);
        let seams = Seams {
            sink: &sink,
            history: &History(None),
            previous: &previous,
            deadline: Deadline::NONE,
            clock: || 0,
        };
        let error = run(&TopicsUnlisted, &scheduled("t"), seams)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), "PeriodicEvaluationFailed");
        assert!(
            error
                .to_string()
                .contains("AWS::SNS::Topic: ThrottlingException"),
            "{error}"
        );
        let reported = sink.reported();
        assert_eq!(reported.len(), 1, "the judged queue, and no topic retired");
        assert_eq!(reported[0].compliance_resource_id, "ok-1");
    }

    struct PreviousUnavailable;
    impl PreviousResults for PreviousUnavailable {
        async fn evaluated_resources(&self, _: &str) -> Result<Vec<(String, String)>, ReadError> {
            Err(ReadError::new(
                "config:GetComplianceDetailsByConfigRule",
                ReadErrorKind::Invalid,
                "UnknownOperationException",
            ))
        }
    }

    #[tokio::test]
    async fn when_previous_results_cannot_be_read_the_verdicts_are_still_reported_then_the_invocation_fails(
    ) {
        let sink = RecordingSink::default();
        let seams = Seams {
            sink: &sink,
            history: &History(None),
            previous: &PreviousUnavailable,
            deadline: Deadline::NONE,
            clock: || 0,
        };
        let error = run(&QueueNames, &scheduled("t"), seams).await.unwrap_err();
        assert_eq!(error.kind(), "PreviousResultsUnavailable");
        assert_eq!(sink.reported().len(), 250);
    }

    #[tokio::test]
    async fn refused_evaluations_are_retried_then_fail_the_invocation() {
        let sink = RecordingSink {
            refusals: Mutex::new(1),
            ..RecordingSink::default()
        };
        run_with(
            &change("ok-queue", "OK", false),
            &sink,
            &History(None),
            &Previous(Vec::new()),
        )
        .await
        .unwrap();
        assert_eq!(
            sink.calls.lock().unwrap().len(),
            2,
            "one refusal, one retry"
        );

        let stubborn = RecordingSink {
            refusals: Mutex::new(usize::MAX),
            ..RecordingSink::default()
        };
        let error = run_with(
            &change("ok-queue", "OK", false),
            &stubborn,
            &History(None),
            &Previous(Vec::new()),
        )
        .await
        .unwrap_err();
        assert_eq!(error.kind(), "PutEvaluationsFailed");
        assert!(
            error
                .to_string()
                .contains("refused 1 evaluations after 3 attempts"),
            "{error}"
        );
        assert_eq!(stubborn.calls.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_bad_parameter_fails_before_anything_is_reported() {
        let mut invocation = change("ok-queue", "OK", false);
        invocation
            .rule_parameters
            .insert("Colour".to_owned(), json!("red"));
        let (result, sink) = run_change(&invocation).await;
        assert!(result
            .unwrap_err()
            .to_string()
            .starts_with("rule parameter `Colour`: unknown parameter"));
        assert!(sink.reported().is_empty());
    }
}
