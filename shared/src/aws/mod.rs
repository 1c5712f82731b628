//! The seam layer: every call to AWS is in this folder. The clients, built once per container
//! from the environment (so `AWS_ENDPOINT_URL` points every one of them at an emulator with no
//! code change) and re-built from a member account's role for organization rules; the per-run
//! memo; SDK errors as `ReadError`; and one adapter per port, named after the port it serves.
//! Adapters know the rules' ports; the rules know no SDK type.

/// Every item of every page of a paginated request (the SDK's own paginator, so its page
/// tokens and bounds), or the `ReadError` for `action`. A macro, not a function: each SDK
/// request has its own paginator type, and they share no trait.
macro_rules! every_item {
    ($request:expr, $action:expr) => {
        $request
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err($crate::aws::error::read_error($action))
    };
}

/// The first `limit` items of a paginated request (pages stop being fetched there), or the
/// `ReadError` for `action`.
macro_rules! at_most_items {
    ($request:expr, $action:expr, $limit:expr) => {{
        let mut items = $request.into_paginator().items().send();
        let mut found = Vec::new();
        let mut failure = None;
        while found.len() < $limit {
            match items.next().await {
                Some(Ok(item)) => found.push(item),
                Some(Err(error)) => {
                    failure = Some(error);
                    break;
                }
                None => break,
            }
        }
        match failure {
            Some(error) => Err($crate::aws::error::read_error($action)(error)),
            None => Ok(found),
        }
    }};
}

/// One request sent, or the `ReadError` for `action`.
macro_rules! call {
    ($request:expr, $action:expr) => {
        $request
            .send()
            .await
            .map_err($crate::aws::error::read_error($action))
    };
}

pub mod config;
pub mod error;
pub mod functions;
#[cfg(feature = "scan")]
pub mod inventory;
pub mod memo;
pub mod network;
pub mod organizations;
pub mod policies;
#[cfg(feature = "scan")]
pub mod replay;
pub mod roles;
mod s3_control;
#[cfg(feature = "scan")]
pub mod security_hub;
pub mod starter;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;

use crate::config::{EngineError, EventError, Invocation, ReadError, ReadErrorKind};
use crate::policy::Arn;
use memo::RunMemo;
use serde_json::Value;

/// The clients the rules use, sharing one configuration, and the reads of the current run.
/// Each client is built on first use: a function builds only the clients its rule calls, and a
/// binary links only the SDK code its rule reaches (a third of a `bootstrap` was clients that
/// function never used).
#[derive(Debug, Clone)]
pub struct AwsClients {
    sdk: SdkConfig,
    built: Arc<BuiltClients>,
    pub memo: RunMemo,
}

#[derive(Debug, Default)]
struct BuiltClients {
    config: OnceLock<aws_sdk_config::Client>,
    events: OnceLock<aws_sdk_eventbridge::Client>,
    dynamodb: OnceLock<aws_sdk_dynamodb::Client>,
    lambda: OnceLock<aws_sdk_lambda::Client>,
    iam: OnceLock<aws_sdk_iam::Client>,
    ec2: OnceLock<aws_sdk_ec2::Client>,
    apigateway: OnceLock<aws_sdk_apigateway::Client>,
    apigatewayv2: OnceLock<aws_sdk_apigatewayv2::Client>,
    appsync: OnceLock<aws_sdk_appsync::Client>,
    organizations: OnceLock<aws_sdk_organizations::Client>,
    s3control: OnceLock<aws_sdk_s3control::Client>,
    #[cfg(feature = "scan")]
    s3: OnceLock<aws_sdk_s3::Client>,
    #[cfg(feature = "scan")]
    sns: OnceLock<aws_sdk_sns::Client>,
    #[cfg(feature = "scan")]
    sqs: OnceLock<aws_sdk_sqs::Client>,
    #[cfg(feature = "scan")]
    security_hub: OnceLock<aws_sdk_securityhub::Client>,
}

