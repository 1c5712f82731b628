//! `FunctionReader` (temporary-credentials): functions, their variables and the roles they
//! share, on Lambda, AWS Config's advanced query and IAM.

use std::collections::BTreeMap;

use aws_sdk_lambda::types::FunctionConfiguration;
use serde_json::Value;

use aws_config::Region;
use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::error::read_error;
use super::AwsClients;
use crate::config::periodic::READ_CONCURRENCY;
use crate::config::{FunctionRole, ReadError};
use crate::rules::temporary_credentials::{
    role_name, FunctionFacts, FunctionReader, PolicyAttachments,
};

const LIST_FUNCTIONS: &str = "lambda:ListFunctions";

/// Whether `arn` names a policy of the account, not one AWS manages (`arn:aws:iam::aws:policy/`).
fn is_customer_managed(arn: &str) -> bool {
    !arn.contains(":iam::aws:policy/")
}

impl FunctionReader for AwsClients {
    async fn environment(
        &self,
        function_name: &str,
    ) -> Result<BTreeMap<String, String>, ReadError> {
        const ACTION: &str = "lambda:GetFunctionConfiguration";
        let listed = self
            .memo
            .listed_functions()
            .and_then(|functions| functions.iter().find(|f| f.name == function_name));
        if let Some(function) = listed {
            return Ok(function.variables.clone());
        }
        let configuration = call!(
            self.lambda()
                .get_function_configuration()
                .function_name(function_name),
            ACTION
        )?;
        environment_of(ACTION, configuration.environment())
    }

    async fn functions_using_role(
        &self,
        role_arn: &str,
        this_function: &str,
    ) -> Result<Vec<String>, ReadError> {
        let sharers = |functions: &[FunctionFacts]| -> Vec<String> {
            functions
                .iter()
                .filter(|f| f.role_arn == role_arn && f.name != this_function)
                .map(|f| f.name.clone())
                .collect()
        };
        if let Some(functions) = self.memo.listed_functions() {
            return Ok(sharers(functions));
        }
        // An advanced query finds the sharers in one call; it is trusted only when it finds this
        // function too (otherwise Config may not record functions here), else list them all.
        match self.select_role_users(role_arn).await {
            Ok(names) if names.iter().any(|n| n == this_function) => {
                return Ok(names.into_iter().filter(|n| n != this_function).collect())
            }
            Ok(_) => {
                tracing::debug!("the advanced query did not find this function; listing functions")
            }
            Err(reason) => tracing::debug!(%reason, "the advanced query failed; listing functions"),
        }
        Ok(sharers(self.memo.functions(self.list_functions()).await?))
    }

    async fn trust_policy(&self, role_name: &str) -> Result<String, ReadError> {
        const ACTION: &str = "iam:GetRole";
        if let Some(listed) = self.memo.listed_role(role_name) {
            return listed.trust_policy.clone().ok_or_else(|| {
                ReadError::invalid(
                    "iam:GetAccountAuthorizationDetails",
                    "IAM listed the role without a trust policy",
                )
            });
        }
        let role = call!(self.iam().get_role().role_name(role_name), ACTION)?;
        role.role()
            .and_then(|role| role.assume_role_policy_document())
            .map(str::to_owned)
            .ok_or_else(|| ReadError::invalid(ACTION, "IAM returned no trust policy"))
    }

    async fn functions_elsewhere(
        &self,
        regions: &[String],
    ) -> Result<Vec<FunctionRole>, ReadError> {
        self.memo
            .functions_elsewhere(self.list_elsewhere(regions))
            .await
            .map(<[FunctionRole]>::to_vec)
    }

    async fn policy_attachments(
        &self,
        role_arn: &str,
    ) -> Result<Vec<PolicyAttachments>, ReadError> {
        let own = role_name(role_arn);
        // One listing of every role answers for every policy, when a run has made it.
        if let Some(roles) = self.memo.listed_roles() {
            let own_policies = roles
                .get(own)
                .map(|role| role.attached_policy_arns.clone())
                .unwrap_or_default();
            return Ok(own_policies
                .into_iter()
                .filter(|arn| is_customer_managed(arn))
                .map(|policy_arn| PolicyAttachments {
                    other_roles: roles
                        .iter()
                        .filter(|(_, role)| role.attached_policy_arns.contains(&policy_arn))
                        .map(|(name, _)| name.clone())
                        .collect(),
                    policy_arn,
                })
                .collect());
        }
        let attached = every_item!(
            self.iam().list_attached_role_policies().role_name(own),
            "iam:ListAttachedRolePolicies"
        )?;
        let mut attachments = Vec::new();
        for policy_arn in attached.iter().filter_map(|p| p.policy_arn()) {
            if !is_customer_managed(policy_arn) {
                continue;
            }
            // Its pages hold groups, users and roles, so the SDK has no item paginator for it.
            let mut pages = self
                .iam()
                .list_entities_for_policy()
                .policy_arn(policy_arn)
                .entity_filter(aws_sdk_iam::types::EntityType::Role)
                .into_paginator()
                .send();
            let mut other_roles = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(read_error("iam:ListEntitiesForPolicy"))?;
                let names = page.policy_roles().iter().filter_map(|r| r.role_name());
                other_roles.extend(names.map(str::to_owned));
            }
            attachments.push(PolicyAttachments {
                policy_arn: policy_arn.to_owned(),
                other_roles,
            });
        }
        Ok(attachments)
    }

    async fn all_functions(&self) -> Result<Vec<FunctionFacts>, ReadError> {
        self.memo
            .functions(self.list_functions())
            .await
            .map(<[FunctionFacts]>::to_vec)
    }

    async fn list_roles(&self) -> Result<(), ReadError> {
        self.all_roles().await.map(|_| ())
    }
}

