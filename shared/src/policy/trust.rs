//! Trust policies: who may assume a role. A function's execution role should be assumable by
//! Lambda alone; everything else the trust policy admits is named.

use super::document::{Effect, PrincipalClause};
use super::Policy;

/// The service principal of AWS Lambda.
pub const LAMBDA_SERVICE: &str = "lambda.amazonaws.com";

/// What the trust policy allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustReview {
    /// Each principal other than Lambda that may assume the role.
    pub problems: Vec<String>,
    /// Guards on Lambda's trust (aws:SourceAccount, aws:SourceArn).
    pub guards: Vec<String>,
}

/// Judges a trust policy: only `lambda.amazonaws.com` may assume the role.
pub fn review_trust(policy: &Policy) -> TrustReview {
    let mut review = TrustReview {
        problems: Vec::new(),
        guards: Vec::new(),
    };
    for statement in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && !s.is_inert())
    {
        let label = statement.label();
        match &statement.principal {
            Some(PrincipalClause::Principal(principals)) => {
                let others = principals
                    .aws
                    .iter()
                    .chain(&principals.federated)
                    .chain(&principals.canonical_user)
                    .chain(
                        principals
                            .service
                            .iter()
                            .filter(|s| !s.eq_ignore_ascii_case(LAMBDA_SERVICE)),
                    )
                    .map(String::as_str);
                let mut others: Vec<&str> = others.collect();
                if principals.wildcard {
                    others.insert(0, "*");
                }
                if !others.is_empty() {
                    review.problems.push(format!(
                        "{label} lets {} assume the role",
                        others.join(", ")
                    ));
                }
                if principals
                    .service
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(LAMBDA_SERVICE))
                {
                    review.guards.extend(
                        statement
                            .conditions
                            .iter()
                            .filter(|c| c.operator.requires_key_to_match())
                            .filter(|c| {
                                c.key_lower == "aws:sourceaccount" || c.key_lower == "aws:sourcearn"
                            })
                            .map(|c| c.key.clone()),
                    );
                }
            }
            Some(PrincipalClause::NotPrincipal(_)) => review.problems.push(format!(
                "{label} lets everyone but the listed principals assume the role (NotPrincipal)"
            )),
            None => review.problems.push(format!("{label} names no principal")),
        }
    }
    review
}
