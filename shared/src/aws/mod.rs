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
pub mod roles;
mod s3_control;
pub mod starter;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;

use crate::config::{EngineError, Invocation, ReadError, ReadErrorKind};
use crate::policy::Arn;
use memo::RunMemo;

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
}

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
    pub async fn for_invocation(
        &self,
        invocation: &Invocation,
        rule_name: &str,
    ) -> Result<AwsClients, EngineError> {
        let Some(role_name) = invocation
            .rule_parameters
            .get(EXECUTION_ROLE_NAME)
            .and_then(|v| v.as_str())
        else {
            return Ok(self.for_new_run());
        };
        let role_arn = member_role_arn(invocation, role_name)?;
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

/// `arn:PARTITION:iam::ACCOUNT:role/NAME` in the account that sent the event. The account comes
/// from `executionRoleArn` (RDK's convention), else from `accountId`.
/// The member role to assume for an invocation: in the account the event is for, which the
/// execution role's account, the event's `accountId` and the rule's ARN must all agree on. An
/// event whose accounts disagree is refused rather than read for: the function would otherwise
/// act, with its own reads, for whoever wrote it.
fn member_role_arn(invocation: &Invocation, role_name: &str) -> Result<String, EngineError> {
    let refuse = |reason: String| EngineError::AssumeRole {
        role_arn: format!("role/{role_name}"),
        reason,
    };
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
    let Some((_, account)) = named.first().copied() else {
        return Err(refuse(
            "the event names no account to assume it in".to_owned(),
        ));
    };
    if let Some((field, other)) = named.iter().find(|(_, other)| *other != account) {
        let first = named.first().map_or("", |(field, _)| *field);
        return Err(refuse(format!(
            "the event's {first} is in account `{account}` but its {field} in `{other}`: refused, as an event AWS Config sent names one account"
        )));
    }
    Ok(format!("arn:{partition}:iam::{account}:role/{role_name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Trigger;

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

    #[test]
    fn the_member_role_is_in_the_one_account_the_event_names() {
        let inv = invocation(
            Some("arn:aws-us-gov:iam::444455556666:role/aws-service-role/config"),
            Some("444455556666"),
        );
        assert_eq!(
            member_role_arn(&inv, "sec2-rules").unwrap(),
            "arn:aws-us-gov:iam::444455556666:role/sec2-rules"
        );
        let inv = invocation(None, Some("111122223333"));
        assert_eq!(
            member_role_arn(&inv, "sec2-rules").unwrap(),
            "arn:aws:iam::111122223333:role/sec2-rules"
        );
        assert!(member_role_arn(&invocation(None, None), "sec2-rules").is_err());
    }

    #[test]
    fn accounts_that_disagree_are_refused() {
        let mismatched = invocation(
            Some("arn:aws:iam::444455556666:role/aws-service-role/config"),
            Some("111122223333"),
        );
        let error = member_role_arn(&mismatched, "sec2-rules")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`444455556666`"), "{error}");
        assert!(error.contains("accountId in `111122223333`"), "{error}");
        let mut rule_elsewhere = invocation(None, Some("111122223333"));
        rule_elsewhere.config_rule_arn =
            Some("arn:aws:config:us-east-1:999988887777:config-rule/config-rule-x".to_owned());
        assert!(member_role_arn(&rule_elsewhere, "sec2-rules").is_err());
    }
}
