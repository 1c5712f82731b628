//! The services whose resource policies the analyzer reads.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceService {
    Lambda,
    Sqs,
    Sns,
    S3,
    ApiGateway,
    Events,
    DynamoDb,
}

impl ResourceService {
    pub const ALL: [ResourceService; 7] = [
        ResourceService::Lambda,
        ResourceService::Sqs,
        ResourceService::Sns,
        ResourceService::S3,
        ResourceService::ApiGateway,
        ResourceService::Events,
        ResourceService::DynamoDb,
    ];

    /// The name used on the command line and in the corpus.
    pub fn name(self) -> &'static str {
        match self {
            ResourceService::Lambda => "lambda",
            ResourceService::Sqs => "sqs",
            ResourceService::Sns => "sns",
            ResourceService::S3 => "s3",
            ResourceService::ApiGateway => "apigateway",
            ResourceService::Events => "events",
            ResourceService::DynamoDb => "dynamodb",
        }
    }
}

impl fmt::Display for ResourceService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A service name we do not analyze.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown service `{0}`, expected one of lambda, sqs, sns, s3, apigateway, events, dynamodb"
)]
pub struct UnknownService(pub String);

impl FromStr for ResourceService {
    type Err = UnknownService;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "eventbridge" => Ok(ResourceService::Events),
            "execute-api" => Ok(ResourceService::ApiGateway),
            _ => ResourceService::ALL
                .into_iter()
                .find(|service| service.name() == lower)
                .ok_or_else(|| UnknownService(name.to_owned())),
        }
    }
}
