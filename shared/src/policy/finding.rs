//! What the analyzer found, in words a person can act on.

use serde::Serialize;

/// The kind of a finding; each maps to one of the analyzer's flags, or to "cannot decide".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Public,
    CrossAccount,
    UnguardedServicePrincipal,
    FullAdmin,
    WildcardAction,
    ServiceWildcard,
    PrivilegeEscalation,
    /// `iam:PassRole` on every role, with no method to escalate by: milder than escalation.
    PassRoleOnEveryRole,
    WildcardResourceOnWrite,
    /// The analyzer could not tell what the statement allows; it counts against the policy.
    CannotDecide,
    /// A named action the catalogue does not know (new, or misspelt): reported for a person to
    /// check, not on its own a reason to call the grant unsafe.
    UnknownAction,
    /// API Gateway may invoke the resource from any API in the account: `aws:SourceArn` does
    /// not name the API id.
    UnpinnedApi,
    /// API Gateway may invoke the resource from every route of one API: naming the stage,
    /// method and path would admit only the route that needs it. Advice, not a failure.
    UnpinnedApiRoute,
}

impl FindingKind {
    /// Advice for a person to weigh, which on its own does not fail a resource.
    pub fn is_advice(self) -> bool {
        matches!(
            self,
            FindingKind::UnknownAction | FindingKind::UnpinnedApiRoute
        )
    }
}

/// One finding about one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// Position of the statement in the policy, from 0 as in `Statement[0]`; `None` when the
    /// finding is about the policy as a whole.
    pub statement: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The policy the statement belongs to, when the analysis was given its name (a role's
    /// inline policy, or a managed policy's ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// One sentence: what is wrong and what to change.
    pub message: String,
    /// The condition keys that narrow the grant, when some do but not enough.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub restricted_by: Vec<String>,
}

impl FindingKind {
    /// How to fix a finding of this kind, in one sentence.
    pub fn fix(self) -> &'static str {
        match self {
            FindingKind::Public => "Remove Principal \"*\" from the statement, or add a condition that names who may call (aws:PrincipalOrgID, aws:SourceAccount, aws:SourceVpce).",
            FindingKind::CrossAccount => "Remove the account from the statement, or list it in AllowedAccountIds / AllowedOrganizationIds if it is meant to call.",
            FindingKind::UnguardedServicePrincipal => "Add aws:SourceArn (the resource that calls) or aws:SourceAccount (your account) to the statement's condition.",
            FindingKind::FullAdmin => "Replace Action \"*\" on Resource \"*\" with the actions and resources the function uses.",
            FindingKind::WildcardAction | FindingKind::ServiceWildcard => "Name the actions the function calls instead of a wildcard (Access Advisor and CloudTrail show which).",
            FindingKind::PrivilegeEscalation => "Remove the IAM actions that let the role grant itself more, or scope them to named resources with a permissions boundary.",
            FindingKind::PassRoleOnEveryRole => "Scope iam:PassRole to the roles the function passes, with iam:PassedToService.",
            FindingKind::WildcardResourceOnWrite => "Name the resources the writes apply to instead of \"*\".",
            FindingKind::CannotDecide => "Rewrite the statement so its principals, actions and conditions can be read: what cannot be read is not passed.",
            FindingKind::UnknownAction => "Check the action's name against the service's documented actions.",
            FindingKind::UnpinnedApi => "Name the API id in aws:SourceArn (arn:aws:execute-api:REGION:ACCOUNT:API_ID/*).",
            FindingKind::UnpinnedApiRoute => "Name the stage, method and path in aws:SourceArn so only the route that needs it may call.",
        }
    }
}

impl Finding {
    /// The statement at fault, as a person finds it: `Statement[0] "Sid" of POLICY`.
    pub fn element(&self) -> Option<String> {
        let statement = self.statement.map(|index| match &self.sid {
            Some(sid) => format!("Statement[{index}] \"{sid}\""),
            None => format!("Statement[{index}]"),
        });
        match (statement, &self.policy) {
            (Some(statement), Some(policy)) => Some(format!("{statement} of {policy}")),
            (Some(statement), None) => Some(statement),
            (None, Some(policy)) => Some(policy.clone()),
            (None, None) => None,
        }
    }

    /// The finding as a verdict reports it, with how urgent it is.
    pub fn reported(&self, severity: crate::config::Severity) -> crate::config::Finding {
        let reported = crate::config::Finding::note(self.message.clone())
            .rated(severity)
            .fixed_by(self.kind.fix());
        match self.element() {
            Some(element) => reported.at(element),
            None => reported,
        }
    }
}
