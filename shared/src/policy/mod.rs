//! The policy analyzer: what an IAM policy really allows, and to whom. Pure code, no I/O.

pub mod arn;
pub mod catalog;
pub mod condition;
pub mod document;
pub mod error;
pub mod escalation;
pub mod finding;
pub mod glob;
pub mod identity;
pub mod parse;
pub mod resource;
pub mod service;
pub mod trust;
pub mod trust_keys;

pub use arn::Arn;
pub use catalog::{AccessLevel, Catalog, CatalogError};
pub use document::{Effect, Names, Policy, PrincipalClause, Principals, Statement};
pub use error::PolicyError;
pub use finding::{Finding, FindingKind};
pub use identity::{
    analyze_identity_policies, analyze_identity_policy, write_services, IdentityPolicyAnalysis,
    NamedPolicy,
};
pub use resource::{
    analyze_resource_policy, network_limits, NetworkLimits, ResourceContext, ResourcePolicyAnalysis,
};
pub use service::{ResourceService, UnknownService};
