//! The SEC2 rules' logic: pure judgement over configuration items, with reads behind seams.

mod function_reads;
pub mod least_privilege;
pub mod network_controls;
mod network_reads;
pub mod resource_policies;
pub mod role_reads;
pub mod secrets;
pub mod temporary_credentials;
