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
//! 6. Services granted but unused for UnusedDays (IAM Access Advisor): NON_COMPLIANT on a change
//!    and on the daily run alike, so a change never turns that verdict COMPLIANT; an Access
//!    Advisor report that cannot be read is never a pass. UnusedDays 0 turns the check off.

mod grant;
pub mod severity;
mod usage;

use std::future::Future;

use crate::config::periodic::{list_roles_once, system_now};
use crate::config::views::LambdaFunction;
use crate::config::{
    judge_by_role, ConfigurationItem, EventError, FromRuleParameters, FunctionRole, Periodic,
    PeriodicContext, ReadError, Rule, RuleParameters, Verdict,
};
use crate::policy::Catalog;
use crate::registry::{RuleSpec, LEAST_PRIVILEGE};
use severity::Severity;

pub use grant::judge;
pub use usage::{judge_with_usage, unused_services};

pub const RESOURCE_TYPES: &[&str] = LEAST_PRIVILEGE.resource_types;

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
    /// Services granted but unused for this many days fail the role, on a change and on the
    /// periodic run alike; 0 turns the check (and IAM Access Advisor) off.
    pub unused_days: u32,
    /// Findings at or above this severity fail the role; those below are named in a compliant
    /// verdict.
    pub severity_threshold: Severity,
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = LEAST_PRIVILEGE.parameters;
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        Ok(Parameters {
            unused_days: parameters.number("UnusedDays", 90, 0..=3650)?,
            blocked_policy_arns: parameters.list("BlockedPolicyArns")?,
            require_permissions_boundary: parameters.flag("RequirePermissionsBoundary", false)?,
            max_services: parameters.number("MaxServices", 5, 1..=400)?,
            severity_threshold: match parameters.text("SeverityThreshold")? {
                None => Severity::Medium,
                Some(text) => Severity::parse(&text).ok_or_else(|| EventError::Parameter {
                    name: "SeverityThreshold".to_owned(),
                    problem: format!(
                        "`{text}` is not a severity; expected one of {}",
                        Severity::NAMES.join(", ")
                    ),
                })?,
            },
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
    fn role_grant(
        &self,
        role_name: &str,
    ) -> impl Future<Output = Result<RoleGrant, ReadError>> + Send;
    /// lambda:ListFunctions: every function's name and execution role, for the periodic run.
    fn function_roles(&self) -> impl Future<Output = Result<Vec<FunctionRole>, ReadError>> + Send;
    /// iam:GenerateServiceLastAccessedDetails, then GetServiceLastAccessedDetails until done.
    fn access_advice(
        &self,
        role_arn: &str,
    ) -> impl Future<Output = Result<AccessAdvice, ReadError>> + Send;
    /// iam:GetAccountAuthorizationDetails: every role at once, so that `role_grant` answers
    /// without four calls per role. When it fails, `role_grant` reads role by role.
    fn list_roles(&self) -> impl Future<Output = Result<(), ReadError>> + Send {
        async { Ok(()) }
    }
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

/// The role's name, the last part of its ARN's path.
fn role_name(role_arn: &str) -> &str {
    role_arn.rsplit('/').next().unwrap_or(role_arn)
}

fn unreadable_grant(role_name: &str, error: &ReadError) -> Verdict {
    Verdict::non_compliant(error.annotation(&format!("the policies of role {role_name}")))
}

impl<R: RoleReader> LeastPrivilege<R> {
    /// The role's Access Advisor report when UnusedDays asks for it: read on every path, so a
    /// change and the daily run give the same verdict for the same state.
    async fn usage(
        &self,
        role_arn: &str,
        parameters: &Parameters,
    ) -> Option<Result<AccessAdvice, ReadError>> {
        if parameters.unused_days == 0 {
            return None;
        }
        Some(self.reader.access_advice(role_arn).await)
    }
}

/// The verdict on a grant, with its usage when it was read.
fn judged(
    grant: &RoleGrant,
    advice: Option<Result<&AccessAdvice, &ReadError>>,
    now: i64,
    parameters: &Parameters,
) -> Verdict {
    let catalog = Catalog::embedded();
    match advice {
        None => judge(grant, parameters, catalog),
        Some(advice) => judge_with_usage(grant, advice, now, parameters, catalog),
    }
}

impl<R: RoleReader> Rule for LeastPrivilege<R> {
    const SPEC: &'static RuleSpec = &LEAST_PRIVILEGE;
    type Parameters = Parameters;

    async fn evaluate(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        let role_arn = match LambdaFunction::of(item) {
            Ok(LambdaFunction {
                role: Some(role), ..
            }) => role,
            Ok(_) => {
                return Verdict::non_compliant(
                    "the configuration item names no execution role, so it cannot be judged",
                )
            }
            Err(problem) => return Verdict::non_compliant(problem.to_string()),
        };
        let name = role_name(&role_arn);
        let grant = match self.reader.role_grant(name).await {
            Ok(grant) => grant,
            Err(error) => return unreadable_grant(name, &error),
        };
        let advice = self.usage(&role_arn, parameters).await;
        let advice = advice.as_ref().map(Result::as_ref);
        judged(&grant, advice, system_now(), parameters)
    }

    async fn evaluate_periodic(
        &self,
        parameters: &Parameters,
        context: &PeriodicContext,
    ) -> Result<Option<Periodic>, ReadError> {
        let functions = self.reader.function_roles().await?;
        list_roles_once(self.reader.list_roles(), context.deadline).await;
        let periodic = judge_by_role(
            &functions,
            context.deadline,
            ACCESS_ADVISOR_CONCURRENCY,
            |role_arn| async move {
                let grant = self.reader.role_grant(role_name(&role_arn)).await?;
                let advice = self.usage(&role_arn, parameters).await;
                Ok::<_, ReadError>((grant, advice))
            },
            |function, read| match read {
                Err(error) => unreadable_grant(role_name(&function.role_arn), error),
                Ok((grant, advice)) => {
                    let advice = advice.as_ref().map(Result::as_ref);
                    judged(grant, advice, context.now, parameters)
                }
            },
        )
        .await;
        Ok(Some(periodic))
    }
}

/// Roles judged at once on the periodic run. Each waits on its Access Advisor report, a job IAM
/// runs for seconds, so more jobs are kept in flight than plain reads (the SDK's retries absorb
/// IAM's throttling); the grants themselves come from the one listing of every role.
const ACCESS_ADVISOR_CONCURRENCY: usize = 32;

#[cfg(test)]
mod tests {
    use super::usage::DAY;
    use super::*;
    use crate::config::{Compliance, Deadline, ReadErrorKind};
    use crate::testing::{assert_contains, assert_starts_with};

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
            severity_threshold: Severity::Medium,
        }
    }

    fn verdict(grant: &RoleGrant, parameters: &Parameters) -> Verdict {
        judge(grant, parameters, Catalog::embedded())
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
        assert_starts_with(
            &result.annotation,
            "role airline-booking has arn:aws:iam::aws:policy/AdministratorAccess attached",
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
        assert_starts_with(&result.annotation, "Statement[0] of inline policy p0");
    }

    #[test]
    fn scenario_2_a_boundary_caps_an_admin_grant_and_says_so() {
        let boundary =
            r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem"],"Resource":"*"}]}"#;
        let result = verdict(&grant(&[ADMIN], &[], Some(boundary)), &defaults());
        assert_eq!(result.compliance, Compliance::NonCompliant);
        assert_contains(&result.annotation, "every resource (a wildcard grant)");
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
        assert_contains(
            &result.annotation,
            "can write to 4 services (dynamodb, s3, sns, sqs), more than MaxServices 3",
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
        assert_starts_with(&result.annotation, "could not read inline policy p0");
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
        let scoped = grant(&[SCOPED], &[], None);
        let judged =
            |usage| judge_with_usage(&scoped, usage, now, &defaults(), Catalog::embedded());
        assert_eq!(
            judged(Ok(&advice)).annotation,
            "role airline-booking has not used sqs, sns in 90 days; remove those permissions"
        );
        let denied = ReadError::new(
            "iam:GenerateServiceLastAccessedDetails",
            ReadErrorKind::Denied,
            "AccessDenied",
        );
        let unreadable = judged(Err(&denied));
        assert_eq!(unreadable.compliance, Compliance::NonCompliant);
    }

    const BASIC_EXECUTION: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#;
    const BASIC_EXECUTION_ARN: &str =
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

    #[test]
    fn the_baseline_execution_policies_writes_on_star_are_named_in_a_compliant_verdict() {
        let baseline = grant(&[SCOPED], &[(BASIC_EXECUTION_ARN, BASIC_EXECUTION)], None);
        let result = verdict(&baseline, &defaults());
        assert_eq!(
            result.compliance,
            Compliance::Compliant,
            "{}",
            result.annotation
        );
        assert_starts_with(&result.annotation, "no finding at or above medium; baseline: Statement[0] of arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole allows");
        // The same writes in a policy of the function's own are the function's to narrow.
        let own = grant(&[SCOPED, BASIC_EXECUTION], &[], None);
        assert_eq!(
            verdict(&own, &defaults()).compliance,
            Compliance::NonCompliant
        );
        // A customer policy named like AWS's is not the baseline.
        let lookalike = grant(
            &[SCOPED],
            &[(
                "arn:aws:iam::111122223333:policy/AWSLambdaBasicExecutionRole",
                BASIC_EXECUTION,
            )],
            None,
        );
        assert_eq!(
            verdict(&lookalike, &defaults()).compliance,
            Compliance::NonCompliant
        );
        let strict = Parameters {
            severity_threshold: Severity::Low,
            ..defaults()
        };
        assert_eq!(
            verdict(&baseline, &strict).compliance,
            Compliance::NonCompliant
        );
    }

    #[test]
    fn the_threshold_decides_which_findings_fail_and_what_cannot_be_read_always_fails() {
        let lenient = Parameters {
            severity_threshold: Severity::High,
            ..defaults()
        };
        let service_wildcard = r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bookings/*"}]}"#;
        let medium = verdict(&grant(&[service_wildcard], &[], None), &lenient);
        assert_eq!(medium.compliance, Compliance::Compliant);
        assert!(medium
            .annotation
            .contains("baseline: Statement[0] of inline policy p0"));
        let escalation = r#"{"Statement":[{"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":"*"}]}"#;
        let escalating = verdict(&grant(&[escalation], &[], None), &lenient);
        assert_eq!(escalating.compliance, Compliance::NonCompliant);
        // The finding names the policy and statement, rates it and says how to fix it.
        let finding = &escalating.findings[0];
        assert_eq!(
            finding.element.as_deref(),
            Some("Statement[0] of inline policy p0")
        );
        assert_eq!(finding.severity, Some(Severity::High));
        assert!(finding
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("IAM actions"));
        let critical_only = Parameters {
            severity_threshold: Severity::Critical,
            ..defaults()
        };
        let unreadable = verdict(&grant(&["{\"Statement\": 5}"], &[], None), &critical_only);
        assert_eq!(unreadable.compliance, Compliance::NonCompliant);
    }

    #[test]
    fn an_unknown_severity_threshold_is_a_clear_parameter_error() {
        let values: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"SeverityThreshold": "severe"}"#).unwrap();
        let error = crate::config::parameters::parse_parameters::<Parameters>(&values).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected one of low, medium, high, critical"),
            "{error}"
        );
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
        async fn role_grant(&self, role_name: &str) -> Result<RoleGrant, ReadError> {
            if role_name == "hung" {
                std::future::pending::<()>().await;
            }
            Ok(RoleGrant {
                role_name: role_name.to_owned(),
                ..grant(&[SCOPED], &[], None)
            })
        }
        async fn function_roles(&self) -> Result<Vec<FunctionRole>, ReadError> {
            Ok(["hung"]
                .into_iter()
                .map(str::to_owned)
                .chain((0..10).map(|i| format!("fast-{i}")))
                .map(|role| FunctionRole {
                    function_name: format!("fn-{role}"),
                    role_arn: format!("arn:aws:iam::111122223333:role/{role}"),
                })
                .collect())
        }
        async fn access_advice(&self, _: &str) -> Result<AccessAdvice, ReadError> {
            Ok(AccessAdvice {
                services: vec![("dynamodb".to_owned(), Some(1_000 * DAY))],
            })
        }
    }

    #[tokio::test]
    async fn a_read_that_hangs_past_the_deadline_is_left_for_the_next_run_and_the_rest_reported() {
        let deadline =
            Deadline::at(std::time::Instant::now() + std::time::Duration::from_millis(200));
        let context = PeriodicContext {
            account_id: None,
            deadline,
            now: 1_000 * DAY,
        };
        let periodic = LeastPrivilege::new(OneHungRole)
            .evaluate_periodic(&defaults(), &context)
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

    /// One role, created long ago, that may use DynamoDB and S3 and has used only DynamoDB.
    struct OneRole;

    const ROLE: &str = "arn:aws:iam::111122223333:role/airline-booking";

    impl RoleReader for OneRole {
        async fn role_grant(&self, _: &str) -> Result<RoleGrant, ReadError> {
            let both = r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","s3:GetObject"],"Resource":"arn:aws:s3:::airline-assets/*"}]}"#;
            Ok(grant(&[both], &[], None))
        }
        async fn function_roles(&self) -> Result<Vec<FunctionRole>, ReadError> {
            Ok(vec![FunctionRole {
                function_name: "airline-booking".to_owned(),
                role_arn: ROLE.to_owned(),
            }])
        }
        async fn access_advice(&self, _: &str) -> Result<AccessAdvice, ReadError> {
            let yesterday = crate::config::periodic::system_now() - DAY;
            Ok(AccessAdvice {
                services: vec![
                    ("dynamodb".to_owned(), Some(yesterday)),
                    ("s3".to_owned(), None),
                ],
            })
        }
    }

    #[tokio::test]
    async fn scenario_6_a_change_and_the_daily_run_give_the_same_verdict_for_the_same_state() {
        let rule = LeastPrivilege::new(OneRole);
        let item = crate::testing::config_item(
            "AWS::Lambda::Function",
            serde_json::json!({"functionName": "airline-booking", "role": ROLE}),
            serde_json::json!({}),
        );
        for parameters in [
            defaults(),
            Parameters {
                unused_days: 0,
                ..defaults()
            },
        ] {
            let on_change = rule.evaluate(&item, &parameters).await;
            let context = PeriodicContext::unbounded();
            let daily = rule
                .evaluate_periodic(&parameters, &context)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(daily.assessed.len(), 1);
            assert_eq!(daily.assessed[0].verdict, on_change);
            let unused = on_change.annotation.contains("has not used s3 in 90 days");
            assert_eq!(
                unused,
                parameters.unused_days == 90,
                "{}",
                on_change.annotation
            );
        }
    }
}
