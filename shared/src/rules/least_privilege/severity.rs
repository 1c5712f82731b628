//! How serious a least-privilege finding is, and which are the baseline a Lambda function
//! cannot do without. The rule fails a role from the `SeverityThreshold` parameter up; what is
//! below it is named in the compliant verdict, never hidden.

use crate::policy::{Finding, FindingKind};

pub use crate::config::Severity;

/// The AWS managed policies Lambda documents for execution roles (logs, VPC interfaces, event
/// sources, tracing). Their writes on `*` are what every function of that kind needs; SAM
/// attaches AWSLambdaBasicExecutionRole to every function that has no role of its own.
pub const BASELINE_EXECUTION_POLICIES: &[&str] = &[
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaBasicDurableExecutionRolePolicy",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaENIManagementAccess",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaMSKExecutionRole",
    "AWSXRayDaemonWriteAccess",
    "CloudWatchLambdaInsightsExecutionRolePolicy",
];

/// Whether `policy` (a managed policy ARN) is one of AWS's baseline execution policies.
pub fn is_baseline_policy(policy: &str) -> bool {
    policy.contains(":iam::aws:policy/")
        && policy
            .rsplit('/')
            .next()
            .is_some_and(|name| BASELINE_EXECUTION_POLICIES.contains(&name))
}

/// The severity of an analyzer finding on a role's grant.
pub fn of_finding(finding: &Finding) -> Severity {
    match finding.kind {
        FindingKind::FullAdmin | FindingKind::CannotDecide => Severity::Critical,
        FindingKind::PrivilegeEscalation => Severity::High,
        FindingKind::WildcardResourceOnWrite if from_baseline(finding) => Severity::Low,
        FindingKind::UnknownAction => Severity::Low,
        _ => Severity::Medium,
    }
}

/// Whether the finding is on a statement of a baseline execution policy.
fn from_baseline(finding: &Finding) -> bool {
    finding.policy.as_deref().is_some_and(is_baseline_policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Low < Severity::Medium && Severity::High < Severity::Critical);
        assert_eq!(Severity::parse(" HIGH "), Some(Severity::High));
        assert_eq!(Severity::parse("severe"), None);
        assert_eq!(Severity::Critical.capped(), Severity::High);
    }

    #[test]
    fn baseline_policies_are_aws_managed_lambda_execution_policies() {
        assert!(is_baseline_policy(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        ));
        assert!(is_baseline_policy(
            "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
        ));
        // A customer policy of the same name is not AWS's.
        assert!(!is_baseline_policy(
            "arn:aws:iam::111122223333:policy/AWSLambdaBasicExecutionRole"
        ));
        assert!(!is_baseline_policy(
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ));
    }
}
