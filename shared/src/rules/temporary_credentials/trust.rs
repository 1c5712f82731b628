//! Only Lambda may assume the role: the trust policy, reviewed by the analyzer, as problems and
//! guards for the annotation.

use crate::config::ReadError;
use crate::policy::{review_trust, Arn, Policy, LAMBDA_SERVICE};

/// The trust policy as read: parsed, or why it could not be.
#[derive(Debug, Clone, PartialEq)]
pub enum Trust {
    Read(Policy),
    Unreadable(String),
}

impl Trust {
    /// From a read of the document (URL-encoded, as IAM returns it).
    pub fn from_read(role_arn: &str, read: Result<String, ReadError>) -> Self {
        let what = format!("the trust policy of {}", role_name(role_arn));
        match read {
            Ok(text) => match Policy::parse(&text) {
                Ok(policy) => Trust::Read(policy),
                Err(err) => Trust::Unreadable(format!("could not read {what}: {err}")),
            },
            Err(error) => Trust::Unreadable(error.annotation(&what)),
        }
    }
}

/// The trust policy's problems, and the guards on Lambda's trust (aws:SourceAccount,
/// aws:SourceArn) for a compliant annotation.
pub fn trust_findings(role_arn: &str, trust: &Trust) -> (Vec<String>, Vec<String>) {
    let role_name = role_name(role_arn);
    match trust {
        Trust::Read(policy) => {
            let review = review_trust(policy);
            let problems = review
                .problems
                .into_iter()
                .map(|p| format!("trust policy of {role_name}: {p}; only {LAMBDA_SERVICE} should"))
                .collect();
            (problems, review.guards)
        }
        Trust::Unreadable(reason) => (vec![reason.clone()], Vec::new()),
    }
}

pub fn role_name(role_arn: &str) -> &str {
    Arn::parse(role_arn)
        .and_then(|arn| arn.resource.rsplit('/').next())
        .unwrap_or(role_arn)
}
