//! Rule `sec2-temporary-credentials` (SEC2 practice 2, "Use temporary credentials between
//! resources and components").
//!
//! Trigger: changes of AWS::Lambda::Function, and a periodic run over every function (role
//! sharing changes when another function changes). Scenarios:
//! 1. An environment variable holds an access key id, a secret access key, a private key, or a
//!    literal secret under a secret-like name: NON_COMPLIANT, naming the variable, never the value.
//! 2. The execution role is used by other functions, in this region or another (roles are
//!    global, functions regional; RoleSharingRegions, or every enabled region): NON_COMPLIANT,
//!    naming them (all sharers fail), another region's as `REGION:NAME`.
//! 3. The role's trust policy lets anything but lambda.amazonaws.com assume it: NON_COMPLIANT.
//! 4. A customer-managed policy of the role is attached to another function's role too (the
//!    guidance: permissions policies are not shared): NON_COMPLIANT, naming the policy and the
//!    functions, unless AllowedSharedPolicies names it.
//! 5. Otherwise COMPLIANT; an aws:SourceAccount / aws:SourceArn guard on the trust is mentioned.
//! 6. Anything that cannot be read: NON_COMPLIANT, saying what.

mod judge;
mod role_sharing;
pub mod secrets;
mod trust;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use crate::config::periodic::{list_roles_once, RoleUser};
use crate::config::{
    judge_by_role, ConfigurationItem, EventError, FromRuleParameters, FunctionRole, Periodic,
    PeriodicContext, ReadError, Rule, RuleParameters, Verdict,
};
use crate::registry::{RuleSpec, TEMPORARY_CREDENTIALS};

pub use judge::judge;
pub use role_sharing::{shared_policy_problems, PolicyAttachments};
pub use trust::{role_name, trust_findings, Trust};

pub const RESOURCE_TYPES: &[&str] = TEMPORARY_CREDENTIALS.resource_types;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    /// More variable-name globs that hold secrets (`SecretNamePatterns`).
    pub secret_name_patterns: Vec<String>,
    /// Variables exempt from the secret checks (`AllowedVariables`).
    pub allowed_variables: Vec<String>,
    /// The other regions searched for functions sharing a role (`RoleSharingRegions`); empty:
    /// every region enabled for the account.
    pub role_sharing_regions: Vec<String>,
    /// Customer-managed policies several function roles may share (`AllowedSharedPolicies`, by
    /// ARN or name).
    pub allowed_shared_policies: Vec<String>,
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = TEMPORARY_CREDENTIALS.parameters;
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        Ok(Parameters {
            secret_name_patterns: parameters.list("SecretNamePatterns")?,
            allowed_variables: parameters.list("AllowedVariables")?,
            role_sharing_regions: parameters.list("RoleSharingRegions")?,
            allowed_shared_policies: parameters.list("AllowedSharedPolicies")?,
        })
    }
}

/// A function as the rule needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct FunctionFacts {
    pub name: String,
    pub role_arn: String,
    pub variables: BTreeMap<String, String>,
}

impl RoleUser for FunctionFacts {
    fn function_name(&self) -> &str {
        &self.name
    }
    fn role_arn(&self) -> &str {
        &self.role_arn
    }
}

