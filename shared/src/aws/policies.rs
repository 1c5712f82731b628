//! `PolicyReader` (resource-policies): the policies AWS Config does not record, EventBridge
//! buses' and DynamoDB tables'.

use super::error::read_error;
use super::AwsClients;
use crate::config::ReadError;
use crate::rules::resource_policies::PolicyReader;

fn non_empty(policy: Option<&str>) -> Option<String> {
    policy.filter(|p| !p.trim().is_empty()).map(str::to_owned)
}

impl PolicyReader for AwsClients {
    async fn event_bus_policy(&self, bus_name: &str) -> Result<Option<String>, ReadError> {
        let bus = call!(
            self.events().describe_event_bus().name(bus_name),
            "events:DescribeEventBus"
        )?;
        Ok(non_empty(bus.policy()))
    }

    async fn table_policy(&self, table_arn: &str) -> Result<Option<String>, ReadError> {
        match self
            .dynamodb()
            .get_resource_policy()
            .resource_arn(table_arn)
            .send()
            .await
        {
            Ok(output) => Ok(non_empty(output.policy())),
            // Only "no policy" is an empty answer; a missing table stays an error.
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_policy_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(read_error("dynamodb:GetResourcePolicy")(err)),
        }
    }
}