/// The roots AWS's endpoints chain to, from Mozilla's bundle (scripts/gen-amazon-roots).
#[cfg(feature = "lambda")]
pub const AMAZON_ROOT_CAS: &str = include_str!("../../data/amazon-root-cas.pem");

macro_rules! client_accessors {
    ($($name:ident: $client:ty),* $(,)?) => {
        impl AwsClients {
            $(
                pub fn $name(&self) -> &$client {
                    self.built.$name.get_or_init(|| <$client>::new(&self.sdk))
                }
            )*
        }
    };
}

client_accessors! {
    config: aws_sdk_config::Client,
    events: aws_sdk_eventbridge::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    lambda: aws_sdk_lambda::Client,
    iam: aws_sdk_iam::Client,
    ec2: aws_sdk_ec2::Client,
    apigateway: aws_sdk_apigateway::Client,
    apigatewayv2: aws_sdk_apigatewayv2::Client,
    appsync: aws_sdk_appsync::Client,
    organizations: aws_sdk_organizations::Client,
}

// Queues, topics and buckets are read only by the scan: their policies reach the rules in the
// item.
#[cfg(feature = "scan")]
client_accessors! {
    sns: aws_sdk_sns::Client,
    sqs: aws_sdk_sqs::Client,
    s3: aws_sdk_s3::Client,
    security_hub: aws_sdk_securityhub::Client,
}

impl AwsClients {
    pub fn s3control(&self) -> &aws_sdk_s3control::Client {
        self.built
            .s3control
            .get_or_init(|| s3_control::client(&self.sdk))
    }
}

/// One attempt of an AWS call; IAM, Lambda and EC2 reads answer in well under a second.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// A call with its retries: under half the functions' 60 s timeout, so a rule whose read hangs
/// still reports it could not read.
const CALL_TIMEOUT: Duration = Duration::from_secs(25);

/// The time limits every AWS call of ours runs with.
pub fn call_time_limits() -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(CALL_TIMEOUT)
        .build()
}

