//! Typed views of the configuration items the rules read, and the builders `sec2 scan` uses to
//! make the same items from the service APIs: each JSON path is written here once.

use serde_json::{json, Value};

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
}
