//! Rule `sec2-least-privilege` (SEC2 practice 3, "Design smaller, single purpose functions").
//!
//! Trigger: changes of AWS::Lambda::Function. Scenarios, for the function's execution role:
//! 1. An attached AdministratorAccess, PowerUserAccess, IAMFullAccess (or a policy in
//!    BlockedPolicyArns): NON_COMPLIANT.
//! 2. Full admin, privilege escalation, service or other wildcard actions, or write actions on
//!    `"*"` that could name resources: NON_COMPLIANT, naming the statement and policy. Explicit
//!    Deny narrows the grant; a grant the permissions boundary caps is reported as capped.
//! 3. RequirePermissionsBoundary and no boundary: NON_COMPLIANT.
//! 4. Write access to more than MaxServices services: NON_COMPLIANT, listing them.
//! 5. A policy that cannot be read: NON_COMPLIANT, saying which.

use std::future::Future;

use crate::config::evaluation::annotate;
use crate::config::{
    ConfigurationItem, EventError, FromRuleParameters, Rule, RuleParameters, Verdict,
};
use crate::policy::{
    analyze_identity_policies, write_services, Catalog, FindingKind, IdentityPolicyAnalysis,
    NamedPolicy, Policy,
};

pub const RESOURCE_TYPES: &[&str] = &["AWS::Lambda::Function"];

/// AWS managed policies no function role should hold, whatever the parameters say.
pub const BLOCKED_MANAGED_POLICIES: &[&str] = &[
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess-Amplify",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters {
    pub blocked_policy_arns: Vec<String>,
    pub require_permissions_boundary: bool,
    pub max_services: u32,
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = &[
        "BlockedPolicyArns",
        "RequirePermissionsBoundary",
        "MaxServices",
        "UnusedDays",
    ];
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        // UnusedDays belongs to the Access Advisor check of the periodic run; it is validated here.
        parameters.number("UnusedDays", 90, 1..=3650)?;
        Ok(Parameters {
            blocked_policy_arns: parameters.list("BlockedPolicyArns")?,
            require_permissions_boundary: parameters.flag("RequirePermissionsBoundary", false)?,
            max_services: parameters.number("MaxServices", 5, 1..=400)?,
        })
    }
}

/// A policy document as IAM returned it (URL-encoded), with the name findings use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyText {
    /// `inline policy NAME` or the managed policy's ARN.
    pub name: String,
    pub document: String,
}

/// Everything a role is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    pub role_name: String,
    pub inline: Vec<PolicyText>,
    /// Attached managed policies, each with its default version's document.
    pub attached: Vec<PolicyText>,
    pub boundary: Option<PolicyText>,
}

/// The reads the rule makes.
pub trait RoleReader: Sync {
    /// iam:GetRole, ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies, GetPolicy,
    /// GetPolicyVersion (the default version), and the same for the permissions boundary.
    fn role_grant(&self, role_name: &str)
        -> impl Future<Output = Result<RoleGrant, String>> + Send;
}

fn parse_all(policies: &[PolicyText], problems: &mut Vec<String>) -> Vec<(String, Policy)> {
    policies
        .iter()
        .filter_map(|text| match Policy::parse(&text.document) {
            Ok(policy) => Some((text.name.clone(), policy)),
            Err(err) => {
                problems.push(format!("could not read {}: {err}", text.name));
                None
            }
        })
        .collect()
}