/// Variable names only: a value may be a secret, and debug output ends up in logs.
impl std::fmt::Debug for FunctionFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionFacts")
            .field("name", &self.name)
            .field("role_arn", &self.role_arn)
            .field("variables", &self.variables.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The reads the rule makes.
pub trait FunctionReader: Sync {
    /// lambda:GetFunctionConfiguration: the function's environment variables.
    fn environment(
        &self,
        function_name: &str,
    ) -> impl Future<Output = Result<BTreeMap<String, String>, ReadError>> + Send;
    /// Names of the functions whose execution role is `role_arn`.
    fn functions_using_role(
        &self,
        role_arn: &str,
        this_function: &str,
    ) -> impl Future<Output = Result<Vec<String>, ReadError>> + Send;
    /// iam:GetRole: the role's trust policy document as IAM returns it (URL-encoded).
    fn trust_policy(
        &self,
        role_name: &str,
    ) -> impl Future<Output = Result<String, ReadError>> + Send;
    /// lambda:ListFunctions: every function, for the periodic run.
    fn all_functions(&self) -> impl Future<Output = Result<Vec<FunctionFacts>, ReadError>> + Send;
    /// ec2:DescribeRegions and lambda:ListFunctions in each: the functions of the other regions
    /// (`regions`, or every enabled one when empty), named `REGION:NAME`, with their roles.
    fn functions_elsewhere(
        &self,
        regions: &[String],
    ) -> impl Future<Output = Result<Vec<FunctionRole>, ReadError>> + Send;
    /// iam:ListAttachedRolePolicies and iam:ListEntitiesForPolicy: the role's customer-managed
    /// policies and the other roles each is attached to.
    fn policy_attachments(
        &self,
        role_arn: &str,
    ) -> impl Future<Output = Result<Vec<PolicyAttachments>, ReadError>> + Send;
    /// iam:GetAccountAuthorizationDetails: every role at once, so that `trust_policy` answers
    /// without a call per role. When it fails, `trust_policy` reads role by role.
    fn list_roles(&self) -> impl Future<Output = Result<(), ReadError>> + Send {
        async { Ok(()) }
    }
}

/// The rule, with its reads.
#[derive(Debug, Clone)]
pub struct TemporaryCredentials<R> {
    reader: R,
}

impl<R: FunctionReader> TemporaryCredentials<R> {
    pub fn new(reader: R) -> Self {
        TemporaryCredentials { reader }
    }

    /// The problems with the customer-managed policies the role shares with other functions'
    /// roles; the functions are listed only when another role holds one of its policies.
    async fn shared_policies(&self, role_arn: &str, parameters: &Parameters) -> Vec<String> {
        let attachments = self.reader.policy_attachments(role_arn).await;
        let own = role_name(role_arn);
        let alone = attachments.as_ref().is_ok_and(|attachments| {
            attachments
                .iter()
                .all(|a| a.other_roles.iter().all(|other| other == own))
        });
        if alone {
            return Vec::new();
        }
        let users = self.role_users(parameters).await;
        shared_policy_problems(
            attachments.as_deref(),
            users.as_ref(),
            &parameters.allowed_shared_policies,
            role_arn,
        )
    }

    /// Every function role's name and its functions, in every region searched.
    async fn role_users(
        &self,
        parameters: &Parameters,
    ) -> Result<HashMap<String, Vec<String>>, ReadError> {
        let here = self.reader.all_functions().await?;
        let elsewhere = self
            .reader
            .functions_elsewhere(&parameters.role_sharing_regions)
            .await?;
        let functions = here
            .iter()
            .map(|f| (f.role_arn.as_str(), f.name.as_str()))
            .chain(
                elsewhere
                    .iter()
                    .map(|f| (f.role_arn.as_str(), f.function_name.as_str())),
            );
        Ok(role_sharing::users_by_role(functions))
    }

    async fn trust(&self, role_arn: &str) -> Trust {
        Trust::from_read(
            role_arn,
            self.reader.trust_policy(role_name(role_arn)).await,
        )
    }
}

impl<R: FunctionReader> Rule for TemporaryCredentials<R> {
    const SPEC: &'static RuleSpec = &TEMPORARY_CREDENTIALS;
    type Parameters = Parameters;

    async fn evaluate(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        let function = match crate::config::views::LambdaFunction::of(item) {
            Ok(function) => function,
            Err(problem) => return Verdict::non_compliant(problem.to_string()),
        };
        let Some(role_arn) = function.role else {
            return Verdict::non_compliant(
                "the configuration item names no execution role, so it cannot be judged",
            );
        };
        let name = function.name;
        let variables = match self.reader.environment(&name).await {
            Ok(variables) => variables,
            Err(error) => {
                return Verdict::non_compliant(error.annotation("the environment variables"))
            }
        };
        let here = self.reader.functions_using_role(&role_arn, &name).await;
        let elsewhere = self
            .reader
            .functions_elsewhere(&parameters.role_sharing_regions)
            .await;
        let sharers = role_sharing::with_other_regions(here, elsewhere.as_deref(), &role_arn);
        let trust = self.trust(&role_arn).await;
        let function = FunctionFacts {
            name,
            role_arn,
            variables,
        };
        let verdict = judge(&function, sharers.as_deref(), &trust, parameters);
        let shared = self.shared_policies(&function.role_arn, parameters).await;
        role_sharing::with_shared_policies(verdict, &shared)
    }

    async fn evaluate_periodic(
        &self,
        parameters: &Parameters,
        context: &PeriodicContext,
    ) -> Result<Option<Periodic>, ReadError> {
        let functions = self.reader.all_functions().await?;
        list_roles_once(self.reader.list_roles(), context.deadline).await;
        let elsewhere = self
            .reader
            .functions_elsewhere(&parameters.role_sharing_regions)
            .await;
        let mut by_role: HashMap<&str, Vec<&str>> = HashMap::new();
        let other_regions = elsewhere.as_deref().unwrap_or_default();
        let users = functions
            .iter()
            .map(|f| (f.role_arn.as_str(), f.name.as_str()))
            .chain(
                other_regions
                    .iter()
                    .map(|f| (f.role_arn.as_str(), f.function_name.as_str())),
            );
        for (role_arn, name) in users {
            by_role.entry(role_arn).or_default().push(name);
        }
        // One GetRole (and one look at its policies) per role, however many functions share it.
        let periodic = judge_by_role(
            &functions,
            context.deadline,
            crate::config::periodic::READ_CONCURRENCY,
            |role_arn| async move {
                let trust = self.trust(&role_arn).await;
                let shared = self.shared_policies(&role_arn, parameters).await;
                (trust, shared)
            },
            |function, (trust, shared)| {
                let others: Vec<String> = by_role
                    .get(function.role_arn.as_str())
                    .map(|names| {
                        names
                            .iter()
                            .filter(|n| **n != function.name)
                            .map(|n| (*n).to_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                let verdict = match &elsewhere {
                    Ok(_) => judge(function, Ok(&others), trust, parameters),
                    Err(error) => judge(function, Err(error), trust, parameters),
                };
                role_sharing::with_shared_policies(verdict, shared)
            },
        )
        .await;
        Ok(Some(periodic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Compliance;
    use crate::policy::Policy;
    use crate::testing::{assert_contains, assert_ends_with, assert_starts_with};

    const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    fn function(variables: &[(&str, &str)]) -> FunctionFacts {
        FunctionFacts {
            name: "airline-booking".to_owned(),
            role_arn: "arn:aws:iam::111122223333:role/service/airline-booking".to_owned(),
            variables: variables
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn verdict(function: &FunctionFacts, sharers: &[String], trust: &str) -> Verdict {
        let policy = Policy::parse(trust).unwrap();
        judge(
            function,
            Ok(sharers),
            &Trust::Read(policy),
            &Parameters::default(),
        )
    }

    #[test]
    fn scenario_1_a_secret_is_named_without_its_value() {
        let result = verdict(
            &function(&[("AWS_KEY", "AKIAIOSFODNN7EXAMPLE"), ("TABLE", "bookings")]),
            &[],
            LAMBDA_TRUST,
        );
        assert_eq!(result.compliance, Compliance::NonCompliant);
        assert_starts_with(
            &result.annotation,
            "environment variable AWS_KEY holds an AWS access key id",
        );
        assert!(!result.annotation.contains("AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn scenario_2_a_shared_role_lists_the_other_functions() {
        let others: Vec<String> = ["payment", "loyalty", "refunds", "search", "audit"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let result = verdict(&function(&[]), &others, LAMBDA_TRUST);
        assert_eq!(result.compliance, Compliance::NonCompliant);
        assert_eq!(
            result.annotation,
            "role airline-booking is also used by payment, loyalty, refunds and 2 more; give each function its own role"
        );
    }

    #[test]
    fn scenario_3_any_principal_but_lambda_in_the_trust_policy_fails() {
        for trust in [
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
        ] {
            let result = verdict(&function(&[]), &[], trust);
            assert_eq!(result.compliance, Compliance::NonCompliant, "{trust}");
            assert_starts_with(
                &result.annotation,
                "trust policy of airline-booking: Statement[0] lets",
            );
        }
    }

    #[test]
    fn scenario_5_a_clean_function_is_compliant_and_its_trust_guard_is_mentioned() {
        let guarded = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
        let result = verdict(
            &function(&[("DB_PASSWORD", "/airline/db-password")]),
            &[],
            guarded,
        );
        assert_eq!(result.compliance, Compliance::Compliant);
        assert_ends_with(&result.annotation, "guarded by aws:SourceAccount");
    }

    #[test]
    fn scenario_6_what_cannot_be_read_is_never_compliant() {
        let policy = Policy::parse(LAMBDA_TRUST).unwrap();
        let judged =
            |sharers, trust: &Trust| judge(&function(&[]), sharers, trust, &Parameters::default());
        let denied = ReadError::new(
            "lambda:ListFunctions",
            crate::config::ReadErrorKind::Denied,
            "AccessDenied",
        );
        let unknown_sharers = judged(Err(&denied), &Trust::Read(policy));
        assert_eq!(unknown_sharers.compliance, Compliance::NonCompliant);
        let role = &function(&[]).role_arn;
        let missing = ReadError::new(
            "iam:GetRole",
            crate::config::ReadErrorKind::NotFound,
            "NoSuchEntity",
        );
        let unknown_trust = judged(Ok(&[]), &Trust::from_read(role, Err(missing)));
        assert_eq!(unknown_trust.compliance, Compliance::NonCompliant);
        assert_contains(&unknown_trust.annotation, "could not read the trust policy of airline-booking (iam:GetRole, not found): NoSuchEntity");
    }

    #[test]
    fn no_secret_value_reaches_an_annotation_or_debug_output() {
        let secrets = [
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ("DB_PASSWORD", "correct-horse-battery-staple"),
            (
                "SIGNING_KEY",
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
            ),
        ];
        let facts = function(&secrets);
        let verdict = verdict(&facts, &[], LAMBDA_TRUST);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        let debug = format!("{facts:?}");
        for (name, value) in secrets {
            assert!(
                !verdict.annotation.contains(value),
                "{name} leaked into the annotation"
            );
            assert!(!debug.contains(value), "{name} leaked into debug output");
            assert!(debug.contains(name));
        }
    }

    #[test]
    fn an_iam_url_encoded_trust_policy_reads_like_json() {
        let encoded: String =
            percent_encoding::utf8_percent_encode(LAMBDA_TRUST, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let role = "arn:aws:iam::111122223333:role/r";
        assert!(matches!(
            Trust::from_read(role, Ok(encoded)),
            Trust::Read(_)
        ));
    }
}
