//! `EvaluationStarter` and `RuleDirectory` (reevaluate): config:StartConfigRulesEvaluation, in
//! this account (account scope) or, through the member role, in the account a change was made in
//! (organization scope, config:DescribeConfigRules to find the organization rules' instances).

use std::collections::HashMap;
use std::sync::Mutex;

use super::error::read_error;
use super::AwsClients;
use crate::config::ReadError;
use crate::reevaluate::{EvaluationStarter, RuleDirectory, RuleNames, StartOutcome};

impl EvaluationStarter for aws_sdk_config::Client {
    async fn start(&self, rule_names: &[String]) -> Result<StartOutcome, ReadError> {
        match self
            .start_config_rules_evaluation()
            .set_config_rule_names(Some(rule_names.to_vec()))
            .send()
            .await
        {
            Ok(_) => Ok(StartOutcome::Started),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_limit_exceeded_exception()) =>
            {
                Ok(StartOutcome::Busy)
            }
            Err(err) => Err(read_error("config:StartConfigRulesEvaluation")(err)),
        }
    }
}

/// Account scope: the stack's own Config rules, named in `CONFIG_RULE_NAMES`.
impl RuleDirectory for aws_sdk_config::Client {
    type Starter = aws_sdk_config::Client;

    async fn rules_in(
        &self,
        _account: Option<&str>,
        names: &RuleNames,
    ) -> Result<(Self::Starter, RuleNames), ReadError> {
        Ok((self.clone(), names.clone()))
    }
}

/// Organization scope: the organization rules named in `CONFIG_RULE_NAMES` have an instance in
/// every account of the organization; a change is re-evaluated by that account's instance,
/// started with the member role (`ExecutionRoleName`) there, or with the function's own role in
/// the account that hosts it.
#[derive(Debug)]
pub struct OrganizationRules {
    clients: AwsClients,
    own_account: String,
    partition: String,
    execution_role_name: String,
    /// Config clients with each member account's role, kept while the container is warm (the
    /// credentials last an hour; AssumeRole is asked again after that).
    members: Mutex<HashMap<String, (aws_sdk_config::Client, std::time::Instant)>>,
}

/// Assumed credentials are used for at most this long (STS issues them for an hour).
const MEMBER_CLIENT_LIFETIME: std::time::Duration = std::time::Duration::from_secs(45 * 60);

impl OrganizationRules {
    /// `own_account` hosts the function; `partition` is its ARNs' (`aws`, `aws-cn`, ...).
    pub fn new(
        clients: AwsClients,
        own_account: &str,
        partition: &str,
        execution_role_name: &str,
    ) -> OrganizationRules {
        OrganizationRules {
            clients,
            own_account: own_account.to_owned(),
            partition: partition.to_owned(),
            execution_role_name: execution_role_name.to_owned(),
            members: Mutex::default(),
        }
    }

    async fn config_in(&self, account: Option<&str>) -> Result<aws_sdk_config::Client, ReadError> {
        let Some(account) = account.filter(|account| *account != self.own_account) else {
            return Ok(self.clients.config().clone());
        };
        let now = std::time::Instant::now();
        if let Some((client, _)) = self.members.lock().ok().and_then(|members| {
            members
                .get(account)
                .filter(|(_, since)| now.duration_since(*since) < MEMBER_CLIENT_LIFETIME)
                .cloned()
        }) {
            return Ok(client);
        }
        let role_arn = format!(
            "arn:{}:iam::{account}:role/{}",
            self.partition, self.execution_role_name
        );
        let client = self
            .clients
            .assume(&role_arn, "sec2-reevaluate")
            .await?
            .config()
            .clone();
        if let Ok(mut members) = self.members.lock() {
            members.insert(account.to_owned(), (client.clone(), now));
        }
        Ok(client)
    }
}

impl RuleDirectory for OrganizationRules {
    type Starter = aws_sdk_config::Client;

    async fn rules_in(
        &self,
        account: Option<&str>,
        names: &RuleNames,
    ) -> Result<(Self::Starter, RuleNames), ReadError> {
        let client = self.config_in(account).await?;
        let rules: Vec<_> =
            every_item!(client.describe_config_rules(), "config:DescribeConfigRules")?;
        let deployed: Vec<&str> = rules
            .iter()
            .filter_map(|rule| rule.config_rule_name())
            .collect();
        let instances = names.organization_instances(deployed.iter().copied());
        Ok((client, instances))
    }
}

/// The reevaluate function's scope, chosen by its environment.
#[derive(Debug)]
pub enum ReevaluateScope {
    Account(aws_sdk_config::Client),
    Organization(Box<OrganizationRules>),
}

impl RuleDirectory for ReevaluateScope {
    type Starter = aws_sdk_config::Client;

    async fn rules_in(
        &self,
        account: Option<&str>,
        names: &RuleNames,
    ) -> Result<(Self::Starter, RuleNames), ReadError> {
        match self {
            ReevaluateScope::Account(client) => client.rules_in(account, names).await,
            ReevaluateScope::Organization(rules) => rules.rules_in(account, names).await,
        }
    }
}
