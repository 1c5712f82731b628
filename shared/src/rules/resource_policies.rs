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

use std::future::Future;

use serde_json::Value;

#[cfg(feature = "aws")]
use crate::aws::AwsClients;
#[cfg(feature = "aws")]
use crate::config::error::sdk_error_text;
use crate::config::evaluation::annotate;
use crate::config::{
    ConfigurationItem, EventError, FromRuleParameters, Rule, RuleParameters, Verdict,
};
use crate::policy::{
    analyze_resource_policy, FindingKind, Policy, ResourceContext, ResourceService,
};

pub const RESOURCE_TYPES: &[&str] = &[
    "AWS::Lambda::Function",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::S3::Bucket",
    "AWS::ApiGateway::RestApi",
    "AWS::Events::EventBus",
    "AWS::DynamoDB::Table",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    pub allowed_account_ids: Vec<String>,
    pub allowed_organization_ids: Vec<String>,
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = &["AllowedAccountIds", "AllowedOrganizationIds"];
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
    ) -> impl Future<Output = Result<Option<String>, String>> + Send;
    /// dynamodb:GetResourcePolicy; `None` when the table has none.
    fn table_policy(
        &self,
        table_arn: &str,
    ) -> impl Future<Output = Result<Option<String>, String>> + Send;
}

#[cfg(feature = "aws")]
impl PolicyReader for AwsClients {
    async fn event_bus_policy(&self, bus_name: &str) -> Result<Option<String>, String> {
        let bus = self
            .events()
            .describe_event_bus()
            .name(bus_name)
            .send()
            .await
            .map_err(|err| sdk_error_text(&err))?;
        Ok(bus
            .policy()
            .filter(|p| !p.trim().is_empty())
            .map(str::to_owned))
    }

    async fn table_policy(&self, table_arn: &str) -> Result<Option<String>, String> {
        match self
            .dynamodb()
            .get_resource_policy()
            .resource_arn(table_arn)
            .send()
            .await
        {
            Ok(output) => Ok(output
                .policy()
                .filter(|p| !p.trim().is_empty())
                .map(str::to_owned)),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_policy_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(sdk_error_text(&err)),
        }
    }
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

fn recorded(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null() && v.as_str() != Some(""))
}

/// Where this item's policy lives, and which service's rules apply to it.
pub fn locate_policy(
    item: &ConfigurationItem,
) -> Result<(ResourceService, PolicySource<'_>), String> {
    Ok(match item.resource_type.as_str() {
        "AWS::Lambda::Function" => (
            ResourceService::Lambda,
            PolicySource::Recorded(recorded(item.supplementary_at(&["Policy"]))),
        ),
        "AWS::SQS::Queue" => (
            ResourceService::Sqs,
            PolicySource::Recorded(recorded(item.configuration_at(&["Policy"]))),
        ),
        "AWS::SNS::Topic" => (
            ResourceService::Sns,
            PolicySource::Recorded(recorded(item.configuration_at(&["Policy"]))),
        ),
        "AWS::S3::Bucket" => (
            ResourceService::S3,
            PolicySource::Recorded(recorded(
                item.supplementary_at(&["BucketPolicy", "policyText"]),
            )),
        ),
        "AWS::ApiGateway::RestApi" => (
            ResourceService::ApiGateway,
            PolicySource::Recorded(recorded(item.configuration_at(&["policy"]))),
        ),
        "AWS::Events::EventBus" => match item.configuration_at(&["Policy"]) {
            Some(policy) => (
                ResourceService::Events,
                PolicySource::Recorded(recorded(Some(policy))),
            ),
            None => (
                ResourceService::Events,
                PolicySource::EventBus(item.resource_name.as_deref().unwrap_or(&item.resource_id)),
            ),
        },
        "AWS::DynamoDB::Table" => {
            let arn = item.arn.clone().ok_or_else(|| {
                "the configuration item has no ARN, so the table policy cannot be read".to_owned()
            })?;
            (ResourceService::DynamoDb, PolicySource::Table(arn))
        }
        other => {
            return Err(format!(
                "{other} is not a resource type this rule evaluates"
            ))
        }
    })
}