impl AwsClients {
    /// The regions enabled for the account (ec2:DescribeRegions lists only those).
    pub async fn enabled_regions(&self) -> Result<Vec<String>, ReadError> {
        let described = call!(self.ec2().describe_regions(), "ec2:DescribeRegions")?;
        Ok(described
            .regions()
            .iter()
            .filter_map(|region| region.region_name())
            .map(str::to_owned)
            .collect())
    }

    /// Every function of the other regions (`chosen`, or every enabled region) with its role,
    /// named `REGION:NAME`; a few regions at a time.
    async fn list_elsewhere(&self, chosen: &[String]) -> Result<Vec<FunctionRole>, ReadError> {
        let here = self.region().unwrap_or_default().to_owned();
        let regions: Vec<String> = if chosen.is_empty() {
            self.enabled_regions().await?
        } else {
            chosen.to_vec()
        };
        let listed: Vec<Vec<FunctionRole>> =
            stream::iter(regions.into_iter().filter(|r| *r != here))
                .map(|region| async move { self.functions_in(region).await })
                .buffered(READ_CONCURRENCY)
                .try_collect()
                .await?;
        Ok(listed.into_iter().flatten().collect())
    }

    async fn functions_in(&self, region: String) -> Result<Vec<FunctionRole>, ReadError> {
        let config = aws_sdk_lambda::config::Builder::from(&self.sdk)
            .region(Region::new(region.clone()))
            .build();
        let lambda = aws_sdk_lambda::Client::from_conf(config);
        let listed =
            every_item!(lambda.list_functions(), LIST_FUNCTIONS).map_err(|error| ReadError {
                message: format!(
                    "{region}: {} (RoleSharingRegions names the regions to search)",
                    error.message
                ),
                ..error
            })?;
        Ok(listed
            .iter()
            .filter_map(|function| {
                Some(FunctionRole {
                    function_name: format!("{region}:{}", function.function_name()?),
                    role_arn: function.role()?.to_owned(),
                })
            })
            .collect())
    }

    /// Every function in the account (lambda:ListFunctions, every page).
    pub(crate) async fn function_configurations(
        &self,
    ) -> Result<Vec<FunctionConfiguration>, ReadError> {
        every_item!(self.lambda().list_functions(), LIST_FUNCTIONS)
    }

    /// Every function in the account with its role and variables.
    pub(crate) async fn list_functions(&self) -> Result<Vec<FunctionFacts>, ReadError> {
        facts_of(&self.function_configurations().await?)
    }

    async fn select_role_users(&self, role_arn: &str) -> Result<Vec<String>, ReadError> {
        const ACTION: &str = "config:SelectResourceConfig";
        if role_arn.contains('\'') {
            return Err(ReadError::invalid(
                ACTION,
                "the role ARN cannot be quoted in a query",
            ));
        }
        let expression = format!(
            "SELECT resourceName WHERE resourceType = 'AWS::Lambda::Function' AND configuration.role = '{role_arn}'"
        );
        let rows = every_item!(
            self.config()
                .select_resource_config()
                .expression(&expression),
            ACTION
        )?;
        let mut names = Vec::new();
        for row in rows {
            let value: Value = serde_json::from_str(&row).map_err(|err| {
                ReadError::invalid(ACTION, format!("unreadable query result: {err}"))
            })?;
            if let Some(name) = value.get("resourceName").and_then(Value::as_str) {
                names.push(name.to_owned());
            }
        }
        Ok(names)
    }
}

/// The listed functions as the rules need them; a function whose variables Lambda could not
/// decrypt makes the whole listing an error, never an empty environment.
pub(crate) fn facts_of(listed: &[FunctionConfiguration]) -> Result<Vec<FunctionFacts>, ReadError> {
    listed
        .iter()
        .filter_map(|function| {
            let (name, role_arn) = (function.function_name()?, function.role()?);
            let facts = environment_of(LIST_FUNCTIONS, function.environment()).map(|variables| {
                FunctionFacts {
                    name: name.to_owned(),
                    role_arn: role_arn.to_owned(),
                    variables,
                }
            });
            Some(facts)
        })
        .collect()
}

/// A function's variables as Lambda answers them; variables Lambda could not decrypt are an
/// error, never an empty environment.
pub(crate) fn environment_of(
    action: &'static str,
    environment: Option<&aws_sdk_lambda::types::EnvironmentResponse>,
) -> Result<BTreeMap<String, String>, ReadError> {
    let Some(environment) = environment else {
        return Ok(BTreeMap::new());
    };
    if let Some(error) = environment.error() {
        return Err(ReadError::invalid(
            action,
            format!(
                "the variables could not be decrypted ({})",
                error.error_code().unwrap_or("unknown error")
            ),
        ));
    }
    Ok(environment
        .variables()
        .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}