fn severity(kind: FindingKind) -> u8 {
    match kind {
        FindingKind::FullAdmin => 0,
        FindingKind::PrivilegeEscalation => 1,
        FindingKind::CannotDecide => 2,
        FindingKind::ServiceWildcard => 3,
        FindingKind::WildcardAction => 4,
        FindingKind::WildcardResourceOnWrite => 5,
        _ => 6,
    }
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
    let mut problems = Vec::new();
    for attached in &grant.attached {
        let blocked = BLOCKED_MANAGED_POLICIES
            .iter()
            .any(|arn| *arn == attached.name)
            || parameters.blocked_policy_arns.contains(&attached.name);
        if blocked {
            problems.push(format!(
                "role {} has {} attached; replace it with a policy naming the actions and resources the function uses",
                grant.role_name, attached.name
            ));
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
    let mut findings: Vec<_> = analysis.findings.iter().collect();
    findings.sort_by_key(|finding| severity(finding.kind));
    for finding in findings {
        match &boundary_analysis {
            Some((boundary, capped)) if !flag(capped, finding.kind) => {
                let message = if finding.kind == FindingKind::FullAdmin {
                    finding
                        .message
                        .replace("(full administrator)", "(a wildcard grant)")
                } else {
                    finding.message.clone()
                };
                problems.push(format!(
                    "{message} (capped by permissions boundary {boundary})"
                ));
            }
            _ => problems.push(finding.message.clone()),
        }
    }
    if parameters.require_permissions_boundary && grant.boundary.is_none() {
        problems.push(format!(
            "role {} has no permissions boundary, which RequirePermissionsBoundary asks for",
            grant.role_name
        ));
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
        problems.push(format!(
            "role {} can write to {} services ({}{more}), more than MaxServices {}; split the function by purpose",
            grant.role_name,
            services.len(),
            listed.join(", "),
            parameters.max_services
        ));
    }
    if problems.is_empty() {
        return Verdict::compliant(format!(
            "role {} grants named actions on named resources in {} services through {} policies",
            grant.role_name,
            services.len(),
            policies.len()
        ));
    }
    Verdict::non_compliant(annotate(&problems))
}

/// The rule, with its reads.
#[derive(Debug, Clone)]
pub struct LeastPrivilege<R> {
    reader: R,
}

impl<R: RoleReader> LeastPrivilege<R> {
    pub fn new(reader: R) -> Self {
        LeastPrivilege { reader }
    }
}

impl<R: RoleReader> Rule for LeastPrivilege<R> {
    const NAME: &'static str = "least-privilege";
    type Parameters = Parameters;

    fn resource_types(&self) -> &'static [&'static str] {
        RESOURCE_TYPES
    }

    async fn evaluate(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        let Some(role_arn) = item.configuration_at(&["role"]).and_then(|v| v.as_str()) else {
            return Verdict::non_compliant(
                "the configuration item names no execution role, so it cannot be judged",
            );
        };
        let role_name = role_arn.rsplit('/').next().unwrap_or(role_arn);
        let catalog = match Catalog::embedded() {
            Ok(catalog) => catalog,
            Err(err) => {
                return Verdict::non_compliant(format!("the action catalogue is unreadable: {err}"))
            }
        };
        match self.reader.role_grant(role_name).await {
            Ok(grant) => judge(&grant, parameters, catalog),
            Err(reason) => Verdict::non_compliant(format!(
                "could not read the policies of role {role_name}: {reason}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Compliance;

    fn text(name: &str, document: &str) -> PolicyText {
        PolicyText {
            name: name.to_owned(),
            document: document.to_owned(),
        }
    }

    fn grant(inline: &[&str], attached: &[(&str, &str)], boundary: Option<&str>) -> RoleGrant {
        RoleGrant {
            role_name: "airline-booking".to_owned(),
            inline: inline
                .iter()
                .enumerate()
                .map(|(i, d)| text(&format!("inline policy p{i}"), d))
                .collect(),
            attached: attached.iter().map(|(arn, d)| text(arn, d)).collect(),
            boundary: boundary.map(|d| text("arn:aws:iam::111122223333:policy/boundary", d)),
        }
    }

    fn defaults() -> Parameters {
        Parameters {
            blocked_policy_arns: Vec::new(),
            require_permissions_boundary: false,
            max_services: 5,
        }
    }

    fn verdict(grant: &RoleGrant, parameters: &Parameters) -> Verdict {
        judge(grant, parameters, Catalog::embedded().unwrap())
    }

    const ADMIN: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const SCOPED: &str = r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/bookings"}]}"#;

    #[test]
    fn scenario_1_attached_administrator_access_is_named() {
        let result = verdict(
            &grant(
                &[],
                &[("arn:aws:iam::aws:policy/AdministratorAccess", ADMIN)],
                None,
            ),
            &defaults(),
        );
        assert_eq!(result.compliance, Compliance::NonCompliant);
        assert!(
            result.annotation.starts_with(
                "role airline-booking has arn:aws:iam::aws:policy/AdministratorAccess attached"
            ),
            "{}",
            result.annotation
        );
        let custom = Parameters {
            blocked_policy_arns: vec!["arn:aws:iam::111122223333:policy/legacy".to_owned()],
            ..defaults()
        };
        let blocked = verdict(
            &grant(
                &[],
                &[("arn:aws:iam::111122223333:policy/legacy", SCOPED)],
                None,
            ),
            &custom,
        );
        assert_eq!(blocked.compliance, Compliance::NonCompliant);
    }

    #[test]
    fn scenario_2_broad_statements_are_named_with_their_policy() {
        let result = verdict(
            &grant(
                &[r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#],
                &[],
                None,
            ),
            &defaults(),
        );
        assert_eq!(result.compliance, Compliance::NonCompliant);
        assert!(
            result
                .annotation
                .starts_with("Statement[0] of inline policy p0"),
            "{}",
            result.annotation
        );
    }

    #[test]
    fn scenario_2_a_boundary_caps_an_admin_grant_and_says_so() {
        let boundary =
            r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem"],"Resource":"*"}]}"#;
        let result = verdict(&grant(&[ADMIN], &[], Some(boundary)), &defaults());
        assert_eq!(result.compliance, Compliance::NonCompliant);
        assert!(
            result
                .annotation
                .contains("every resource (a wildcard grant)"),
            "{}",
            result.annotation
        );
        assert!(result.annotation.contains(
            "(capped by permissions boundary arn:aws:iam::111122223333:policy/boundary)"
        ));
        assert!(!result.annotation.contains("full administrator"));
    }

    #[test]
    fn scenario_2_an_explicit_deny_narrows_the_grant() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"},{"Effect":"Deny","Action":"iam:PassRole","Resource":"*"}]}"#;
        assert_eq!(
            verdict(&grant(&[policy, SCOPED], &[], None), &defaults()).compliance,
            Compliance::Compliant
        );
    }

    #[test]
    fn scenario_3_a_required_boundary_must_be_there() {
        let strict = Parameters {
            require_permissions_boundary: true,
            ..defaults()
        };
        let result = verdict(&grant(&[SCOPED], &[], None), &strict);
        assert_eq!(result.annotation, "role airline-booking has no permissions boundary, which RequirePermissionsBoundary asks for");
        assert_eq!(
            verdict(&grant(&[SCOPED], &[], Some(SCOPED)), &strict).compliance,
            Compliance::Compliant
        );
    }

    #[test]
    fn scenario_4_too_many_services_are_listed() {
        let many = r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","sns:Publish","sqs:SendMessage","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"}]}"#;
        let narrow = Parameters {
            max_services: 3,
            ..defaults()
        };
        let result = verdict(&grant(&[many], &[], None), &narrow);
        assert!(
            result.annotation.contains(
                "can write to 4 services (dynamodb, s3, sns, sqs), more than MaxServices 3"
            ),
            "{}",
            result.annotation
        );
        assert_eq!(
            verdict(&grant(&[many], &[], None), &defaults()).compliance,
            Compliance::Compliant
        );
    }

    #[test]
    fn scenario_5_an_unreadable_policy_is_never_compliant() {
        let result = verdict(&grant(&["{\"Statement\": 5}"], &[], None), &defaults());
        assert_eq!(result.compliance, Compliance::NonCompliant);
        assert!(
            result
                .annotation
                .starts_with("could not read inline policy p0"),
            "{}",
            result.annotation
        );
    }

    #[test]
    fn a_scoped_single_purpose_role_is_compliant() {
        let result = verdict(&grant(&[SCOPED], &[], None), &defaults());
        assert_eq!(result.compliance, Compliance::Compliant);
        assert_eq!(result.annotation, "role airline-booking grants named actions on named resources in 1 services through 1 policies");
    }
}
