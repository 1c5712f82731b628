//! `PolicyReader` (resource-policies): the policies AWS Config does not record: EventBridge
//! buses', DynamoDB tables', those of Lambda functions' aliases and published versions, and
//! those of Lambda layer versions.

use futures_util::{StreamExt, TryStreamExt};

use super::error::absent_as_none;
use super::AwsClients;
use crate::config::periodic::READ_CONCURRENCY;
use crate::config::{ReadError, ReadErrorKind};
use crate::rules::resource_policies::{
    LayerVersion, PolicyReader, PublicAccessBlock, Qualifier, MAX_QUALIFIERS,
};

fn non_empty(policy: Option<&str>) -> Option<String> {
    policy.filter(|p| !p.trim().is_empty()).map(str::to_owned)
}

impl PolicyReader for AwsClients {
    async fn tags_of_function(
        &self,
        function_arn: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, ReadError> {
        crate::rules::network_controls::NetworkReader::function_tags(self, function_arn).await
    }

    async fn event_bus_policy(&self, bus_name: &str) -> Result<Option<String>, ReadError> {
        let bus = call!(
            self.events().describe_event_bus().name(bus_name),
            "events:DescribeEventBus"
        )?;
        Ok(non_empty(bus.policy()))
    }

    async fn table_policy(&self, table_arn: &str) -> Result<Option<String>, ReadError> {
        let request = self
            .dynamodb()
            .get_resource_policy()
            .resource_arn(table_arn);
        // Only "no policy" is an empty answer; a missing table stays an error.
        let output = absent_as_none(
            request.send().await,
            |e| e.is_policy_not_found_exception(),
            "dynamodb:GetResourcePolicy",
        )?;
        Ok(output.and_then(|output| non_empty(output.policy())))
    }

    async fn function_qualifiers(&self, function_name: &str) -> Result<Vec<Qualifier>, ReadError> {
        let limit = MAX_QUALIFIERS + 1;
        let aliases = match at_most_items!(
            self.lambda().list_aliases().function_name(function_name),
            "lambda:ListAliases",
            limit
        ) {
            // A function deleted since the change has no alias or version left to invoke.
            Err(error) if error.kind == ReadErrorKind::NotFound => return Ok(Vec::new()),
            listed => listed?,
        };
        // One more than the limit: the list also holds $LATEST, whose policy is the function's.
        let versions = at_most_items!(
            self.lambda()
                .list_versions_by_function()
                .function_name(function_name),
            "lambda:ListVersionsByFunction",
            limit + 1
        )?;
        let aliases = aliases
            .iter()
            .filter_map(|alias| alias.name())
            .map(|name| Qualifier::Alias(name.to_owned()));
        let versions = versions
            .iter()
            .filter_map(|version| version.version())
            .filter(|version| *version != "$LATEST")
            .map(|version| Qualifier::Version(version.to_owned()));
        Ok(aliases.chain(versions).take(limit).collect())
    }

    async fn qualified_policy(
        &self,
        function_name: &str,
        qualifier: &str,
    ) -> Result<Option<String>, ReadError> {
        let request = self
            .lambda()
            .get_policy()
            .function_name(function_name)
            .qualifier(qualifier);
        // No policy, or a qualifier deleted since it was listed: nothing can invoke it.
        let output = absent_as_none(
            request.send().await,
            |e| e.is_resource_not_found_exception(),
            "lambda:GetPolicy",
        )?;
        Ok(output.and_then(|output| non_empty(output.policy())))
    }

    async fn layer_versions(&self) -> Result<Vec<LayerVersion>, ReadError> {
        let layers = every_item!(self.lambda().list_layers(), "lambda:ListLayers")?;
        let names: Vec<String> = layers
            .iter()
            .filter_map(|layer| layer.layer_name())
            .map(str::to_owned)
            .collect();
        let listed: Vec<Vec<LayerVersion>> = futures_util::stream::iter(names)
            .map(|name| async move { self.versions_of(name).await })
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(listed.into_iter().flatten().collect())
    }

    async fn layer_version_policy(
        &self,
        layer: &LayerVersion,
    ) -> Result<Option<String>, ReadError> {
        let request = self
            .lambda()
            .get_layer_version_policy()
            .layer_name(&layer.layer_name)
            .version_number(layer.version);
        // No policy, or a version deleted since it was listed: no one else can use it.
        let output = absent_as_none(
            request.send().await,
            |e| e.is_resource_not_found_exception(),
            "lambda:GetLayerVersionPolicy",
        )?;
        Ok(output.and_then(|output| non_empty(output.policy())))
    }

    async fn account_public_access_block(
        &self,
        account_id: &str,
    ) -> Result<Option<PublicAccessBlock>, ReadError> {
        self.account_block(account_id).await
    }
}

impl AwsClients {
    async fn account_block(
        &self,
        account_id: &str,
    ) -> Result<Option<PublicAccessBlock>, ReadError> {
        let request = self
            .s3control()
            .get_public_access_block()
            .account_id(account_id);
        let output = absent_as_none(
            request.send().await,
            |e| e.is_no_such_public_access_block_configuration(),
            "s3:GetAccountPublicAccessBlock",
        )?;
        Ok(output
            .and_then(|output| output.public_access_block_configuration().cloned())
            .map(|settings| PublicAccessBlock {
                ignore_public_acls: settings.ignore_public_acls().unwrap_or(false),
                restrict_public_buckets: settings.restrict_public_buckets().unwrap_or(false),
            }))
    }

    /// Every version of the layer `name`; none when the layer was deleted since it was listed.
    async fn versions_of(&self, name: String) -> Result<Vec<LayerVersion>, ReadError> {
        let listed = every_item!(
            self.lambda().list_layer_versions().layer_name(&name),
            "lambda:ListLayerVersions"
        );
        let versions = match listed {
            Err(error) if error.kind == ReadErrorKind::NotFound => return Ok(Vec::new()),
            listed => listed?,
        };
        Ok(versions
            .iter()
            .filter_map(|version| {
                Some(LayerVersion {
                    layer_name: name.clone(),
                    version: version.version(),
                    arn: version.layer_version_arn()?.to_owned(),
                })
            })
            .collect())
    }
}
