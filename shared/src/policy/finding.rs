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
