//! The temporary-credentials rule's reads, on the AWS SDK.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::aws::AwsClients;
use crate::config::error::sdk_error_text;

use super::temporary_credentials::{FunctionFacts, FunctionReader};

/// Pages we read at most from a list call.
const MAX_PAGES: usize = 1_000;

impl FunctionReader for AwsClients {
    async fn environment(&self, function_name: &str) -> Result<BTreeMap<String, String>, String> {
        let listed = self
            .memo
            .listed_functions()
            .and_then(|functions| functions.iter().find(|f| f.name == function_name));
        if let Some(function) = listed {
            return Ok(function.variables.clone());
        }
        let configuration = self
            .lambda()
            .get_function_configuration()
            .function_name(function_name)
            .send()
            .await
            .map_err(|err| sdk_error_text(&err))?;
        environment_of(configuration.environment())
    }

    async fn functions_using_role(
        &self,
        role_arn: &str,
        this_function: &str,
    ) -> Result<Vec<String>, String> {
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

    async fn trust_policy(&self, role_name: &str) -> Result<String, String> {
        if let Some(listed) = self.memo.listed_role(role_name) {
            return listed
                .trust_policy
                .clone()
                .ok_or_else(|| "IAM listed the role without a trust policy".to_owned());
        }
        let role = self
            .iam()
            .get_role()
            .role_name(role_name)
            .send()
            .await
            .map_err(|err| sdk_error_text(&err))?;
        role.role()
            .and_then(|role| role.assume_role_policy_document())
            .map(str::to_owned)
            .ok_or_else(|| "IAM returned no trust policy".to_owned())
    }

    async fn all_functions(&self) -> Result<Vec<FunctionFacts>, String> {
        self.memo
            .functions(self.list_functions())
            .await
            .map(<[FunctionFacts]>::to_vec)
    }

    async fn list_roles(&self) -> Result<(), String> {
        self.all_roles().await.map(|_| ())
    }
}

impl AwsClients {
    async fn list_functions(&self) -> Result<Vec<FunctionFacts>, String> {
        let mut functions = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .lambda()
                .list_functions()
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|err| sdk_error_text(&err))?;
            for function in page.functions() {
                let (Some(name), Some(role)) = (function.function_name(), function.role()) else {
                    continue;
                };
                functions.push(FunctionFacts {
                    name: name.to_owned(),
                    role_arn: role.to_owned(),
                    variables: environment_of(function.environment())?,
                });
            }
            match page.next_marker() {
                Some(next) if !next.is_empty() => marker = Some(next.to_owned()),
                _ => return Ok(functions),
            }
        }
        Err(format!("more than {MAX_PAGES} pages of functions"))
    }
}

pub(crate) fn environment_of(
    environment: Option<&aws_sdk_lambda::types::EnvironmentResponse>,
) -> Result<BTreeMap<String, String>, String> {
    let Some(environment) = environment else {
        return Ok(BTreeMap::new());
    };
    if let Some(error) = environment.error() {
        return Err(format!(
            "the variables could not be decrypted ({})",
            error.error_code().unwrap_or("unknown error")
        ));
    }
    Ok(environment
        .variables()
        .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default())
}

impl AwsClients {
    async fn select_role_users(&self, role_arn: &str) -> Result<Vec<String>, String> {
        if role_arn.contains('\'') {
            return Err("the role ARN cannot be quoted in a query".to_owned());
        }
        let expression = format!(
            "SELECT resourceName WHERE resourceType = 'AWS::Lambda::Function' AND configuration.role = '{role_arn}'"
        );
        let mut names = Vec::new();
        let mut next_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .config()
                .select_resource_config()
                .expression(&expression)
                .set_next_token(next_token.take())
                .send()
                .await
                .map_err(|err| sdk_error_text(&err))?;
            for row in page.results() {
                let value: Value = serde_json::from_str(row)
                    .map_err(|err| format!("unreadable query result: {err}"))?;
                if let Some(name) = value.get("resourceName").and_then(Value::as_str) {
                    names.push(name.to_owned());
                }
            }
            match page.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => return Ok(names),
            }
        }
        Err(format!("more than {MAX_PAGES} pages of query results"))
    }
}
