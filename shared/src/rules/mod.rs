//! The SEC2 practices, one folder each: pure judgement over configuration items, with the reads
//! each rule needs behind its port (a trait in the folder's `mod.rs`; the AWS adapters are in
//! `aws/`). Which rules there are is in `registry`.
//!
//! | practice | folder |
//! |---|---|
//! | 1. Evaluate and define resource policies | `resource_policies/` |
//! | 2. Use temporary credentials between resources and components | `temporary_credentials/` |
//! | 3. Design smaller, single purpose functions | `least_privilege/` |
//! | 4. Control network traffic at all layers | `network_controls/` |
//! | the organization's preventive guardrails (SCPs) | `guardrails/` |

pub mod guardrails;
pub mod least_privilege;
pub mod network_controls;
pub mod public_by_design;
pub mod resource_policies;
pub mod temporary_credentials;

use std::future::Future;

use crate::config::Rule;
use crate::registry::RuleId;

/// Whatever runs a rule without knowing which: `sec2 evaluate` and `sec2 scan`.
pub trait RuleVisitor {
    type Output;
    fn visit<R: Rule>(self, rule: R) -> impl Future<Output = Self::Output>;
}

/// Builds the rule `id` over `reader` (anything that serves every rule's port, such as
/// `aws::AwsClients`) and hands it to `visitor`. The one place a rule id becomes a rule.
pub async fn with_rule<C, V>(id: RuleId, reader: C, visitor: V) -> V::Output
where
    C: resource_policies::PolicyReader
        + crate::config::RecordedResources
        + temporary_credentials::FunctionReader
        + least_privilege::RoleReader
        + network_controls::NetworkReader
        + guardrails::OrganizationReader,
    V: RuleVisitor,
{
    match id {
        RuleId::ResourcePolicies => {
            let rule = resource_policies::ResourcePolicies::new(reader);
            visitor.visit(rule).await
        }
        RuleId::TemporaryCredentials => {
            let rule = temporary_credentials::TemporaryCredentials::new(reader);
            visitor.visit(rule).await
        }
        RuleId::LeastPrivilege => {
            visitor
                .visit(least_privilege::LeastPrivilege::new(reader))
                .await
        }
        RuleId::NetworkControls => {
            let rule = network_controls::NetworkControls::new(reader);
            visitor.visit(rule).await
        }
        RuleId::Guardrails => visitor.visit(guardrails::Guardrails::new(reader)).await,
    }
}
