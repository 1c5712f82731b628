//! The periodic run every function rule shares: every function, grouped by its role, each role
//! read once, a few at a time, from a place drawn afresh each run, until the deadline. What is
//! not read in time is left for the next run (and counted), never guessed.

use std::collections::{BTreeSet, HashMap};
use std::future::{self, Future};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::stream::{self, StreamExt};

use super::deadline::Deadline;
use super::engine::{Assessed, Periodic};
use super::evaluation::Verdict;
use super::read_error::ReadError;
use super::run_order;

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

/// Judges every function in `users`: `read_role` runs once per role, `READ_CONCURRENCY` at a
/// time, until `deadline` (a read still in flight then is dropped); `judge` gives each function
/// its verdict from its role's read. Functions whose role was not read in time are counted in
/// `Periodic::unfinished`.
pub async fn judge_by_role<U, T, Read, Fut, Judge>(
    users: &[U],
    deadline: Deadline,
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
        .buffer_unordered(READ_CONCURRENCY)
        .filter_map(future::ready)
        .collect()
        .await;
    let mut periodic = Periodic::default();
    for user in users {
        match read.get(user.role_arn()) {
            Some(value) => periodic.assessed.push(Assessed {
                resource_type: "AWS::Lambda::Function".to_owned(),
                resource_id: user.function_name().to_owned(),
                verdict: judge(user, value),
            }),
            None => periodic.unfinished += 1,
        }
    }
    periodic
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
    use crate::config::Compliance;

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
}