/// An SDK's tags (a `HashMap`, or none) as the rules hold them: sorted, so annotations and tests
/// see one order.
pub(crate) fn tag_map(
    tags: Option<&std::collections::HashMap<String, String>>,
) -> std::collections::BTreeMap<String, String> {
    tags.map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// The rule parameter that names the role to assume in the event's account.
pub const EXECUTION_ROLE_NAME: &str = "ExecutionRoleName";

impl AwsClients {
    /// Loads region, credentials and endpoint from the environment (the default chain), with
    /// time limits on every call: a call that hangs fails as "timed out", which the rule reports
    /// as unreadable, instead of holding the invocation until Lambda ends it.
    pub async fn from_environment() -> Self {
        Self::from_sdk_config(
            aws_config::defaults(BehaviorVersion::latest())
                .timeout_config(call_time_limits())
                .load()
                .await,
        )
    }

    /// As `from_environment`, for a rule function on Lambda: its HTTPS client trusts the roots
    /// AWS's endpoints chain to (Amazon Trust Services, embedded) instead of reading the
    /// system's store of some 150 at every cold start, which was most of the init time (7 ms
    /// to 3 ms, bench/RESULTS.md). `SEC2_TRUST_STORE=system` restores the system's store (a
    /// TLS-inspecting proxy, or an endpoint with another CA), as do the China regions.
    #[cfg(feature = "lambda")]
    pub async fn for_lambda() -> Self {
        let loader =
            aws_config::defaults(BehaviorVersion::latest()).timeout_config(call_time_limits());
        let system = std::env::var("SEC2_TRUST_STORE").is_ok_and(|store| store == "system")
            || std::env::var("AWS_REGION").is_ok_and(|region| region.starts_with("cn-"));
        use aws_smithy_http_client::tls::{
            rustls_provider::CryptoMode, Provider, TlsContext, TrustStore,
        };
        let trust = TrustStore::empty().with_pem_certificate(AMAZON_ROOT_CAS.as_bytes());
        let loader = match TlsContext::builder().with_trust_store(trust).build() {
            Ok(context) if !system => loader.http_client(
                aws_smithy_http_client::Builder::new()
                    .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                    .tls_context(context)
                    .build_https(),
            ),
            _ => loader,
        };
        Self::from_sdk_config(loader.load().await)
    }

    /// The region the clients call, when one is configured.
    pub fn region(&self) -> Option<&str> {
        self.sdk.region().map(|region| region.as_ref())
    }

    /// The account of the clients' credentials (sts:GetCallerIdentity).
    pub async fn account_id(&self) -> Result<String, ReadError> {
        const ACTION: &str = "sts:GetCallerIdentity";
        call!(
            aws_sdk_sts::Client::new(&self.sdk).get_caller_identity(),
            ACTION
        )?
        .account()
        .map(str::to_owned)
        .ok_or_else(|| ReadError::invalid(ACTION, "STS returned no account"))
    }

    /// The partition and account of the clients' credentials (sts:GetCallerIdentity).
    pub async fn partition_and_account(&self) -> Result<(String, String), ReadError> {
        const ACTION: &str = "sts:GetCallerIdentity";
        let identity = call!(
            aws_sdk_sts::Client::new(&self.sdk).get_caller_identity(),
            ACTION
        )?;
        let arn = identity.arn().and_then(Arn::parse);
        match (arn, identity.account()) {
            (Some(arn), Some(account)) => Ok((arn.partition.to_owned(), account.to_owned())),
            _ => Err(ReadError::invalid(ACTION, "STS returned no ARN or account")),
        }
    }

    /// These clients' credentials, in `region`.
    pub fn in_region(&self, region: &str) -> AwsClients {
        Self::from_sdk_config(
            self.sdk
                .to_builder()
                .region(aws_config::Region::new(region.to_owned()))
                .build(),
        )
    }

    /// These clients with nothing remembered from an earlier run.
    pub fn for_new_run(&self) -> Self {
        AwsClients {
            memo: RunMemo::default(),
            ..self.clone()
        }
    }

    pub fn from_sdk_config(sdk: SdkConfig) -> Self {
        AwsClients {
            sdk,
            built: Arc::default(),
            memo: RunMemo::default(),
        }
    }

    /// The clients to use for this invocation: these, or, when the rule parameter
    /// `ExecutionRoleName` is set, clients with that role's credentials in the event's account
    /// (the member account owns the result token, so reads and PutEvaluations must run there).
    ///
    /// `own_account` is the account the function runs in (from the invoked function's ARN; none
    /// outside Lambda). An event for another account that names no member role is refused: a
    /// member account's own rule pointed at this function must not have it read with its own
    /// role, and a rule the organization deployed always names one.
    pub async fn for_invocation(
        &self,
        invocation: &Invocation,
        rule_name: &str,
        own_account: Option<&str>,
    ) -> Result<AwsClients, EngineError> {
        let event = event_account(invocation)?;
        let Some(role_name) = execution_role_name(invocation)? else {
            if let (Some(own), Some(account)) = (own_account, event.account) {
                if own != account {
                    return Err(EngineError::Untrusted(format!(
                        "the event is for account `{account}`, but this function runs in `{own}` and the rule names no {EXECUTION_ROLE_NAME}: a rule in another account must name the member role to read with (organization scope), so the function never reads or reports for it with its own role"
                    )));
                }
            }
            return Ok(self.for_new_run());
        };
        let Some(account) = event.account else {
            return Err(EngineError::Untrusted(
                "the event names no account to assume the member role in".to_owned(),
            ));
        };
        let role_arn = format!("arn:{}:iam::{account}:role/{role_name}", event.partition);
        self.assume(&role_arn, &format!("sec2-{rule_name}"))
            .await
            .map_err(|problem| {
                let hint = if problem.kind == ReadErrorKind::Denied {
                    "; the role must exist in that account and trust this function's execution role (deploy the member-account template)"
                } else {
                    ""
                };
                EngineError::AssumeRole {
                    role_arn: role_arn.clone(),
                    reason: format!("{}{hint}", problem.message),
                }
            })
    }

    /// Clients with the credentials of `role_arn` (sts:AssumeRole), for a member account.
    pub async fn assume(
        &self,
        role_arn: &str,
        session_name: &str,
    ) -> Result<AwsClients, ReadError> {
        const ACTION: &str = "sts:AssumeRole";
        let assumed = call!(
            aws_sdk_sts::Client::new(&self.sdk)
                .assume_role()
                .role_arn(role_arn)
                .role_session_name(session_name),
            ACTION
        )?;
        let credentials = assumed
            .credentials()
            .ok_or_else(|| ReadError::invalid(ACTION, "STS returned no credentials"))?;
        let expiry = std::time::SystemTime::try_from(*credentials.expiration()).ok();
        let provider = Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_owned()),
            expiry,
            "sec2-execution-role",
        );
        let sdk = self
            .sdk
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        Ok(Self::from_sdk_config(sdk))
    }
}

