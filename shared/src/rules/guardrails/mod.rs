//! Rule `sec2-guardrails`: the organization's service control policies prevent the unsafe
//! serverless changes in the first place (the preventive side of SEC2, beside the four
//! detective rules).
//!
//! Runs in the management account or a delegated administrator, daily and when CloudTrail
//! reports an Organizations policy change. For every account it computes the SCPs in effect
//! (the root's, each OU's on the path, the account's own) and asks whether they surely deny each
//! guardrail's unsafe calls, conditions included (`controls`). Reports `AWS::::Account`:
//! - COMPLIANT, naming the SCP statement that denies each guardrail;
//! - NON_COMPLIANT, naming each missing guardrail, the call left open, the SCP statement that
//!   would close it and the highest OU where attaching it covers the account;
//! - NOT_APPLICABLE for the management account (SCPs never apply to it) and accounts not active.
//!
//! An SCP that cannot be read or parsed counts as possibly allowing and never as denying, so
//! it can only make a guardrail missing, never present.

pub mod controls;
pub mod judge;
pub mod organization;

use std::future::Future;

use crate::config::engine::{Assessed, Periodic};
use crate::config::periodic::PeriodicContext;
use crate::config::{
    ConfigurationItem, EventError, FromRuleParameters, ReadError, Rule, RuleParameters, Verdict,
};
use crate::registry::{RuleSpec, ACCOUNT, GUARDRAILS};

pub use controls::Guardrail;
pub use organization::{Account, Organization, Scp, Unit};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters {
    pub deny_public_functions: bool,
    pub require_function_url_iam_auth: bool,
    pub require_functions_in_vpc: bool,
    pub allowed_vpc_ids: Vec<String>,
    pub deny_access_keys: bool,
    pub access_key_exempt_account_ids: Vec<String>,
    /// The boundary developers' roles must carry; empty turns that guardrail off.
    pub permissions_boundary_arn: String,
    pub protect_config: bool,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            deny_public_functions: true,
            require_function_url_iam_auth: true,
            require_functions_in_vpc: false,
            allowed_vpc_ids: Vec::new(),
            deny_access_keys: true,
            access_key_exempt_account_ids: Vec::new(),
            permissions_boundary_arn: String::new(),
            protect_config: true,
        }
    }
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = GUARDRAILS.parameters;
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        Ok(Parameters {
            deny_public_functions: parameters.flag("DenyPublicFunctions", true)?,
            require_function_url_iam_auth: parameters.flag("RequireFunctionUrlIamAuth", true)?,
            require_functions_in_vpc: parameters.flag("RequireFunctionsInVpc", false)?,
            allowed_vpc_ids: parameters.list("AllowedVpcIds")?,
            deny_access_keys: parameters.flag("DenyAccessKeys", true)?,
            access_key_exempt_account_ids: parameters.list("AccessKeyExemptAccountIds")?,
            permissions_boundary_arn: parameters
                .text("PermissionsBoundaryArn")?
                .unwrap_or_default(),
            protect_config: parameters.flag("ProtectConfig", true)?,
        })
    }
}

/// What this account can see of its organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganizationView {
    /// The account is in no organization.
    None,
    /// A member account that may not read the organization's tree (only its management account
    /// and delegated administrators can).
    Member {
        management_account: String,
    },
    Whole(Organization),
}

/// The reads the rule makes.
pub trait OrganizationReader: Sync {
    /// The whole organization with its SCPs (organizations:Describe*/List*).
    fn organization(&self) -> impl Future<Output = Result<OrganizationView, ReadError>> + Send;
}

/// The rule, with its reads.
#[derive(Debug, Clone)]
pub struct Guardrails<R> {
    reader: R,
}

impl<R: OrganizationReader> Guardrails<R> {
    pub fn new(reader: R) -> Self {
        Guardrails { reader }
    }
}

impl<R: OrganizationReader> Rule for Guardrails<R> {
    const SPEC: &'static RuleSpec = &GUARDRAILS;
    type Parameters = Parameters;

    async fn evaluate(&self, item: &ConfigurationItem, _parameters: &Parameters) -> Verdict {
        Verdict::not_applicable(format!(
            "{} is judged on the rule's periodic run, over the whole organization",
            item.resource_type
        ))
    }

    async fn evaluate_periodic(
        &self,
        parameters: &Parameters,
        context: &PeriodicContext,
    ) -> Result<Option<Periodic>, ReadError> {
        let this_account = |verdict: Verdict| {
            vec![Assessed {
                tags: None,
                resource_type: ACCOUNT.to_owned(),
                resource_id: context
                    .account_id
                    .clone()
                    .unwrap_or_else(|| "this account".to_owned()),
                verdict,
            }]
        };
        let assessed = match self.reader.organization().await? {
            OrganizationView::None => this_account(Verdict::not_applicable(
                "the account is not in an AWS Organization, so no service control policy applies",
            )),
            OrganizationView::Member { management_account } => {
                this_account(Verdict::not_applicable(format!(
                    "the organization's guardrails are judged from its management account ({management_account}) or a delegated administrator; this member account cannot read its SCPs"
                )))
            }
            OrganizationView::Whole(organization) => {
                judge::judge_organization(&organization, &organization.partition, parameters)
                    .into_iter()
                    .map(|(account, verdict)| Assessed {
                        tags: None,
                        resource_type: ACCOUNT.to_owned(),
                        resource_id: account,
                        verdict,
                    })
                    .collect()
            }
        };
        Ok(Some(Periodic::from(assessed)))
    }
}
