//! Services a role may use but has not (IAM Access Advisor), added to the grant's verdict on the
//! periodic run. Pure.

use super::grant::{problems, verdict};
use super::severity::Severity;
use super::{AccessAdvice, Parameters, RoleGrant};
use crate::config::{Finding, ReadError, Verdict};
use crate::policy::Catalog;

pub const DAY: i64 = 86_400;

/// Services the role may use but has not used for `days` days; `None` when the role is younger
/// than that, so not judged on it.
pub fn unused_services(
    created: Option<i64>,
    advice: &AccessAdvice,
    now: i64,
    days: u32,
) -> Option<Vec<String>> {
    let window = i64::from(days) * DAY;
    if created.is_none_or(|created| now - created < window) {
        return None;
    }
    let unused: Vec<String> = advice
        .services
        .iter()
        .filter(|(_, last)| last.is_none_or(|last| now - last >= window))
        .map(|(service, _)| service.clone())
        .collect();
    Some(unused)
}

/// The periodic verdict: the change verdict, plus services unused for `unused_days`.
pub fn judge_with_usage(
    grant: &RoleGrant,
    advice: Result<&AccessAdvice, &ReadError>,
    now: i64,
    parameters: &Parameters,
    catalog: &Catalog,
) -> Verdict {
    let (mut problems, compliant) = problems(grant, parameters, catalog);
    match advice {
        Err(error) => problems.push(
            Finding::note(
                error.annotation(&format!("IAM Access Advisor for role {}", grant.role_name)),
            )
            .at(format!("role {}", grant.role_name))
            .rated(Severity::Critical),
        ),
        Ok(advice) => {
            if let Some(unused) =
                unused_services(grant.created, advice, now, parameters.unused_days)
                    .filter(|unused| !unused.is_empty())
            {
                problems.push(
                    Finding::note(format!(
                        "role {} has not used {} in {} days; remove those permissions",
                        grant.role_name,
                        unused.join(", "),
                        parameters.unused_days
                    ))
                    .at(format!("role {}", grant.role_name))
                    .rated(Severity::Medium)
                    .fixed_by("Remove the permissions for the services the role has not used."),
                );
            }
        }
    }
    verdict(problems, parameters.severity_threshold, compliant)
}
