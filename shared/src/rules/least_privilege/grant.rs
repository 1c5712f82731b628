//! The verdict on a role's whole grant: inline, managed and boundary policies, analyzed
//! together. Pure.

use super::severity::{self, Severity};
use super::{Parameters, PolicyText, RoleGrant, BLOCKED_MANAGED_POLICIES};
use crate::config::{Finding, Verdict};
use crate::policy::{
    analyze_identity_policies, write_services, Catalog, FindingKind, IdentityPolicyAnalysis,
    NamedPolicy, Policy,
};

/// Problems with the grant, each rated.
pub(super) type Problems = Vec<Finding>;

fn parse_all(policies: &[PolicyText], problems: &mut Problems) -> Vec<(String, Policy)> {
    policies
        .iter()
        .filter_map(|text| match Policy::parse_identity(&text.document) {
            Ok(policy) => Some((text.name.clone(), policy)),
            Err(err) => {
                let problem = format!("could not read {}: {err}", text.name);
                problems.push(
                    Finding::note(problem)
                        .at(text.name.clone())
                        .rated(Severity::Critical)
                        .fixed_by(FindingKind::CannotDecide.fix()),
                );
                None
            }
        })
        .collect()
}

fn flag(analysis: &IdentityPolicyAnalysis, kind: FindingKind) -> bool {
    match kind {
        FindingKind::FullAdmin => analysis.full_admin,
        FindingKind::PrivilegeEscalation => analysis.privilege_escalation,
        FindingKind::ServiceWildcard => analysis.service_wildcard,
        FindingKind::WildcardAction => analysis.wildcard_action,
        FindingKind::WildcardResourceOnWrite => analysis.wildcard_resource_on_write,
        _ => true,
    }
}

/// The verdict on a role's whole grant. Pure.
pub fn judge(grant: &RoleGrant, parameters: &Parameters, catalog: &Catalog) -> Verdict {
    let (problems, compliant) = problems(grant, parameters, catalog);
    verdict(problems, parameters.severity_threshold, compliant)
}

/// Every problem with the grant, and what a compliant verdict says.
pub(super) fn problems(
    grant: &RoleGrant,
    parameters: &Parameters,
    catalog: &Catalog,
) -> (Problems, String) {
    let mut problems: Problems = Vec::new();
    for attached in &grant.attached {
        let blocked = BLOCKED_MANAGED_POLICIES
            .iter()
            .any(|arn| *arn == attached.name)
            || parameters.blocked_policy_arns.contains(&attached.name);
        if blocked {
            problems.push(Finding::note(format!(
                "role {} has {} attached; replace it with a policy naming the actions and resources the function uses",
                grant.role_name, attached.name
            )).at(attached.name.clone()).rated(Severity::Critical));
        }
    }
    let mut policies = parse_all(&grant.inline, &mut problems);
    policies.extend(parse_all(&grant.attached, &mut problems));
    let boundary = grant.boundary.as_ref().map(|b| {
        (
            b.name.clone(),
            parse_all(std::slice::from_ref(b), &mut problems),
        )
    });
    let named: Vec<NamedPolicy<'_>> = policies
        .iter()
        .map(|(name, policy)| NamedPolicy {
            name: Some(name.as_str()),
            policy,
        })
        .collect();
    let analysis = analyze_identity_policies(&named, catalog);
    let boundary_analysis = boundary.as_ref().and_then(|(name, parsed)| {
        let named: Vec<NamedPolicy<'_>> = parsed
            .iter()
            .map(|(_, policy)| NamedPolicy { name: None, policy })
            .collect();
        (!named.is_empty()).then(|| (name.clone(), analyze_identity_policies(&named, catalog)))
    });
    for finding in &analysis.findings {
        let level = severity::of_finding(finding);
        match &boundary_analysis {
            Some((boundary, capped)) if !flag(capped, finding.kind) => {
                let message = if finding.kind == FindingKind::FullAdmin {
                    finding
                        .message
                        .replace("(full administrator)", "(a wildcard grant)")
                } else {
                    finding.message.clone()
                };
                let mut capped = finding.reported(level.capped());
                capped.message = format!("{message} (capped by permissions boundary {boundary})");
                problems.push(capped);
            }
            _ => problems.push(finding.reported(level)),
        }
    }
    if parameters.require_permissions_boundary && grant.boundary.is_none() {
        problems.push(
            Finding::note(format!(
                "role {} has no permissions boundary, which RequirePermissionsBoundary asks for",
                grant.role_name
            ))
            .at(format!("role {}", grant.role_name))
            .rated(Severity::Medium)
            .fixed_by("Attach the permissions boundary your organization requires to the role (PermissionsBoundary in the template)."),
        );
    }
    let services = write_services(&named, catalog);
    if services.len() > parameters.max_services as usize {
        let listed: Vec<&str> = services.iter().map(String::as_str).take(8).collect();
        let more = services.len().saturating_sub(listed.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        problems.push(Finding::note(format!(
            "role {} can write to {} services ({}{more}), more than MaxServices {}; split the function by purpose",
            grant.role_name,
            services.len(),
            listed.join(", "),
            parameters.max_services
        )).at(format!("role {}", grant.role_name)).rated(Severity::Medium).fixed_by("Split the function by purpose, each with a role writing to the services it uses."));
    }
    let compliant = format!(
        "role {} grants named actions on named resources in {} services through {} policies",
        grant.role_name,
        services.len(),
        policies.len()
    );
    (problems, compliant)
}

/// NON_COMPLIANT with the problems at or above `threshold`, most severe first; else COMPLIANT,
/// naming those below it ("baseline: ...").
pub(super) fn verdict(mut problems: Problems, threshold: Severity, compliant: String) -> Verdict {
    // A stable sort keeps the analyzer's order within a severity.
    problems.sort_by_key(|problem| std::cmp::Reverse(problem.severity));
    let (failing, below): (Vec<_>, Vec<_>) = problems
        .into_iter()
        .partition(|problem| problem.severity >= Some(threshold));
    if !failing.is_empty() {
        return Verdict::detailed(crate::config::Compliance::NonCompliant, failing);
    }
    if below.is_empty() {
        return Verdict::compliant(compliant);
    }
    let messages: Vec<&str> = below
        .iter()
        .map(|problem| problem.message.as_str())
        .collect();
    Verdict::listing(
        crate::config::Compliance::Compliant,
        &[format!(
            "no finding at or above {}; baseline: {}",
            threshold.as_str(),
            messages.join("; ")
        )],
    )
}
