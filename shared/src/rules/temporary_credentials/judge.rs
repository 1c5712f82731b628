//! The verdict from everything read about one function. Pure.

use super::role_sharing::sharing_problem;
use super::secrets::find_secrets;
use super::trust::{role_name, trust_findings, Trust};
use super::{FunctionFacts, Parameters};
use crate::config::{Finding, ReadError, Severity, Verdict};
use crate::policy::LAMBDA_SERVICE;

/// The verdict on one function: its variables, its role's sharers, its role's trust.
pub fn judge(
    function: &FunctionFacts,
    sharers: Result<&[String], &ReadError>,
    trust: &Trust,
    parameters: &Parameters,
) -> Verdict {
    let mut problems = Vec::new();
    let variables = function
        .variables
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()));
    for (name, kind) in find_secrets(
        variables,
        &parameters.secret_name_patterns,
        &parameters.allowed_variables,
    ) {
        problems.push(
            Finding::note(format!(
                "environment variable {name} holds {kind}; keep it in Secrets Manager or SSM Parameter Store and read it with the function's role"
            ))
            .at(format!("Environment.Variables.{name}"))
            .rated(Severity::High)
            .fixed_by("Store the value in Secrets Manager or SSM Parameter Store, grant the function's role read access to it, and read it at run time (rotate the exposed value)."),
        );
    }
    let role = format!("role {}", role_name(&function.role_arn));
    problems.extend(
        sharing_problem(&function.role_arn, sharers)
            .into_iter()
            .map(|problem| {
                Finding::note(problem)
                    .at(role.clone())
                    .rated(Severity::Medium)
            }),
    );
    let (trust_problems, mut guards) = trust_findings(&function.role_arn, trust);
    problems.extend(trust_problems.into_iter().map(|problem| {
        Finding::note(problem)
            .at(format!("{role} trust policy"))
            .rated(Severity::High)
    }));
    if !problems.is_empty() {
        return Verdict::detailed(crate::config::Compliance::NonCompliant, problems);
    }
    let guard = if guards.is_empty() {
        String::new()
    } else {
        guards.sort();
        guards.dedup();
        format!(", guarded by {}", guards.join(" and "))
    };
    Verdict::compliant(format!(
        "no secrets in {} environment variables; role {} is this function's own and only {LAMBDA_SERVICE} may assume it{guard}",
        function.variables.len(),
        role_name(&function.role_arn)
    ))
}
