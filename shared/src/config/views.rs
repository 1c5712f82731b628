//! Typed views of the configuration items the rules read, and the builders `sec2 scan` uses to
//! make the same items from the service APIs: each JSON path is written here once.

use serde_json::{json, Map, Value};

use super::item::ConfigurationItem;

/// A configuration item field that is there but not in the shape AWS Config records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the configuration item's `{field}` cannot be read: {problem}")]
pub struct ViewError {
    pub field: String,
    pub problem: String,
}

/// An `AWS::Lambda::Function` item as the rules need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LambdaFunction {
    pub name: String,
    pub arn: Option<String>,
    /// The execution role's ARN.
    pub role: Option<String>,
    pub runtime: Option<String>,
    /// `vpcConfig.subnetIds`: empty when the function is not in a VPC.
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

impl LambdaFunction {
    /// The function in `item`; its name falls back to the item's resource name, then its id.
    pub fn of(item: &ConfigurationItem) -> Result<Self, ViewError> {
        let text = |path: &[&str]| {
            item.configuration_at(path)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Ok(LambdaFunction {
            name: text(&["functionName"])
                .or_else(|| item.resource_name.clone())
                .unwrap_or_else(|| item.resource_id.clone()),
            arn: item.arn.clone().or_else(|| text(&["functionArn"])),
            role: text(&["role"]),
            runtime: text(&["runtime"]),
            subnet_ids: ids(item, "subnetIds")?,
            security_group_ids: ids(item, "securityGroupIds")?,
        })
    }

    /// The item's `configuration`, as AWS Config records it.
    pub fn configuration(&self) -> Value {
        json!({
            "functionName": self.name,
            "functionArn": self.arn,
            "role": self.role,
            "runtime": self.runtime,
            "vpcConfig": {
                "subnetIds": self.subnet_ids,
                "securityGroupIds": self.security_group_ids,
            },
        })
    }
}

fn ids(item: &ConfigurationItem, key: &str) -> Result<Vec<String>, ViewError> {
    let problem = |problem: String| ViewError {
        field: format!("vpcConfig.{key}"),
        problem,
    };
    match item.configuration_at(&["vpcConfig", key]) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(values)) => values
            .iter()
            .map(|value| {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| problem(format!("it holds {value}, not an id")))
            })
            .collect(),
        Some(other) => Err(problem(format!("it is {other}, not a list"))),
    }
}

/// Where AWS Config records a resource type's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyPath {
    /// In `configuration`, at this path.
    Configuration(&'static [&'static str]),
    /// In `supplementaryConfiguration`, at this path.
    Supplementary(&'static [&'static str]),
}

/// Where the policy of `resource_type` is recorded; `None` for a type whose policy Config does
/// not record (a DynamoDB table's is read live).
pub fn policy_path(resource_type: &str) -> Option<PolicyPath> {
    Some(match resource_type {
        "AWS::Lambda::Function" => PolicyPath::Supplementary(&["Policy"]),
        "AWS::SQS::Queue" | "AWS::SNS::Topic" | "AWS::Events::EventBus" => {
            PolicyPath::Configuration(&["Policy"])
        }
        "AWS::S3::Bucket" => PolicyPath::Supplementary(&["BucketPolicy", "policyText"]),
        "AWS::ApiGateway::RestApi" => PolicyPath::Configuration(&["policy"]),
        _ => return None,
    })
}

/// The policy recorded in `item`, when there is one (absent, null and empty count as none).
pub fn recorded_policy(item: &ConfigurationItem) -> Option<&Value> {
    let value = match policy_path(&item.resource_type)? {
        PolicyPath::Configuration(path) => item.configuration_at(path),
        PolicyPath::Supplementary(path) => item.supplementary_at(path),
    };
    value.filter(|v| !v.is_null() && v.as_str() != Some(""))
}

/// Whether `item` carries the field its type records a policy in (a bus recorded before
/// Config recorded bus policies has none, and its policy is read live).
pub fn records_policy_field(item: &ConfigurationItem) -> bool {
    match policy_path(&item.resource_type) {
        Some(PolicyPath::Configuration(path)) => item.configuration_at(path).is_some(),
        Some(PolicyPath::Supplementary(path)) => item.supplementary_at(path).is_some(),
        None => false,
    }
}

/// Puts `policy` where Config records it for `resource_type`, into an item being built.
pub fn record_policy(
    resource_type: &str,
    configuration: &mut Value,
    supplementary: &mut Map<String, Value>,
    policy: String,
) {
    let (target, path) = match policy_path(resource_type) {
        Some(PolicyPath::Configuration(path)) => (configuration, path),
        Some(PolicyPath::Supplementary(path)) => {
            // The scan builds only single-key supplementary paths (Lambda's `Policy`).
            if let [key] = path {
                supplementary.insert((*key).to_owned(), Value::String(policy));
            }
            return;
        }
        None => return,
    };
    if let ([key], Some(object)) = (path, target.as_object_mut()) {
        object.insert((*key).to_owned(), Value::String(policy));
    }
}

/// An `AWS::S3::Bucket` item's configuration.
pub fn bucket_configuration(name: &str) -> Value {
    json!({"name": name})
}

