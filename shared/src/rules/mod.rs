//! The SEC2 rules' logic: pure judgement over configuration items, with reads behind seams.

#[cfg(feature = "aws")]
mod function_reads;
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
