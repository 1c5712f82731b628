//! Rule `sec2-resource-policies` (SEC2 practice 1, "Evaluate and define resource policies").
//!
//! Trigger: configuration changes of the resource types below. Scenarios:
//! 1. No resource policy: COMPLIANT.
//! 2. A public grant (including a function URL with AuthType NONE): NON_COMPLIANT.
//! 3. A grant to an account outside AllowedAccountIds, or an organization outside
//!    AllowedOrganizationIds: NON_COMPLIANT.
//! 4. A service principal without a confused-deputy guard: NON_COMPLIANT.
//! 5. Access limited to VPC endpoints or VPCs (aws:SourceVpce / aws:SourceVpc, including
//!    "Deny unless SourceVpce"): COMPLIANT, and the annotation says so.
//! 6. A policy that cannot be read or judged: NON_COMPLIANT, saying what could not be read.

mod judge;
mod locate;

use std::future::Future;

use serde_json::Value;

use crate::config::{
    ConfigurationItem, EventError, FromRuleParameters, ReadError, Rule, RuleParameters, Verdict,
};
use crate::registry::{RuleSpec, RESOURCE_POLICIES};

pub use judge::judge;
pub use locate::{locate_policy, LocateError, PolicySource};

pub const RESOURCE_TYPES: &[&str] = RESOURCE_POLICIES.resource_types;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    pub allowed_account_ids: Vec<String>,
    pub allowed_organization_ids: Vec<String>,
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = RESOURCE_POLICIES.parameters;
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        Ok(Parameters {
            allowed_account_ids: parameters.account_ids("AllowedAccountIds")?,
            allowed_organization_ids: parameters.organization_ids("AllowedOrganizationIds")?,
        })
    }
}

/// Reads the policies AWS Config does not record.
pub trait PolicyReader: Sync {
    /// events:DescribeEventBus `Policy`; `None` when the bus has none.
    fn event_bus_policy(
        &self,
        bus_name: &str,
    ) -> impl Future<Output = Result<Option<String>, ReadError>> + Send;
    /// dynamodb:GetResourcePolicy; `None` when the table has none.
    fn table_policy(
        &self,
        table_arn: &str,
    ) -> impl Future<Output = Result<Option<String>, ReadError>> + Send;
}

/// The rule, with the reader for policies Config does not record.
#[derive(Debug, Clone)]
pub struct ResourcePolicies<R> {
    reader: R,
}

impl<R: PolicyReader> ResourcePolicies<R> {
    pub fn new(reader: R) -> Self {
        ResourcePolicies { reader }
    }
}

impl<R: PolicyReader> Rule for ResourcePolicies<R> {
    const SPEC: &'static RuleSpec = &RESOURCE_POLICIES;
    type Parameters = Parameters;

