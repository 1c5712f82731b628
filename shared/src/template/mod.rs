//! `sec2 check-template`: a SAM or CloudFormation template judged before deploy with the rules'
//! own logic. The template is read with every element's line (`yaml`), its intrinsic functions
//! decided where they can be (`resolve`), SAM's resources seen as SAM expands them (`sam`), and
//! each resource judged by the rule that owns what it declares (`checks`).

pub mod checks;
pub mod data;
pub mod network;
pub mod resolve;
pub mod roles;
pub mod sam;
pub mod sarif;
pub mod yaml;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

pub use yaml::{Node, Position, ReadTemplateError};

use resolve::Scope;

/// What the caller sets: parameter values (over the template's defaults), and the accounts and
/// organizations its resource policies may name (resource-policies' AllowedAccountIds and
/// AllowedOrganizationIds).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub parameters: BTreeMap<String, String>,
    pub allowed_accounts: Vec<String>,
    pub allowed_organizations: Vec<String>,
}

/// One thing found, where the template declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule whose logic found it: `resource-policies`, ...
    pub rule: &'static str,
    pub logical_id: String,
    pub resource_type: String,
    /// The property at fault: `Properties.Principal`.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What a template came to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// How many (rule, resource) judgements were made.
    pub judged: usize,
}

/// One resource of the template.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    pub logical_id: &'a str,
    pub kind: &'a str,
    pub node: &'a Node,
}

impl<'a> Resource<'a> {
    /// The node of `Properties.A.B`, when present.
    pub fn property(&self, path: &[&str]) -> Option<&'a Node> {
        let mut node: &'a Node = self.node.get("Properties")?;
        for key in path {
            node = node.get(key)?;
        }
        Some(node)
    }
}

/// A template read and its names in scope.
pub struct Template {
    pub root: Node,
    pub scope: Scope,
}

impl Template {
    /// Reads a template's text with the caller's parameter values.
    pub fn read(text: &str, options: &Options) -> Result<Template, ReadTemplateError> {
        let root = yaml::read(text)?;
        let mut scope = Scope::default();
        for (name, declared) in root
            .get("Parameters")
            .map(Node::entries)
            .unwrap_or_default()
        {
            let given = options
                .parameters
                .get(name)
                .map(|v| Value::String(v.clone()));
            let default = declared.get("Default").map(Node::to_json);
            let list = declared
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(|kind| kind.starts_with("List<") || kind == "CommaDelimitedList");
            if let Some(value) = given.or(default) {
                let value = match value {
                    Value::String(text) if list => Value::Array(
                        text.split(',')
                            .map(|part| Value::String(part.trim().to_owned()))
                            .collect(),
                    ),
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Bool(b) => Value::String(b.to_string()),
                    other => other,
                };
                scope.parameters.insert(name.clone(), value);
            }
        }
        for (logical_id, resource) in root.get("Resources").map(Node::entries).unwrap_or_default() {
            let kind = resource
                .get("Type")
                .and_then(Node::as_str)
                .unwrap_or_default();
            scope.resources.insert(logical_id.clone(), kind.to_owned());
        }
        scope.mappings = root.get("Mappings").map(Node::to_json);
        // Names first (they may use parameters), then conditions.
        for (logical_id, resource) in root.get("Resources").map(Node::entries).unwrap_or_default() {
            let kind = resource
                .get("Type")
                .and_then(Node::as_str)
                .unwrap_or_default();
            if let Some(name) = name_property(kind)
                .and_then(|key| resource.get("Properties").and_then(|p| p.get(key)))
                .map(|node| scope.resolve(node))
                .and_then(|value| value.as_str().map(str::to_owned))
                .filter(|name| !name.contains(resolve::UNKNOWN))
            {
                scope.names.insert(logical_id.clone(), name);
            }
        }
        let conditions: Vec<(String, Node)> = root
            .get("Conditions")
            .map(Node::entries)
            .unwrap_or_default()
            .to_vec();
        // A condition may use another: a few rounds settle every chain a template writes.
        for _ in 0..4 {
            for (name, node) in &conditions {
                let value = evaluate_condition(&scope, node, 0);
                scope.conditions.insert(name.clone(), value);
            }
        }
        Ok(Template { root, scope })
    }

    /// Every resource whose condition does not rule it out, in the order written.
    pub fn resources(&self) -> Vec<Resource<'_>> {
        self.root
            .get("Resources")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .filter(|(_, node)| {
                node.get("Condition")
                    .and_then(Node::as_str)
                    .and_then(|condition| self.scope.conditions.get(condition).copied().flatten())
                    != Some(false)
            })
            .map(|(logical_id, node)| Resource {
                logical_id,
                kind: node.get("Type").and_then(Node::as_str).unwrap_or_default(),
                node,
            })
            .collect()
    }
}

/// The property that names a resource of `kind`, when the template may set it.
fn name_property(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => "FunctionName",
        "AWS::SQS::Queue" => "QueueName",
        "AWS::SNS::Topic" => "TopicName",
        "AWS::S3::Bucket" => "BucketName",
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => "TableName",
        "AWS::IAM::Role" => "RoleName",
        "AWS::IAM::ManagedPolicy" => "ManagedPolicyName",
        "AWS::Events::EventBus" => "Name",
        _ => return None,
    })
}

/// A condition's value: `Some` when the template and parameters decide it.
fn evaluate_condition(scope: &Scope, node: &Node, depth: usize) -> Option<bool> {
    if depth > 32 {
        return None;
    }
    let (name, argument) = node.entries().first()?;
    let arguments = argument.items();
    match name.as_str() {
        "Fn::Equals" => {
            let left = scope.resolve(arguments.first()?);
            let right = scope.resolve(arguments.get(1)?);
            if resolve::holds_unknown(&left) || resolve::holds_unknown(&right) {
                return None;
            }
            Some(plain(&left) == plain(&right))
        }
        "Fn::Not" => evaluate_condition(scope, arguments.first()?, depth + 1).map(|b| !b),
        "Fn::And" => {
            let values: Vec<Option<bool>> = arguments
                .iter()
                .map(|a| evaluate_condition(scope, a, depth + 1))
                .collect();
            if values.contains(&Some(false)) {
                Some(false)
            } else if values.iter().all(|v| *v == Some(true)) {
                Some(true)
            } else {
                None
            }
        }
        "Fn::Or" => {
            let values: Vec<Option<bool>> = arguments
                .iter()
                .map(|a| evaluate_condition(scope, a, depth + 1))
                .collect();
            if values.contains(&Some(true)) {
                Some(true)
            } else if values.iter().all(|v| *v == Some(false)) {
                Some(false)
            } else {
                None
            }
        }
        "Condition" => scope.conditions.get(argument.as_str()?).copied().flatten(),
        _ => None,
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Reads and judges a template.
pub fn check(text: &str, options: &Options) -> Result<Report, ReadTemplateError> {
    let template = Template::read(text, options)?;
    Ok(checks::judge(&template, options))
}
