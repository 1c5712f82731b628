//! Reads shared by every resource of one run, made once: an invocation's (so a periodic run lists
//! functions once and reads a managed policy that a thousand roles attach once) or a whole
//! `sec2 scan`'s. A new invocation starts with a new memo, so nothing read earlier in a warm
//! container is trusted again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use crate::config::{FunctionRole, ReadError};
use crate::rules::least_privilege::PolicyText;
use crate::rules::temporary_credentials::FunctionFacts;

type Shared<T> = Arc<OnceCell<Result<T, ReadError>>>;

#[derive(Debug, Clone, Default)]
pub struct RunMemo {
    functions: Shared<Vec<FunctionFacts>>,
    functions_elsewhere: Shared<Vec<FunctionRole>>,
    roles: Shared<HashMap<String, ListedRole>>,
    managed_policies: Arc<Mutex<HashMap<String, Shared<PolicyText>>>>,
}

/// A role as one listing of every role (iam:GetAccountAuthorizationDetails) gives it: what
/// GetRole, ListRolePolicies, GetRolePolicy and ListAttachedRolePolicies would give one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRole {
    pub arn: String,
    pub trust_policy: Option<String>,
    pub inline: Vec<PolicyText>,
    pub attached_policy_arns: Vec<String>,
    pub boundary_arn: Option<String>,
    /// Seconds since the epoch.
    pub created: Option<i64>,
}

impl RunMemo {
    /// Every function in the account, listed by `list` the first time it is asked for.
    pub async fn functions<F>(&self, list: F) -> Result<&[FunctionFacts], ReadError>
    where
        F: std::future::Future<Output = Result<Vec<FunctionFacts>, ReadError>>,
    {
        self.functions
            .get_or_init(|| list)
            .await
            .as_deref()
            .map_err(ReadError::clone)
    }

    /// The other regions' functions, listed by `list` the first time they are asked for.
    pub async fn functions_elsewhere<F>(&self, list: F) -> Result<&[FunctionRole], ReadError>
    where
        F: std::future::Future<Output = Result<Vec<FunctionRole>, ReadError>>,
    {
        self.functions_elsewhere
            .get_or_init(|| list)
            .await
            .as_deref()
            .map_err(ReadError::clone)
    }

    /// The functions, when some read has listed them already.
    pub fn listed_functions(&self) -> Option<&[FunctionFacts]> {
        self.functions
            .get()
            .and_then(|listed| listed.as_deref().ok())
    }

    /// Every role in the account by name, listed by `list` the first time it is asked for.
    pub async fn roles<F>(&self, list: F) -> Result<&HashMap<String, ListedRole>, ReadError>
    where
        F: std::future::Future<Output = Result<HashMap<String, ListedRole>, ReadError>>,
    {
        self.roles
            .get_or_init(|| list)
            .await
            .as_ref()
            .map_err(ReadError::clone)
    }

    /// Every role by name, when some read has listed them already.
    pub fn listed_roles(&self) -> Option<&HashMap<String, ListedRole>> {
        self.roles.get().and_then(|listed| listed.as_ref().ok())
    }

    /// The role `name`, when some read has listed every role already.
    pub fn listed_role(&self, name: &str) -> Option<&ListedRole> {
        self.roles
            .get()
            .and_then(|listed| listed.as_ref().ok())
            .and_then(|roles| roles.get(name))
    }

    /// The managed policy `arn`, read by `read` once however many callers ask at the same time.
    pub async fn managed_policy<F>(&self, arn: &str, read: F) -> Result<PolicyText, ReadError>
    where
        F: std::future::Future<Output = Result<PolicyText, ReadError>>,
    {
        let cell = self
            .managed_policies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(arn.to_owned())
            .or_default()
            .clone();
        cell.get_or_init(|| read).await.clone()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn policy(name: &str) -> PolicyText {
        PolicyText {
            name: name.to_owned(),
            document: "{}".to_owned(),
        }
    }

    #[tokio::test]
    async fn concurrent_askers_for_one_managed_policy_share_one_read() {
        let memo = RunMemo::default();
        let reads = AtomicUsize::new(0);
        let read = |arn: &'static str| {
            let (memo, reads) = (&memo, &reads);
            async move {
                memo.managed_policy(arn, async {
                    reads.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok(policy(arn))
                })
                .await
            }
        };
        let (a, b, c) = tokio::join!(read("arn:basic"), read("arn:basic"), read("arn:other"));
        assert_eq!(a.unwrap().name, "arn:basic");
        assert_eq!(b.unwrap().name, "arn:basic");
        assert_eq!(c.unwrap().name, "arn:other");
        assert_eq!(reads.load(Ordering::SeqCst), 2, "one read per policy");
    }

    #[tokio::test]
    async fn a_failed_listing_is_reported_to_every_asker_and_never_counts_as_listed() {
        let memo = RunMemo::default();
        let throttled = ReadError::new(
            "lambda:ListFunctions",
            crate::config::ReadErrorKind::Throttled,
            "Rate exceeded",
        );
        let first = memo.functions(async { Err(throttled.clone()) }).await;
        assert_eq!(first.unwrap_err(), throttled);
        let second = memo.functions(async { Ok(Vec::new()) }).await;
        assert_eq!(second.unwrap_err(), throttled, "one run, one answer");
        assert!(memo.listed_functions().is_none());
    }

    #[test]
    fn clones_share_the_memo_and_a_new_memo_starts_empty() {
        let memo = RunMemo::default();
        let clone = memo.clone();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                clone.functions(async { Ok(Vec::new()) }).await.unwrap();
            });
        assert!(memo.listed_functions().is_some());
        assert!(RunMemo::default().listed_functions().is_none());
    }
}
