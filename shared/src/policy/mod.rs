//! The policy analyzer: what an IAM policy really allows, and to whom. Pure code, no I/O.

mod arn;
mod catalog;
mod condition;
mod condition_keys;
mod document;
mod error;
mod escalation;
mod finding;
mod glob;
mod identity;
mod interpolate;
mod parse;
mod request;
mod resource;
mod service;
mod trust;

pub use arn::{is_account_id, Arn};
pub use catalog::{AccessLevel, Catalog};
pub use condition::{BaseOperator, Condition, Operator, SetQualifier};
pub use document::{Effect, Names, Policy, PrincipalClause, Principals, Statement};
pub use error::PolicyError;
pub use finding::{Finding, FindingKind};
pub use glob::matches as glob_matches;
pub use identity::{
    analyze_identity_policies, analyze_identity_policy, write_services, IdentityPolicyAnalysis,
    NamedPolicy,
};
pub use interpolate::interpolate;
pub use request::{statement_applies, Applies, Request};
pub use resource::{
    analyze_resource_policy, network_limits, NetworkLimits, ResourceContext, ResourcePolicyAnalysis,
};
pub use service::{ResourceService, UnknownService};

pub use parse::{parse_ip_block, PolicyKind, MAX_IDENTITY_POLICY_CHARS, MAX_POLICY_BYTES};
pub use trust::{review_trust, TrustReview, LAMBDA_SERVICE};