/// The account an event is for, and its partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EventAccount<'a> {
    partition: &'a str,
    account: Option<&'a str>,
}

/// The one account an event is for: its execution role's, its `accountId` and its rule ARN's
/// must agree, as in every event AWS Config sends. An event whose accounts disagree is refused
/// rather than acted on: the function would otherwise read, with the role it picks from one
/// field, for whoever wrote the others.
fn event_account(invocation: &Invocation) -> Result<EventAccount<'_>, EngineError> {
    let from_execution_role = invocation
        .execution_role_arn
        .as_deref()
        .and_then(Arn::parse);
    let partition = from_execution_role.map_or("aws", |arn| arn.partition);
    let accounts = [
        (
            "executionRoleArn",
            from_execution_role.and_then(|arn| arn.fixed_account()),
        ),
        ("accountId", invocation.account_id.as_deref()),
        (
            "configRuleArn",
            invocation
                .config_rule_arn
                .as_deref()
                .and_then(Arn::parse)
                .and_then(|arn| arn.fixed_account()),
        ),
    ];
    let named: Vec<(&str, &str)> = accounts
        .iter()
        .filter_map(|(field, account)| account.map(|account| (*field, account)))
        .collect();
    let Some((first, account)) = named.first().copied() else {
        return Ok(EventAccount {
            partition,
            account: None,
        });
    };
    if let Some((field, other)) = named.iter().find(|(_, other)| *other != account) {
        return Err(EngineError::Untrusted(format!(
            "the event's {first} is in account `{account}` but its {field} in `{other}`: an event AWS Config sent names one account"
        )));
    }
    Ok(EventAccount {
        partition,
        account: Some(account),
    })
}

/// The `ExecutionRoleName` rule parameter: an IAM role name, or none (absent or empty).
fn execution_role_name(invocation: &Invocation) -> Result<Option<&str>, EventError> {
    let problem = |problem: String| EventError::Parameter {
        name: EXECUTION_ROLE_NAME.to_owned(),
        problem,
    };
    match invocation.rule_parameters.get(EXECUTION_ROLE_NAME) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) if name.is_empty() => Ok(None),
        Some(Value::String(name)) if is_role_name(name) => Ok(Some(name)),
        Some(Value::String(name)) => Err(problem(format!(
            "`{}` is not an IAM role name (1 to 64 letters, digits and +=,.@_-)",
            crate::config::limits::excerpt(&name.escape_debug().to_string())
        ))),
        Some(other) => Err(problem(format!(
            "expected a string naming the member role, got {}",
            crate::config::json_kind(other)
        ))),
    }
}

