//! Where each resource type keeps its policy: in the configuration item, or (EventBridge buses,
//! DynamoDB tables) behind a read.

use serde_json::Value;

use crate::config::views::{recorded_policy, records_policy_field};
use crate::config::ConfigurationItem;
use crate::policy::ResourceService;

/// Why an item's policy cannot be located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    #[error("{0} is not a resource type this rule evaluates")]
    NotInScope(String),
    #[error("the configuration item has no ARN, so the table policy cannot be read")]
    NoTableArn,
}

/// Where an item's resource policy is.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicySource<'a> {
    /// Recorded in the item (absent or null when the resource has none).
    Recorded(Option<&'a Value>),
    /// Not recorded: read the bus policy by name.
    EventBus(&'a str),
    /// Not recorded: read the table policy by ARN.
    Table(String),
}

/// Where this item's policy lives, and which service's rules apply to it.
pub fn locate_policy(
    item: &ConfigurationItem,
) -> Result<(ResourceService, PolicySource<'_>), LocateError> {
    let recorded = || PolicySource::Recorded(recorded_policy(item));
    Ok(match item.resource_type.as_str() {
        "AWS::Lambda::Function" => (ResourceService::Lambda, recorded()),
        "AWS::SQS::Queue" => (ResourceService::Sqs, recorded()),
        "AWS::SNS::Topic" => (ResourceService::Sns, recorded()),
        "AWS::S3::Bucket" => (ResourceService::S3, recorded()),
        "AWS::ApiGateway::RestApi" => (ResourceService::ApiGateway, recorded()),
        "AWS::Events::EventBus" if records_policy_field(item) => {
            (ResourceService::Events, recorded())
        }
        "AWS::Events::EventBus" => (
            ResourceService::Events,
            PolicySource::EventBus(item.resource_name.as_deref().unwrap_or(&item.resource_id)),
        ),
        "AWS::DynamoDB::Table" => {
            let arn = item.arn.clone().ok_or(LocateError::NoTableArn)?;
            (ResourceService::DynamoDb, PolicySource::Table(arn))
        }
        other => return Err(LocateError::NotInScope(other.to_owned())),
    })
}