/// The region a bucket's `LocationConstraint` names, as S3 answers GetBucketLocation: none is
/// us-east-1, and `EU` is the old name of eu-west-1.
pub fn bucket_region(location_constraint: Option<&str>) -> &str {
    match location_constraint {
        None | Some("") => "us-east-1",
        Some("EU") => "eu-west-1",
        Some(region) => region,
    }
}

/// An ACL permission as Config records it (`FullControl`) from S3's (`FULL_CONTROL`).
pub fn config_permission(permission: &str) -> String {
    permission
        .split('_')
        .map(|word| {
            let mut letters = word.chars();
            letters.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + &letters.as_str().to_ascii_lowercase()
            })
        })
        .collect()
}

/// An `AWS::SQS::Queue` item's configuration.
pub fn queue_configuration(url: &str, arn: &str) -> Value {
    json!({"QueueUrl": url, "QueueArn": arn})
}

/// An `AWS::SNS::Topic` item's configuration.
pub fn topic_configuration(arn: &str) -> Value {
    json!({"TopicArn": arn})
}

/// An `AWS::ApiGateway::RestApi` item's configuration.
pub fn rest_api_configuration(id: &str, name: Option<&str>, endpoint_types: &[&str]) -> Value {
    json!({"id": id, "name": name, "endpointConfiguration": {"types": endpoint_types}})
}

/// An `AWS::ApiGateway::Stage` item's configuration.
pub fn stage_configuration(
    stage_name: &str,
    rest_api_id: &str,
    deployment_id: Option<&str>,
    web_acl_arn: Option<&str>,
) -> Value {
    json!({
        "stageName": stage_name,
        "restApiId": rest_api_id,
        "deploymentId": deployment_id,
        "webAclArn": web_acl_arn,
    })
}

/// An `AWS::Events::EventBus` item's configuration (its policy is read live).
pub fn event_bus_configuration(name: &str, arn: &str) -> Value {
    json!({"Name": name, "Arn": arn})
}

/// An `AWS::DynamoDB::Table` item's configuration (its policy is read live).
pub fn table_configuration(name: &str) -> Value {
    json!({"tableName": name})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(configuration: Value) -> ConfigurationItem {
        ConfigurationItem::from_json(&json!({
            "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
            "configurationItemStatus": "OK",
            "resourceType": "AWS::Lambda::Function",
            "resourceId": "id-1",
            "resourceName": "airline-booking",
            "configuration": configuration,
        }))
        .unwrap()
    }

    #[test]
    fn a_built_function_reads_back_as_itself() {
        let function = LambdaFunction {
            name: "airline-booking".to_owned(),
            arn: Some("arn:aws:lambda:us-east-1:111122223333:function:airline-booking".to_owned()),
            role: Some("arn:aws:iam::111122223333:role/booking".to_owned()),
            runtime: Some("provided.al2023".to_owned()),
            subnet_ids: vec!["subnet-1".to_owned()],
            security_group_ids: vec!["sg-1".to_owned()],
        };
        assert_eq!(
            LambdaFunction::of(&item(function.configuration())).unwrap(),
            function
        );
    }

    #[test]
    fn a_policy_recorded_by_the_builders_is_found_by_the_rules() {
        for resource_type in [
            "AWS::Lambda::Function",
            "AWS::SQS::Queue",
            "AWS::SNS::Topic",
            "AWS::ApiGateway::RestApi",
        ] {
            let mut configuration = json!({});
            let mut supplementary = Map::new();
            record_policy(
                resource_type,
                &mut configuration,
                &mut supplementary,
                "{}".to_owned(),
            );
            let item = ConfigurationItem::from_json(&json!({
                "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
                "configurationItemStatus": "OK",
                "resourceType": resource_type,
                "resourceId": "r",
                "configuration": configuration,
                "supplementaryConfiguration": supplementary,
            }))
            .unwrap();
            assert!(recorded_policy(&item).is_some(), "{resource_type}");
            assert!(records_policy_field(&item), "{resource_type}");
        }
    }

    #[test]
    fn a_missing_name_falls_back_and_a_malformed_vpc_is_an_error() {
        let read = LambdaFunction::of(&item(json!({}))).unwrap();
        assert_eq!(read.name, "airline-booking");
        assert!(read.subnet_ids.is_empty());
        let error =
            LambdaFunction::of(&item(json!({"vpcConfig": {"subnetIds": "subnet-1"}}))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the configuration item's `vpcConfig.subnetIds` cannot be read: it is \"subnet-1\", not a list"
        );
    }

    #[test]
    fn bucket_regions_and_acl_permissions_read_as_config_records_them() {
        assert_eq!(bucket_region(None), "us-east-1");
        assert_eq!(bucket_region(Some("EU")), "eu-west-1");
        assert_eq!(bucket_region(Some("ap-south-1")), "ap-south-1");
        assert_eq!(config_permission("FULL_CONTROL"), "FullControl");
        assert_eq!(config_permission("READ_ACP"), "ReadAcp");
        assert_eq!(config_permission("READ"), "Read");
    }
}
