//! The SEC2 rules' logic: pure judgement over configuration items, with reads behind seams.

#[cfg(feature = "aws")]
mod function_reads;
#[cfg(feature = "aws")]
pub(crate) use function_reads::environment_of;
pub mod least_privilege;
pub mod network_controls;
#[cfg(feature = "aws")]
mod network_reads;
pub mod resource_policies;
#[cfg(feature = "aws")]
pub mod role_reads;
mod run_order;
pub mod secrets;
pub mod temporary_credentials;

/// Reads in flight at once when a run reads many resources: enough to hide the latency of each
/// call, few enough to stay clear of the APIs' throttling limits.
pub const READ_CONCURRENCY: usize = 8;

/// Lists every role for a periodic run; when that fails, the run reads role by role, so the
/// failure is logged and not fatal.
pub(crate) async fn list_roles_once(
    list: impl std::future::Future<Output = Result<(), String>>,
    deadline: crate::config::Deadline,
) {
    if let Some(Err(reason)) = deadline.bound(list).await {
        tracing::warn!(%reason, "could not list every role at once; reading them one by one");
    }
}
