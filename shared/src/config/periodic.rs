//! The periodic runs the rules share: every function, grouped by its role, each role read once
//! (`judge_by_role`), or every resource AWS Config records of the rule's types, each judged as a
//! change of it would be (`judge_recorded`); a few at a time, from a place drawn afresh each run,
//! until the deadline. What is not read in time is left for the next run (and counted), never
//! guessed.

use std::collections::{BTreeSet, HashMap};
use std::future::{self, Future};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::stream::{self, StreamExt};

use super::deadline::Deadline;
use super::engine::{Assessed, Periodic};
use super::evaluation::Verdict;
use super::read_error::ReadError;
use super::run_order;
use super::seams::RecordedResources;
use super::Rule;

/// Reads in flight at once when a run reads many resources: enough to hide the latency of each
/// call, few enough to stay clear of the APIs' throttling limits.
pub const READ_CONCURRENCY: usize = 8;

/// What a periodic run is given: the event's account, when to stop reading, and the time (in
/// seconds since the epoch) its age-based checks count from, injected so they are tested without
/// a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodicContext {
    pub account_id: Option<String>,
    pub deadline: Deadline,
    pub now: i64,
}

impl PeriodicContext {
    /// No account, no deadline, the system clock: the command line.
    pub fn unbounded() -> Self {
        PeriodicContext {
            account_id: None,
            deadline: Deadline::NONE,
            now: system_now(),
        }
    }
}

/// Seconds since the epoch by the system clock.
pub fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// A function and the execution role it runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRole {
    pub function_name: String,
    pub role_arn: String,
}

/// Anything judged through its function's role.
pub trait RoleUser: Sync {
    fn function_name(&self) -> &str;
    fn role_arn(&self) -> &str;
}

impl RoleUser for FunctionRole {
    fn function_name(&self) -> &str {
        &self.function_name
    }
    fn role_arn(&self) -> &str {
        &self.role_arn
    }
}

/// Judges every function in `users`: `read_role` runs once per role, `concurrency` at a time
/// (`READ_CONCURRENCY` for plain reads), until `deadline` (a read still in flight then is dropped); `judge` gives each function
/// its verdict from its role's read. Functions whose role was not read in time are counted in
/// `Periodic::unfinished`.
pub async fn judge_by_role<U, T, Read, Fut, Judge>(
    users: &[U],
    deadline: Deadline,
    concurrency: usize,
    read_role: Read,
    judge: Judge,
) -> Periodic
where
    U: RoleUser,
    Read: Fn(String) -> Fut + Sync,
    Fut: Future<Output = T> + Send,
    T: Send,
    Judge: Fn(&U, &T) -> Verdict,
{
    let roles: BTreeSet<&str> = users.iter().map(RoleUser::role_arn).collect();
    // Owned role ARNs keep the stream's future Send (borrowed ones trip rustc's higher-ranked
    // lifetime check).
    let roles = run_order::for_this_run(roles.into_iter().map(str::to_owned).collect());
    let read_role = &read_role;
    let read: HashMap<String, T> = stream::iter(roles)
        .map(|role_arn| async move {
            let value = deadline.bound(read_role(role_arn.clone())).await?;
            Some((role_arn, value))
        })
        .buffer_unordered(concurrency.max(1))
        .filter_map(future::ready)
        .collect()
        .await;
    let mut periodic = Periodic::default();
    for user in users {
        match read.get(user.role_arn()) {
            Some(value) => periodic.assessed.push(Assessed {
                tags: None,
                resource_type: "AWS::Lambda::Function".to_owned(),
                resource_id: user.function_name().to_owned(),
                verdict: judge(user, value),
            }),
            None => periodic.unfinished += 1,
        }
    }
    periodic
}

/// Judges every resource Config records of `rule`'s change types with the rule's own
/// `evaluate`, so a periodic verdict and a change verdict on the same state agree. Evaluations
/// run `READ_CONCURRENCY` at a time until `deadline`; those not finished by then are counted in
/// `Periodic::unfinished`. A type that cannot be listed is in `Periodic::unlisted`, and the
/// other types are judged still.
pub async fn judge_recorded<R: Rule, I: RecordedResources>(
    rule: &R,
    inventory: &I,
    parameters: &R::Parameters,
    deadline: Deadline,
) -> Periodic {
    let mut items = Vec::new();
    let mut unlisted = Vec::new();
    for resource_type in rule.resource_types() {
        match inventory.recorded_items(resource_type).await {
            Ok(recorded) => items.extend(recorded),
            Err(error) => {
                let error = ReadError {
                    message: format!("{resource_type}: {}", error.message),
                    ..error
                };
                unlisted.push(error);
            }
        }
    }
    let order = run_order::for_this_run((0..items.len()).collect());
    let items = &items;
    // Indices, not borrowed items, keep the stream's future Send (see `judge_by_role`).
    let assessed: Vec<Assessed> = stream::iter(order)
        .map(|index| async move {
            let item = items.get(index)?;
            let verdict = deadline.bound(rule.evaluate(item, parameters)).await?;
            Some(Assessed {
                tags: Some(item.tags.clone()),
                resource_type: item.resource_type.clone(),
                resource_id: item.resource_id.clone(),
                verdict,
            })
        })
        .buffer_unordered(READ_CONCURRENCY)
        .filter_map(future::ready)
        .collect()
        .await;
    Periodic {
        unfinished: items.len() - assessed.len(),
        assessed,
        unlisted,
    }
}

