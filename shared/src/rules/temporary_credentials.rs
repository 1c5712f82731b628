//! Rule `sec2-temporary-credentials` (SEC2 practice 2, "Use temporary credentials between
//! resources and components").
//!
//! Trigger: changes of AWS::Lambda::Function, and a periodic run over every function (role
//! sharing changes when another function changes). Scenarios:
//! 1. An environment variable holds an access key id, a secret access key, a private key, or a
//!    literal secret under a secret-like name: NON_COMPLIANT, naming the variable, never the value.
//! 2. The execution role is used by other functions: NON_COMPLIANT, naming them (all sharers fail).
//! 3. The role's trust policy lets anything but lambda.amazonaws.com assume it: NON_COMPLIANT.
//! 4. Otherwise COMPLIANT; an aws:SourceAccount / aws:SourceArn guard on the trust is mentioned.
//! 5. Anything that cannot be read: NON_COMPLIANT, saying what.

use std::collections::{BTreeMap, HashMap};
use std::future::{self, Future};

use futures_util::stream::{self, StreamExt};

use crate::config::evaluation::annotate;
use crate::config::{
    Assessed, ConfigurationItem, Deadline, EventError, FromRuleParameters, Periodic, Rule,
    RuleParameters, Verdict,
};
use crate::policy::arn::Arn;
use crate::policy::document::{Effect, PrincipalClause};
use crate::policy::Policy;

use super::secrets::find_secrets;
use super::{list_roles_once, run_order, READ_CONCURRENCY};

pub const RESOURCE_TYPES: &[&str] = &["AWS::Lambda::Function"];
const LAMBDA_SERVICE: &str = "lambda.amazonaws.com";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    /// More variable-name globs that hold secrets (`SecretNamePatterns`).
    pub secret_name_patterns: Vec<String>,
    /// Variables exempt from the secret checks (`AllowedVariables`).
    pub allowed_variables: Vec<String>,
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = &["SecretNamePatterns", "AllowedVariables"];
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        Ok(Parameters {
            secret_name_patterns: parameters.list("SecretNamePatterns")?,
            allowed_variables: parameters.list("AllowedVariables")?,
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
    ) -> impl Future<Output = Result<BTreeMap<String, String>, String>> + Send;
    /// Names of the functions whose execution role is `role_arn`.
    fn functions_using_role(
        &self,
        role_arn: &str,
        this_function: &str,
    ) -> impl Future<Output = Result<Vec<String>, String>> + Send;
    /// iam:GetRole: the role's trust policy document as IAM returns it (URL-encoded).
    fn trust_policy(&self, role_name: &str) -> impl Future<Output = Result<String, String>> + Send;
    /// lambda:ListFunctions: every function, for the periodic run.
    fn all_functions(&self) -> impl Future<Output = Result<Vec<FunctionFacts>, String>> + Send;
    /// iam:GetAccountAuthorizationDetails: every role at once, so that `trust_policy` answers
    /// without a call per role. When it fails, `trust_policy` reads role by role.
    fn list_roles(&self) -> impl Future<Output = Result<(), String>> + Send {
        async { Ok(()) }
    }
}

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

/// Joins names as "a, b, c and 2 more".
fn first_few(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let shown = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match names.len().saturating_sub(SHOWN) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// The verdict from everything read about one function. Pure.
pub fn judge(
    function: &FunctionFacts,
    sharers: Result<&[String], &str>,
    trust: Result<&Policy, &str>,
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
        problems.push(format!(
            "environment variable {name} holds {kind}; keep it in Secrets Manager or SSM Parameter Store and read it with the function's role"
        ));
    }
    let role_name = role_name(&function.role_arn);
    match sharers {
        Ok([]) => {}
        Ok(others) => problems.push(format!(
            "role {role_name} is also used by {}; give each function its own role",
            first_few(others)
        )),
        Err(reason) => problems.push(format!(
            "could not tell which functions share role {role_name}: {reason}"
        )),
    }
    let mut guards = Vec::new();
    match trust {
        Ok(policy) => {
            let review = review_trust(policy);
            problems.extend(review.problems.into_iter().map(|p| {
                format!("trust policy of {role_name}: {p}; only {LAMBDA_SERVICE} should")
            }));
            guards = review.guards;
        }
        Err(reason) => problems.push(format!(
            "could not read the trust policy of {role_name}: {reason}"
        )),
    }
    if !problems.is_empty() {
        return Verdict::non_compliant(annotate(&problems));
    }
    let guard = if guards.is_empty() {
        String::new()
    } else {
        guards.sort();
        guards.dedup();
        format!(", guarded by {}", guards.join(" and "))
    };
    Verdict::compliant(format!(
        "no secrets in {} environment variables; role {role_name} is this function's own and only {LAMBDA_SERVICE} may assume it{guard}",
        function.variables.len()
    ))
}

fn role_name(role_arn: &str) -> &str {
    Arn::parse(role_arn)
        .and_then(|arn| arn.resource.rsplit('/').next())
        .unwrap_or(role_arn)
}

fn parse_trust(text: Result<String, String>) -> Result<Policy, String> {
    Policy::parse(&text?).map_err(|err| err.to_string())
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
}