/// IAM's role name pattern: `[\w+=,.@-]{1,64}`.
fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Trigger;
    use serde_json::json;

    fn invocation(execution_role_arn: Option<&str>, account_id: Option<&str>) -> Invocation {
        Invocation {
            trigger: Trigger::Scheduled {
                account_id: None,
                notification_creation_time: "2026-11-20T10:00:00Z".to_owned(),
            },
            rule_parameters: serde_json::Map::new(),
            result_token: "token".to_owned(),
            event_left_scope: false,
            execution_role_arn: execution_role_arn.map(str::to_owned),
            config_rule_name: None,
            config_rule_arn: None,
            account_id: account_id.map(str::to_owned),
        }
    }

    fn offline_clients() -> AwsClients {
        AwsClients::from_sdk_config(
            SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .build(),
        )
    }

    #[test]
    fn the_event_is_for_the_one_account_it_names() {
        let inv = invocation(
            Some("arn:aws-us-gov:iam::444455556666:role/aws-service-role/config"),
            Some("444455556666"),
        );
        assert_eq!(
            event_account(&inv).unwrap(),
            EventAccount {
                partition: "aws-us-gov",
                account: Some("444455556666")
            }
        );
        let inv = invocation(None, Some("111122223333"));
        assert_eq!(event_account(&inv).unwrap().account, Some("111122223333"));
        assert_eq!(
            event_account(&invocation(None, None)).unwrap().account,
            None
        );
    }

    #[test]
    fn accounts_that_disagree_are_refused() {
        let mismatched = invocation(
            Some("arn:aws:iam::444455556666:role/aws-service-role/config"),
            Some("111122223333"),
        );
        let error = event_account(&mismatched).unwrap_err();
        assert_eq!(error.kind(), "UntrustedInvocation");
        let error = error.to_string();
        assert!(error.contains("`444455556666`"), "{error}");
        assert!(error.contains("accountId in `111122223333`"), "{error}");
        let mut rule_elsewhere = invocation(None, Some("111122223333"));
        rule_elsewhere.config_rule_arn =
            Some("arn:aws:config:us-east-1:999988887777:config-rule/config-rule-x".to_owned());
        assert!(event_account(&rule_elsewhere).is_err());
    }

    #[tokio::test]
    async fn an_event_from_another_account_without_a_member_role_is_refused() {
        // A member account's own rule pointed at the function: no ExecutionRoleName.
        let foreign = invocation(None, Some("111122223333"));
        let Err(refusal) = offline_clients()
            .for_invocation(&foreign, "resource-policies", Some("999988887777"))
            .await
        else {
            panic!("not refused")
        };
        assert_eq!(refusal.kind(), "UntrustedInvocation");
        let message = refusal.to_string();
        assert!(message.contains("`111122223333`"), "{message}");
        assert!(message.contains("runs in `999988887777`"), "{message}");
        assert!(message.contains("ExecutionRoleName"), "{message}");
        // The function's own account, and a run outside Lambda, read with the given clients.
        for own_account in [Some("111122223333"), None] {
            assert!(offline_clients()
                .for_invocation(&foreign, "resource-policies", own_account)
                .await
                .is_ok());
        }
    }

    #[tokio::test]
    async fn the_execution_role_name_must_be_a_role_name() {
        for (value, expected) in [
            (json!("sec2\u{0}member"), "is not an IAM role name"),
            (json!("a".repeat(65)), "is not an IAM role name"),
            (
                json!(42),
                "expected a string naming the member role, got a number",
            ),
            (json!(["sec2"]), "got an array"),
        ] {
            let mut inv = invocation(None, Some("111122223333"));
            inv.rule_parameters
                .insert(EXECUTION_ROLE_NAME.to_owned(), value.clone());
            let Err(refusal) = offline_clients()
                .for_invocation(&inv, "resource-policies", Some("111122223333"))
                .await
            else {
                panic!("not refused")
            };
            let message = refusal.to_string();
            assert!(
                message.starts_with("rule parameter `ExecutionRoleName`"),
                "{message}"
            );
            assert!(message.contains(expected), "{value}: {message}");
            assert!(!message.contains('\0'), "a NUL is echoed: {message:?}");
        }
        // Empty means none, as an organization rule's template may leave it.
        let mut inv = invocation(None, Some("111122223333"));
        inv.rule_parameters
            .insert(EXECUTION_ROLE_NAME.to_owned(), json!(""));
        assert!(offline_clients()
            .for_invocation(&inv, "resource-policies", Some("111122223333"))
            .await
            .is_ok());
        assert!(is_role_name("sec2-rules_member+=,.@"));
    }
}
