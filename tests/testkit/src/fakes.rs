//! Fake seams for tests that run the engine or a rule without AWS: each answers one way, always.

use sec2_shared::config::{
    ConfigurationItem, ItemHistory, PreviousResults, ReadError, RecordedResources,
};
use sec2_shared::rules::resource_policies::{
    LayerVersion, PolicyReader, PublicAccessBlock, Qualifier,
};

/// A `PolicyReader` for items whose policy is recorded: any read of another policy is a failure
/// of the test's premise, reported as an unreadable policy (so never a pass). Functions have no
/// aliases, versions or tags, and the account has no layers and no Block Public Access settings.
pub struct NoReads;

impl PolicyReader for NoReads {
    async fn event_bus_policy(&self, _: &str) -> Result<Option<String>, ReadError> {
        Err(ReadError::invalid(
            "events:DescribeEventBus",
            "no reads in this test",
        ))
    }
    async fn table_policy(&self, _: &str) -> Result<Option<String>, ReadError> {
        Err(ReadError::invalid(
            "dynamodb:GetResourcePolicy",
            "no reads in this test",
        ))
    }
    async fn function_qualifiers(&self, _: &str) -> Result<Vec<Qualifier>, ReadError> {
        Ok(Vec::new())
    }
    async fn tags_of_function(
        &self,
        _: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, ReadError> {
        Ok(std::collections::BTreeMap::new())
    }
    async fn qualified_policy(&self, _: &str, _: &str) -> Result<Option<String>, ReadError> {
        Err(ReadError::invalid(
            "lambda:GetPolicy",
            "no reads in this test",
        ))
    }
    async fn layer_versions(&self) -> Result<Vec<LayerVersion>, ReadError> {
        Ok(Vec::new())
    }
    async fn layer_version_policy(&self, _: &LayerVersion) -> Result<Option<String>, ReadError> {
        Err(ReadError::invalid(
            "lambda:GetLayerVersionPolicy",
            "no reads in this test",
        ))
    }
    async fn account_public_access_block(
        &self,
        _: &str,
    ) -> Result<Option<PublicAccessBlock>, ReadError> {
        Ok(None)
    }
}

/// Config records nothing: a periodic run judges no recorded resource.
impl RecordedResources for NoReads {
    async fn recorded_items(&self, _: &str) -> Result<Vec<ConfigurationItem>, ReadError> {
        Ok(Vec::new())
    }
}

/// An `ItemHistory` that holds `Some(item)` for every resource, or nothing.
pub struct HistoryOf(pub Option<ConfigurationItem>);

impl ItemHistory for HistoryOf {
    async fn latest_item(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<Option<ConfigurationItem>, ReadError> {
        Ok(self.0.clone())
    }

    async fn tagged_with(
        &self,
        resource_type: &str,
        key: &str,
    ) -> Result<sec2_shared::config::seams::TagsById, ReadError> {
        Ok(sec2_shared::testing::tagged_with(
            self.0.iter(),
            resource_type,
            key,
        ))
    }
}

/// `PreviousResults` of a rule that has reported nothing before.
pub struct NoPrevious;

impl PreviousResults for NoPrevious {
    async fn evaluated_resources(&self, _: &str) -> Result<Vec<(String, String)>, ReadError> {
        Ok(Vec::new())
    }
}
