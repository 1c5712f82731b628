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

use std::collections::{BTreeSet, HashMap};
use std::future::{self, Future};

use futures_util::stream::{self, StreamExt};

use super::{list_roles_once, run_order, READ_CONCURRENCY};
use crate::config::evaluation::annotate;
use crate::config::{
    Assessed, ConfigurationItem, Deadline, EventError, FromRuleParameters, Periodic, Rule,
    RuleParameters, Verdict,
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
    /// Services granted but unused for this many days fail the periodic run.
    pub unused_days: u32,
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = &[
        "BlockedPolicyArns",
        "RequirePermissionsBoundary",
        "MaxServices",
        "UnusedDays",
    ];
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        Ok(Parameters {
            unused_days: parameters.number("UnusedDays", 90, 1..=3650)?,
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
    /// When the role was created, in seconds since the epoch.
    pub created: Option<i64>,
}

/// IAM Access Advisor's view of a role: each service it may use and when it last did, in
/// seconds since the epoch (`None`: never in the tracking period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessAdvice {
    pub services: Vec<(String, Option<i64>)>,
}

/// The reads the rule makes.
pub trait RoleReader: Sync {
    /// iam:GetRole, ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies, GetPolicy,
    /// GetPolicyVersion (the default version), and the same for the permissions boundary.
    fn role_grant(&self, role_name: &str)
        -> impl Future<Output = Result<RoleGrant, String>> + Send;
    /// lambda:ListFunctions: every function's name and execution role, for the periodic run.
    fn function_roles(&self) -> impl Future<Output = Result<Vec<(String, String)>, String>> + Send;
    /// iam:GenerateServiceLastAccessedDetails, then GetServiceLastAccessedDetails until done.
    fn access_advice(
        &self,
        role_arn: &str,
    ) -> impl Future<Output = Result<AccessAdvice, String>> + Send;
    /// iam:GetAccountAuthorizationDetails: every role at once, so that `role_grant` answers
    /// without four calls per role. When it fails, `role_grant` reads role by role.
    fn list_roles(&self) -> impl Future<Output = Result<(), String>> + Send {
        async { Ok(()) }
    }
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

const DAY: i64 = 86_400;

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
    advice: Result<&AccessAdvice, &str>,
    now: i64,
    parameters: &Parameters,
    catalog: &Catalog,
) -> Verdict {
    let verdict = judge(grant, parameters, catalog);
    let usage_problem = match advice {
        Err(reason) => Some(format!(
            "could not read IAM Access Advisor for role {}: {reason}",
            grant.role_name
        )),
        Ok(advice) => match unused_services(grant.created, advice, now, parameters.unused_days) {
            Some(unused) if !unused.is_empty() => Some(format!(
                "role {} has not used {} in {} days; remove those permissions",
                grant.role_name,
                unused.join(", "),
                parameters.unused_days
            )),
            _ => None,
        },
    };
    match usage_problem {
        None => verdict,
        Some(problem) if verdict.compliance == crate::config::Compliance::Compliant => {
            Verdict::non_compliant(problem)
        }
        Some(problem) => Verdict::non_compliant(annotate(&[verdict.annotation, problem])),
    }
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
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

    async fn evaluate_periodic(
        &self,
        parameters: &Parameters,
        _: Option<&str>,
        deadline: Deadline,
    ) -> Result<Option<Periodic>, String> {
        let catalog = Catalog::embedded().map_err(|err| err.to_string())?;
        let functions = self.reader.function_roles().await?;
        list_roles_once(self.reader.list_roles(), deadline).await;
        let now = now_seconds();
        // Each role is read once, however many functions share it, a few at a time; a read still
        // in flight at the deadline is dropped and its functions left for the next run.
        // Owned role names keep the stream's future Send (borrowed ones trip rustc's
        // higher-ranked lifetime check).
        let roles: BTreeSet<String> = functions.iter().map(|(_, role)| role.clone()).collect();
        let roles = run_order::for_this_run(roles.into_iter().collect());
        let verdicts: HashMap<String, Verdict> = stream::iter(roles)
            .map(|role_arn| async move {
                let role_name = role_arn.rsplit('/').next().unwrap_or(&role_arn);
                let read = async {
                    let grant = self.reader.role_grant(role_name).await?;
                    let advice = self.reader.access_advice(&role_arn).await;
                    Ok::<_, String>((grant, advice))
                };
                let verdict = match deadline.bound(read).await? {
                    Err(reason) => Verdict::non_compliant(format!(
                        "could not read the policies of role {role_name}: {reason}"
                    )),
                    Ok((grant, advice)) => judge_with_usage(
                        &grant,
                        advice.as_ref().map_err(String::as_str),
                        now,
                        parameters,
                        catalog,
                    ),
                };
                Some((role_arn, verdict))
            })
            .buffer_unordered(READ_CONCURRENCY)
            .filter_map(future::ready)
            .collect()
            .await;
        let assessed: Vec<Assessed> = functions
            .iter()
            .filter_map(|(name, role_arn)| {
                verdicts.get(role_arn.as_str()).map(|verdict| Assessed {
                    resource_type: "AWS::Lambda::Function".to_owned(),
                    resource_id: name.clone(),
                    verdict: verdict.clone(),
                })
            })
            .collect();
        Ok(Some(Periodic {
            unfinished: functions.len() - assessed.len(),
            assessed,
        }))
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
            created: Some(0),
        }
    }

    fn defaults() -> Parameters {
        Parameters {
            blocked_policy_arns: Vec::new(),
            require_permissions_boundary: false,
            max_services: 5,
            unused_days: 90,
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
    fn unused_services_are_judged_only_on_roles_older_than_the_window() {
        let now = 400 * DAY;
        let advice = AccessAdvice {
            services: vec![
                ("dynamodb".to_owned(), Some(now - DAY)),
                ("sqs".to_owned(), Some(now - 100 * DAY)),
                ("sns".to_owned(), None),
            ],
        };
        assert_eq!(
            unused_services(Some(0), &advice, now, 90),
            Some(vec!["sqs".to_owned(), "sns".to_owned()])
        );
        assert_eq!(
            unused_services(Some(now - 10 * DAY), &advice, now, 90),
            None,
            "a young role is not judged"
        );
        let result = judge_with_usage(
            &grant(&[SCOPED], &[], None),
            Ok(&advice),
            now,
            &defaults(),
            Catalog::embedded().unwrap(),
        );
        assert_eq!(
            result.annotation,
            "role airline-booking has not used sqs, sns in 90 days; remove those permissions"
        );
        let unreadable = judge_with_usage(
            &grant(&[SCOPED], &[], None),
            Err("AccessDenied"),
            now,
            &defaults(),
            Catalog::embedded().unwrap(),
        );
        assert_eq!(unreadable.compliance, Compliance::NonCompliant);
    }

    #[test]
    fn a_scoped_single_purpose_role_is_compliant() {
        let result = verdict(&grant(&[SCOPED], &[], None), &defaults());
        assert_eq!(result.compliance, Compliance::Compliant);
        assert_eq!(result.annotation, "role airline-booking grants named actions on named resources in 1 services through 1 policies");
    }

    /// Roles `fast-0`..`fast-9` answer at once; `hung` never does.
    struct OneHungRole;

    impl RoleReader for OneHungRole {
        async fn role_grant(&self, role_name: &str) -> Result<RoleGrant, String> {
            if role_name == "hung" {
                std::future::pending::<()>().await;
            }
            Ok(RoleGrant {
                role_name: role_name.to_owned(),
                ..grant(&[SCOPED], &[], None)
            })
        }
        async fn function_roles(&self) -> Result<Vec<(String, String)>, String> {
            Ok(["hung"]
                .into_iter()
                .map(str::to_owned)
                .chain((0..10).map(|i| format!("fast-{i}")))
                .map(|role| {
                    (
                        format!("fn-{role}"),
                        format!("arn:aws:iam::111122223333:role/{role}"),
                    )
                })
                .collect())
        }
        async fn access_advice(&self, _: &str) -> Result<AccessAdvice, String> {
            Ok(AccessAdvice {
                services: vec![("dynamodb".to_owned(), Some(now_seconds()))],
            })
        }
    }

    #[tokio::test]
    async fn a_read_that_hangs_past_the_deadline_is_left_for_the_next_run_and_the_rest_reported() {
        let deadline =
            Deadline::at(std::time::Instant::now() + std::time::Duration::from_millis(200));
        let periodic = LeastPrivilege::new(OneHungRole)
            .evaluate_periodic(&defaults(), None, deadline)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(periodic.unfinished, 1);
        assert_eq!(periodic.assessed.len(), 10);
        assert!(periodic
            .assessed
            .iter()
            .all(|a| a.resource_id.starts_with("fn-fast-")
                && a.verdict.compliance == Compliance::Compliant));
    }
}