impl<R: FunctionReader> Rule for TemporaryCredentials<R> {
    const NAME: &'static str = "temporary-credentials";
    type Parameters = Parameters;

    fn resource_types(&self) -> &'static [&'static str] {
        RESOURCE_TYPES
    }

    async fn evaluate(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        let name = item
            .configuration_at(&["functionName"])
            .and_then(|v| v.as_str())
            .or(item.resource_name.as_deref())
            .unwrap_or(&item.resource_id)
            .to_owned();
        let Some(role_arn) = item
            .configuration_at(&["role"])
            .and_then(|v| v.as_str())
            .map(str::to_owned)
        else {
            return Verdict::non_compliant(
                "the configuration item names no execution role, so it cannot be judged",
            );
        };
        let variables = match self.reader.environment(&name).await {
            Ok(variables) => variables,
            Err(reason) => {
                return Verdict::non_compliant(format!(
                    "could not read the environment variables (lambda:GetFunctionConfiguration): {reason}"
                ))
            }
        };
        let sharers = self.reader.functions_using_role(&role_arn, &name).await;
        let trust = parse_trust(self.reader.trust_policy(role_name(&role_arn)).await);
        let function = FunctionFacts {
            name,
            role_arn,
            variables,
        };
        judge(
            &function,
            sharers.as_deref().map_err(String::as_str),
            trust.as_ref().map_err(String::as_str),
            parameters,
        )
    }

    async fn evaluate_periodic(
        &self,
        parameters: &Parameters,
        _: Option<&str>,
        deadline: Deadline,
    ) -> Result<Option<Periodic>, String> {
        let functions = self.reader.all_functions().await?;
        list_roles_once(self.reader.list_roles(), deadline).await;
        let mut by_role: HashMap<&str, Vec<&str>> = HashMap::new();
        for function in &functions {
            by_role
                .entry(function.role_arn.as_str())
                .or_default()
                .push(&function.name);
        }
        // One GetRole per role, however many functions share it, a few at a time, until the
        // deadline.
        // Owned role ARNs keep the stream's future Send (borrowed ones trip rustc's
        // higher-ranked lifetime check).
        let roles = run_order::for_this_run(by_role.keys().map(|arn| (*arn).to_owned()).collect());
        let trust: HashMap<String, Result<Policy, String>> = stream::iter(roles)
            .map(|role_arn| async move {
                let trust = deadline
                    .bound(self.reader.trust_policy(role_name(&role_arn)))
                    .await?;
                Some((role_arn, parse_trust(trust)))
            })
            .buffer_unordered(READ_CONCURRENCY)
            .filter_map(future::ready)
            .collect()
            .await;
        let mut periodic = Periodic::default();
        for function in &functions {
            let trust = match trust.get(function.role_arn.as_str()) {
                Some(Ok(policy)) => Ok(policy),
                Some(Err(reason)) => Err(reason.as_str()),
                None => {
                    periodic.unfinished += 1;
                    continue;
                }
            };
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
            periodic.assessed.push(Assessed {
                resource_type: "AWS::Lambda::Function".to_owned(),
                resource_id: function.name.clone(),
                verdict: judge(function, Ok(&others), trust, parameters),
            });
        }
        Ok(Some(periodic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Compliance;

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
        judge(function, Ok(sharers), Ok(&policy), &Parameters::default())
    }

    #[test]
    fn scenario_1_a_secret_is_named_without_its_value() {
        let result = verdict(
            &function(&[("AWS_KEY", "AKIAIOSFODNN7EXAMPLE"), ("TABLE", "bookings")]),
            &[],
            LAMBDA_TRUST,
        );
        assert_eq!(result.compliance, Compliance::NonCompliant);
        assert!(
            result
                .annotation
                .starts_with("environment variable AWS_KEY holds an AWS access key id"),
            "{}",
            result.annotation
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
            assert!(
                result
                    .annotation
                    .starts_with("trust policy of airline-booking: Statement[0] lets"),
                "{}",
                result.annotation
            );
        }
    }

    #[test]
    fn scenario_4_a_clean_function_is_compliant_and_its_trust_guard_is_mentioned() {
        let guarded = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
        let result = verdict(
            &function(&[("DB_PASSWORD", "/airline/db-password")]),
            &[],
            guarded,
        );
        assert_eq!(result.compliance, Compliance::Compliant);
        assert!(
            result.annotation.ends_with("guarded by aws:SourceAccount"),
            "{}",
            result.annotation
        );
    }

    #[test]
    fn scenario_5_what_cannot_be_read_is_never_compliant() {
        let policy = Policy::parse(LAMBDA_TRUST).unwrap();
        let unknown_sharers = judge(
            &function(&[]),
            Err("AccessDenied"),
            Ok(&policy),
            &Parameters::default(),
        );
        assert_eq!(unknown_sharers.compliance, Compliance::NonCompliant);
        let unknown_trust = judge(
            &function(&[]),
            Ok(&[]),
            Err("NoSuchEntity"),
            &Parameters::default(),
        );
        assert_eq!(unknown_trust.compliance, Compliance::NonCompliant);
        assert!(unknown_trust
            .annotation
            .contains("could not read the trust policy of airline-booking: NoSuchEntity"));
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
        assert!(parse_trust(Ok(encoded)).is_ok());
    }
}