    async fn evaluate(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        let (service, source) = match locate_policy(item) {
            Ok(found) => found,
            Err(problem) => return Verdict::non_compliant(problem.to_string()),
        };
        let read = match source {
            PolicySource::Recorded(policy) => return judge(item, service, policy, parameters),
            PolicySource::EventBus(name) => self
                .reader
                .event_bus_policy(name)
                .await
                .map_err(|error| error.annotation("the event bus policy")),
            PolicySource::Table(arn) => self
                .reader
                .table_policy(&arn)
                .await
                .map_err(|error| error.annotation("the table policy")),
        };
        match read {
            Ok(policy) => judge(
                item,
                service,
                policy.map(Value::String).as_ref(),
                parameters,
            ),
            Err(problem) => Verdict::non_compliant(problem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Compliance;
    use crate::testing::{assert_contains, assert_starts_with};
    use serde_json::json;

    fn item(resource_type: &str, configuration: Value, supplementary: Value) -> ConfigurationItem {
        ConfigurationItem::from_json(&json!({
            "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
            "configurationItemStatus": "OK",
            "awsAccountId": "111122223333",
            "resourceType": resource_type,
            "resourceId": "r",
            "resourceName": "r",
            "ARN": "arn:aws:dynamodb:us-east-1:111122223333:table/r",
            "configuration": configuration,
            "supplementaryConfiguration": supplementary,
        }))
        .unwrap()
    }

    fn public_policy(action: &str) -> String {
        json!({"Version":"2012-10-17","Statement":[{"Sid":"Open","Effect":"Allow","Principal":"*","Action":action,"Resource":"*"}]}).to_string()
    }

    /// A reader that must not be called: the policy is in the item.
    struct NoReads;
    impl PolicyReader for NoReads {
        async fn event_bus_policy(&self, _: &str) -> Result<Option<String>, ReadError> {
            Err(ReadError::invalid(
                "events:DescribeEventBus",
                "unexpected read",
            ))
        }
        async fn table_policy(&self, _: &str) -> Result<Option<String>, ReadError> {
            Err(ReadError::invalid(
                "dynamodb:GetResourcePolicy",
                "unexpected read",
            ))
        }
    }

    struct Reads {
        bus: Result<Option<String>, ReadError>,
        table: Result<Option<String>, ReadError>,
    }
    impl PolicyReader for Reads {
        async fn event_bus_policy(&self, _: &str) -> Result<Option<String>, ReadError> {
            self.bus.clone()
        }
        async fn table_policy(&self, _: &str) -> Result<Option<String>, ReadError> {
            self.table.clone()
        }
    }

    async fn evaluate(item: &ConfigurationItem) -> Verdict {
        ResourcePolicies::new(NoReads)
            .evaluate(item, &Parameters::default())
            .await
    }

    #[tokio::test]
    async fn scenario_1_no_policy_is_compliant() {
        let verdict = evaluate(&item("AWS::Lambda::Function", json!({}), json!({}))).await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        let empty_bucket = item(
            "AWS::S3::Bucket",
            json!({}),
            json!({"BucketPolicy": {"policyText": null}}),
        );
        assert_eq!(
            evaluate(&empty_bucket).await.compliance,
            Compliance::Compliant
        );
    }

    #[tokio::test]
    async fn scenario_2_public_policies_are_found_where_each_service_records_them() {
        let cases = [
            item(
                "AWS::Lambda::Function",
                json!({}),
                json!({"Policy": public_policy("lambda:InvokeFunction")}),
            ),
            item(
                "AWS::SQS::Queue",
                json!({"Policy": public_policy("sqs:SendMessage")}),
                json!({}),
            ),
            item(
                "AWS::SNS::Topic",
                json!({"Policy": public_policy("sns:Publish")}),
                json!({}),
            ),
            item(
                "AWS::S3::Bucket",
                json!({}),
                json!({"BucketPolicy": json!({"policyText": public_policy("s3:GetObject")}).to_string()}),
            ),
            item(
                "AWS::ApiGateway::RestApi",
                json!({"policy": public_policy("execute-api:Invoke").replace('"', "\\\"")}),
                json!({}),
            ),
        ];
        for case in &cases {
            let verdict = evaluate(case).await;
            assert_eq!(
                verdict.compliance,
                Compliance::NonCompliant,
                "{}",
                case.resource_type
            );
            assert_starts_with(
                &verdict.annotation,
                "Statement[0] (Sid \"Open\") allows anyone",
            );
        }
    }

    #[tokio::test]
    async fn scenario_3_foreign_accounts_are_non_compliant_unless_allowed() {
        let policy = json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sqs:SendMessage","Resource":"*"}]}).to_string();
        let queue = item("AWS::SQS::Queue", json!({"Policy": policy}), json!({}));
        assert_eq!(evaluate(&queue).await.compliance, Compliance::NonCompliant);
        let allowed = Parameters {
            allowed_account_ids: vec!["444455556666".to_owned()],
            ..Parameters::default()
        };
        let verdict = ResourcePolicies::new(NoReads)
            .evaluate(&queue, &allowed)
            .await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
    }

    #[tokio::test]
    async fn scenario_4_unguarded_service_principals_are_non_compliant() {
        let policy = json!({"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*"}]}).to_string();
        let verdict = evaluate(&item(
            "AWS::Lambda::Function",
            json!({}),
            json!({"Policy": policy}),
        ))
        .await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "confused deputy");
    }

    #[tokio::test]
    async fn scenario_5_vpc_endpoint_only_access_is_compliant_and_says_so() {
        let policy = json!({"Statement":[
            {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}},
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}).to_string();
        let verdict = evaluate(&item(
            "AWS::ApiGateway::RestApi",
            json!({"policy": policy}),
            json!({}),
        ))
        .await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert!(verdict.annotation.contains("VPC endpoints"));
    }

    #[tokio::test]
    async fn scenario_6_unreadable_policies_and_failed_reads_are_never_compliant() {
        let broken = evaluate(&item(
            "AWS::SQS::Queue",
            json!({"Policy": "{\"Statement\": 5}"}),
            json!({}),
        ))
        .await;
        assert_eq!(broken.compliance, Compliance::NonCompliant);
        assert_starts_with(&broken.annotation, "could not read the resource policy");
        let reads = Reads {
            bus: Err(ReadError::new(
                "events:DescribeEventBus",
                crate::config::ReadErrorKind::Denied,
                "AccessDeniedException: not authorized",
            )),
            table: Ok(None),
        };
        let bus = item("AWS::Events::EventBus", json!({"Name": "r"}), json!({}));
        let verdict = ResourcePolicies::new(reads)
            .evaluate(&bus, &Parameters::default())
            .await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_eq!(verdict.annotation, "could not read the event bus policy (events:DescribeEventBus, access denied): AccessDeniedException: not authorized");
    }

    #[tokio::test]
    async fn unrecorded_policies_are_read_through_the_reader() {
        let reads = Reads {
            bus: Ok(Some(public_policy("events:PutEvents"))),
            table: Ok(None),
        };
        let rule = ResourcePolicies::new(reads);
        let bus = item("AWS::Events::EventBus", json!({"Name": "r"}), json!({}));
        assert_eq!(
            rule.evaluate(&bus, &Parameters::default()).await.compliance,
            Compliance::NonCompliant
        );
        let table = item("AWS::DynamoDB::Table", json!({"TableName": "r"}), json!({}));
        assert_eq!(
            rule.evaluate(&table, &Parameters::default())
                .await
                .compliance,
            Compliance::Compliant
        );
    }
}