/// Judges one resource's policy: pure, so every scenario is tested without I/O.
pub fn judge(
    item: &ConfigurationItem,
    service: ResourceService,
    policy: Option<&Value>,
    parameters: &Parameters,
) -> Verdict {
    let Some(policy) = policy else {
        return Verdict::compliant("no resource-based policy: only principals of this account with IAM permissions can reach it");
    };
    let Some(account) = item.account_id.as_deref() else {
        return Verdict::non_compliant(
            "the configuration item names no account, so outside access cannot be judged",
        );
    };
    let policy = match Policy::from_json_value(policy) {
        Ok(policy) => policy,
        Err(err) => {
            return Verdict::non_compliant(format!("could not read the resource policy: {err}"))
        }
    };
    let context = ResourceContext {
        service,
        account,
        allowed_accounts: &parameters.allowed_account_ids,
        allowed_organizations: &parameters.allowed_organization_ids,
    };
    let analysis = analyze_resource_policy(&policy, &context);
    let is_network_only = |restricted_by: &[String]| {
        !restricted_by.is_empty()
            && restricted_by.iter().all(|key| {
                let key = key.to_ascii_lowercase();
                key == "aws:sourcevpce" || key == "aws:sourcevpc"
            })
    };
    let (network_only, mut problems): (Vec<_>, Vec<_>) =
        analysis.findings.iter().partition(|finding| {
            finding.kind == FindingKind::CrossAccount && is_network_only(&finding.restricted_by)
        });
    if problems.is_empty() {
        return if network_only.is_empty() {
            Verdict::compliant("the resource policy grants only this account, trusted accounts and guarded service principals")
        } else {
            Verdict::compliant("the resource policy admits callers only through VPC endpoints or VPCs (aws:SourceVpce / aws:SourceVpc)")
        };
    }
    problems.sort_by_key(|finding| severity(finding.kind));
    let messages: Vec<&str> = problems
        .iter()
        .map(|finding| finding.message.as_str())
        .collect();
    Verdict::non_compliant(annotate(&messages))
}

fn severity(kind: FindingKind) -> u8 {
    match kind {
        FindingKind::Public => 0,
        FindingKind::CannotDecide => 1,
        FindingKind::CrossAccount => 2,
        FindingKind::UnguardedServicePrincipal => 3,
        _ => 4,
    }
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
    const NAME: &'static str = "resource-policies";
    type Parameters = Parameters;

    fn resource_types(&self) -> &'static [&'static str] {
        RESOURCE_TYPES
    }

    async fn evaluate(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        let (service, source) = match locate_policy(item) {
            Ok(found) => found,
            Err(problem) => return Verdict::non_compliant(problem),
        };
        let read = match source {
            PolicySource::Recorded(policy) => return judge(item, service, policy, parameters),
            PolicySource::EventBus(name) => self.reader.event_bus_policy(name).await.map_err(|e| {
                format!("could not read the event bus policy (events:DescribeEventBus): {e}")
            }),
            PolicySource::Table(arn) => self.reader.table_policy(&arn).await.map_err(|e| {
                format!("could not read the table policy (dynamodb:GetResourcePolicy): {e}")
            }),
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
        async fn event_bus_policy(&self, _: &str) -> Result<Option<String>, String> {
            Err("unexpected read".to_owned())
        }
        async fn table_policy(&self, _: &str) -> Result<Option<String>, String> {
            Err("unexpected read".to_owned())
        }
    }

    struct Reads {
        bus: Result<Option<String>, String>,
        table: Result<Option<String>, String>,
    }
    impl PolicyReader for Reads {
        async fn event_bus_policy(&self, _: &str) -> Result<Option<String>, String> {
            self.bus.clone()
        }
        async fn table_policy(&self, _: &str) -> Result<Option<String>, String> {
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
            assert!(
                verdict
                    .annotation
                    .starts_with("Statement[0] (Sid \"Open\") allows anyone"),
                "{}",
                verdict.annotation
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
        assert!(
            verdict.annotation.contains("confused deputy"),
            "{}",
            verdict.annotation
        );
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
        assert!(
            broken
                .annotation
                .starts_with("could not read the resource policy"),
            "{}",
            broken.annotation
        );
        let reads = Reads {
            bus: Err("AccessDeniedException: not authorized".to_owned()),
            table: Ok(None),
        };
        let bus = item("AWS::Events::EventBus", json!({"Name": "r"}), json!({}));
        let verdict = ResourcePolicies::new(reads)
            .evaluate(&bus, &Parameters::default())
            .await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_eq!(verdict.annotation, "could not read the event bus policy (events:DescribeEventBus): AccessDeniedException: not authorized");
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