/// Lists every role for a periodic run; when that fails, the run reads role by role, so the
/// failure is logged and not fatal.
pub async fn list_roles_once(
    list: impl Future<Output = Result<(), ReadError>>,
    deadline: Deadline,
) {
    if let Some(Err(reason)) = deadline.bound(list).await {
        tracing::warn!(%reason, "could not list every role at once; reading them one by one");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::config::{Compliance, ConfigurationItem};

    fn users(pairs: &[(&str, &str)]) -> Vec<FunctionRole> {
        pairs
            .iter()
            .map(|(function, role)| FunctionRole {
                function_name: (*function).to_owned(),
                role_arn: (*role).to_owned(),
            })
            .collect()
    }

    #[tokio::test]
    async fn each_role_is_read_once_and_every_user_judged_from_it() {
        let reads = AtomicUsize::new(0);
        let all = users(&[("a", "r1"), ("b", "r1"), ("c", "r2")]);
        let periodic = judge_by_role(
            &all,
            Deadline::NONE,
            READ_CONCURRENCY,
            |role| {
                reads.fetch_add(1, Ordering::SeqCst);
                async move { role }
            },
            |user, role| Verdict::compliant(format!("{} via {role}", user.function_name)),
        )
        .await;
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        assert_eq!(periodic.unfinished, 0);
        let annotations: Vec<&str> = periodic
            .assessed
            .iter()
            .map(|a| a.verdict.annotation.as_str())
            .collect();
        assert_eq!(annotations, ["a via r1", "b via r1", "c via r2"]);
        assert!(periodic
            .assessed
            .iter()
            .all(|a| a.verdict.compliance == Compliance::Compliant));
    }

    #[tokio::test]
    async fn a_role_whose_read_hangs_past_the_deadline_leaves_its_functions_for_the_next_run() {
        let all = users(&[("stuck", "hung"), ("ok-1", "fast"), ("ok-2", "fast")]);
        let deadline = Deadline::at(Instant::now() + Duration::from_millis(200));
        let periodic = judge_by_role(
            &all,
            deadline,
            READ_CONCURRENCY,
            |role| async move {
                if role == "hung" {
                    future::pending::<()>().await;
                }
                role
            },
            |_, _| Verdict::compliant(""),
        )
        .await;
        assert_eq!(periodic.unfinished, 1);
        assert_eq!(periodic.assessed.len(), 2);
    }

    /// Passes queues named `ok-*`; hangs on `hung-*`.
    struct QueueNames;

    impl Rule for QueueNames {
        const SPEC: &'static crate::registry::RuleSpec = &crate::registry::RESOURCE_POLICIES;
        type Parameters = crate::rules::resource_policies::Parameters;
        async fn evaluate(&self, item: &ConfigurationItem, _: &Self::Parameters) -> Verdict {
            if item.resource_id.starts_with("hung-") {
                future::pending::<()>().await;
            }
            if item.resource_id.starts_with("ok-") {
                Verdict::compliant("named well")
            } else {
                Verdict::non_compliant("named badly")
            }
        }
    }

    /// Config's inventory: queues by id; listing `failing` fails.
    struct Recorded {
        queues: Vec<&'static str>,
        failing: Option<&'static str>,
    }

    impl RecordedResources for Recorded {
        async fn recorded_items(
            &self,
            resource_type: &str,
        ) -> Result<Vec<ConfigurationItem>, ReadError> {
            if self.failing == Some(resource_type) {
                return Err(ReadError::new(
                    "config:BatchGetResourceConfig",
                    crate::config::ReadErrorKind::Unavailable,
                    "InternalError",
                ));
            }
            if resource_type != "AWS::SQS::Queue" {
                return Ok(Vec::new());
            }
            Ok(self
                .queues
                .iter()
                .map(|id| {
                    let mut item = crate::testing::config_item(
                        resource_type,
                        serde_json::json!({}),
                        serde_json::json!({}),
                    );
                    item.resource_id = (*id).to_owned();
                    item
                })
                .collect())
        }
    }

    #[tokio::test]
    async fn every_recorded_resource_is_judged_as_a_change_and_a_hung_one_is_left_for_the_next_run()
    {
        let inventory = Recorded {
            queues: vec!["ok-1", "bad-2", "hung-3"],
            failing: None,
        };
        let deadline = Deadline::at(Instant::now() + Duration::from_millis(200));
        let parameters = crate::rules::resource_policies::Parameters::default();
        let periodic = judge_recorded(&QueueNames, &inventory, &parameters, deadline).await;
        assert_eq!(periodic.unfinished, 1);
        let mut judged: Vec<(&str, Compliance)> = periodic
            .assessed
            .iter()
            .map(|a| (a.resource_id.as_str(), a.verdict.compliance))
            .collect();
        judged.sort_by_key(|(id, _)| *id);
        assert_eq!(
            judged,
            [
                ("bad-2", Compliance::NonCompliant),
                ("ok-1", Compliance::Compliant)
            ]
        );
        assert!(periodic
            .assessed
            .iter()
            .all(|a| a.resource_type == "AWS::SQS::Queue"));
    }

    #[tokio::test]
    async fn a_type_that_cannot_be_listed_is_named_and_the_others_are_judged() {
        let inventory = Recorded {
            queues: vec!["ok-1"],
            failing: Some("AWS::S3::Bucket"),
        };
        let parameters = crate::rules::resource_policies::Parameters::default();
        let periodic = judge_recorded(&QueueNames, &inventory, &parameters, Deadline::NONE).await;
        assert_eq!(periodic.assessed.len(), 1);
        assert_eq!(periodic.unlisted.len(), 1);
        let unlisted = periodic.unlisted[0].annotation("the resources to judge");
        assert_eq!(unlisted, "could not read the resources to judge (config:BatchGetResourceConfig, service unavailable): AWS::S3::Bucket: InternalError");
    }
}
