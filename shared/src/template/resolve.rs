//! What the template's values are before deploy: intrinsic functions evaluated where the
//! template, its parameters' defaults or `--parameters` decide them; the account, region and
//! partition as placeholders; a template resource's name and ARN built from its logical id.
//! A value that cannot be known before deploy becomes a marker naming why, which findings
//! carry instead of a guess.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::yaml::{Kind, Node};

/// The account every template value is judged in.
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
pub const PARTITION: &str = "aws";
pub const STACK: &str = "sec2-template";

/// How an unknown value starts: `<unknown before deploy: Ref BucketName>`.
pub const UNKNOWN: &str = "<unknown before deploy: ";

/// Whether a resolved value holds something unknown before deploy.
pub fn holds_unknown(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains(UNKNOWN),
        Value::Array(items) => items.iter().any(holds_unknown),
        Value::Object(entries) => entries.values().any(holds_unknown),
        _ => false,
    }
}

fn unknown(why: &str) -> Value {
    Value::String(format!("{UNKNOWN}{why}>"))
}

/// `AWS::NoValue`: the property or list item is left out.
const NO_VALUE: &str = "\u{0}sec2:no-value";

/// The template's names: parameters (known values), resources (their types and names) and
/// conditions.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub parameters: BTreeMap<String, Value>,
    /// Logical id to type.
    pub resources: BTreeMap<String, String>,
    /// Logical id to the physical name the template gives it, where it gives one.
    pub names: BTreeMap<String, String>,
    pub conditions: BTreeMap<String, Option<bool>>,
    pub mappings: Option<Value>,
}

impl Scope {
    /// The value of `node` with every intrinsic it can decide decided.
    pub fn resolve(&self, node: &Node) -> Value {
        let value = self.value(node, 0);
        strip_no_value(value).unwrap_or(Value::Null)
    }

    fn value(&self, node: &Node, depth: usize) -> Value {
        if depth > super::yaml::MAX_DEPTH {
            return unknown("nested too deep");
        }
        match &node.kind {
            Kind::Map(entries) if entries.len() == 1 => {
                let Some((name, argument)) = entries.first() else {
                    return Value::Null;
                };
                if name == "Ref" || name.starts_with("Fn::") {
                    return self.intrinsic(name, argument, depth + 1);
                }
                let mut map = Map::new();
                map.insert(name.clone(), self.value(argument, depth + 1));
                Value::Object(map)
            }
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.value(v, depth + 1)))
                    .collect(),
            ),
            Kind::List(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.value(item, depth + 1))
                    .collect(),
            ),
            _ => node.to_json(),
        }
    }

    fn intrinsic(&self, name: &str, argument: &Node, depth: usize) -> Value {
        let arguments: Vec<Value> = argument
            .items()
            .iter()
            .map(|item| self.value(item, depth))
            .collect();
        let text = |value: &Value| value.as_str().map(str::to_owned);
        match name {
            "Ref" => match argument.as_str() {
                Some(target) => self.reference(target),
                None => unknown("Ref of a non-name"),
            },
            "Fn::GetAtt" => {
                let (resource, attribute) = match &argument.kind {
                    Kind::List(_) => (
                        arguments.first().and_then(text),
                        arguments.get(1).and_then(text),
                    ),
                    Kind::String(joined) => match joined.split_once('.') {
                        Some((r, a)) => (Some(r.to_owned()), Some(a.to_owned())),
                        None => (None, None),
                    },
                    _ => (None, None),
                };
                match (resource, attribute) {
                    (Some(resource), Some(attribute)) => self.attribute(&resource, &attribute),
                    _ => unknown("Fn::GetAtt"),
                }
            }
            "Fn::Sub" => {
                let (template, variables) = match &argument.kind {
                    Kind::String(text) => (Some(text.clone()), Map::new()),
                    Kind::List(_) => (
                        arguments.first().and_then(text),
                        arguments
                            .get(1)
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    _ => (None, Map::new()),
                };
                match template {
                    Some(template) => Value::String(self.substitute(&template, &variables)),
                    None => unknown("Fn::Sub"),
                }
            }
            "Fn::Join" => match (arguments.first().and_then(Value::as_str), arguments.get(1)) {
                (Some(delimiter), Some(Value::Array(parts))) => Value::String(
                    parts
                        .iter()
                        .filter(|part| part.as_str() != Some(NO_VALUE))
                        .map(scalar_text)
                        .collect::<Vec<_>>()
                        .join(delimiter),
                ),
                _ => unknown("Fn::Join"),
            },
            "Fn::Select" => {
                let index = arguments.first().and_then(|index| match index {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                });
                match (index, arguments.get(1)) {
                    (Some(index), Some(Value::Array(items))) => usize::try_from(index)
                        .ok()
                        .and_then(|index| items.get(index).cloned())
                        .unwrap_or_else(|| unknown("Fn::Select")),
                    _ => unknown("Fn::Select"),
                }
            }
            "Fn::Split" => match (arguments.first().and_then(Value::as_str), arguments.get(1)) {
                (Some(delimiter), Some(Value::String(whole)))
                    if !delimiter.is_empty() && !whole.contains(UNKNOWN) =>
                {
                    Value::Array(
                        whole
                            .split(delimiter)
                            .map(|part| Value::String(part.to_owned()))
                            .collect(),
                    )
                }
                _ => unknown("Fn::Split"),
            },
            "Fn::If" => {
                let condition = arguments
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let (yes, no) = (
                    arguments.get(1).cloned().unwrap_or(Value::Null),
                    arguments.get(2).cloned().unwrap_or(Value::Null),
                );
                match self.conditions.get(condition).copied().flatten() {
                    Some(true) => yes,
                    Some(false) => no,
                    // Both branches are judged: lists joined, two values as a list of both.
                    None => both(yes, no),
                }
            }
            "Fn::FindInMap" => {
                let keys: Vec<Option<String>> = arguments.iter().map(text).collect();
                match (&self.mappings, keys.as_slice()) {
                    (Some(mappings), [Some(map), Some(first), Some(second), ..]) => mappings
                        .get(map)
                        .and_then(|m| m.get(first))
                        .and_then(|m| m.get(second))
                        .cloned()
                        .unwrap_or_else(|| unknown("Fn::FindInMap")),
                    _ => unknown("Fn::FindInMap"),
                }
            }
            "Fn::GetAZs" => Value::Array(
                ["a", "b", "c"]
                    .iter()
                    .map(|zone| Value::String(format!("{REGION}{zone}")))
                    .collect(),
            ),
            "Fn::Base64" => self.value(argument, depth),
            "Fn::ToJsonString" => Value::String(self.value(argument, depth).to_string()),
            other => unknown(other),
        }
    }

    fn reference(&self, target: &str) -> Value {
        match target {
            "AWS::AccountId" => Value::String(ACCOUNT.to_owned()),
            "AWS::Region" => Value::String(REGION.to_owned()),
            "AWS::Partition" => Value::String(PARTITION.to_owned()),
            "AWS::StackName" => Value::String(STACK.to_owned()),
            "AWS::URLSuffix" => Value::String("amazonaws.com".to_owned()),
            "AWS::StackId" => Value::String(format!(
                "arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/id"
            )),
            "AWS::NoValue" => Value::String(NO_VALUE.to_owned()),
            "AWS::NotificationARNs" => Value::Array(Vec::new()),
            _ => {
                if let Some(value) = self.parameters.get(target) {
                    return value.clone();
                }
                match self.resources.get(target) {
                    Some(kind) => Value::String(reference_of(kind, &self.name_of(target))),
                    None => unknown(&format!("Ref {target}")),
                }
            }
        }
    }

    fn name_of(&self, logical_id: &str) -> String {
        self.names
            .get(logical_id)
            .cloned()
            .unwrap_or_else(|| format!("{STACK}-{logical_id}"))
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Value {
        let Some(kind) = self.resources.get(resource) else {
            return unknown(&format!("Fn::GetAtt {resource}.{attribute}"));
        };
        let name = self.name_of(resource);
        match attribute {
            "Arn" => Value::String(arn_of(kind, &name)),
            "RoleId" | "Id" | "RestApiId" | "ApiId" | "GroupId" | "QueueName" | "TopicName"
            | "Name" => Value::String(name),
            "RootResourceId" => Value::String(format!("{name}-root")),
            "QueueUrl" => Value::String(format!(
                "https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
            )),
            _ => unknown(&format!("Fn::GetAtt {resource}.{attribute}")),
        }
    }

    fn substitute(&self, template: &str, variables: &Map<String, Value>) -> String {
        let value_of = |name: &str| -> Result<String, std::convert::Infallible> {
            if let Some(literal) = name.strip_prefix('!') {
                return Ok(format!("${{{literal}}}"));
            }
            let value = match variables.get(name) {
                Some(value) => value.clone(),
                None => match name.split_once('.') {
                    Some((resource, attribute)) if !name.starts_with("AWS::") => {
                        self.attribute(resource, attribute)
                    }
                    _ => self.reference(name),
                },
            };
            Ok(scalar_text(&value))
        };
        match crate::policy::interpolate(template, value_of) {
            Ok(text) => text,
            Err(never) => match never {},
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn both(yes: Value, no: Value) -> Value {
    match (yes, no) {
        (Value::Array(mut a), Value::Array(b)) => {
            a.extend(b);
            Value::Array(a)
        }
        (yes, Value::String(no)) if no == NO_VALUE => yes,
        (Value::String(yes), no) if yes == NO_VALUE => no,
        (yes @ Value::Object(_), _) => yes,
        (yes, no) => Value::Array(vec![yes, no]),
    }
}

/// `AWS::NoValue` taken out of maps and lists; `None` for a value that is itself none.
fn strip_no_value(value: Value) -> Option<Value> {
    match value {
        Value::String(text) if text == NO_VALUE => None,
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(strip_no_value).collect(),
        )),
        Value::Object(entries) => Some(Value::Object(
            entries
                .into_iter()
                .filter_map(|(k, v)| strip_no_value(v).map(|v| (k, v)))
                .collect(),
        )),
        other => Some(other),
    }
}

/// What `Ref` returns for a resource of `kind` named `name` (a name, an ARN or a URL, as
/// CloudFormation documents per type).
fn reference_of(kind: &str, name: &str) -> String {
    match kind {
        "AWS::SNS::Topic"
        | "AWS::IAM::ManagedPolicy"
        | "AWS::Lambda::LayerVersion"
        | "AWS::SecretsManager::Secret" => arn_of(kind, name),
        "AWS::SQS::Queue" => format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"),
        _ => name.to_owned(),
    }
}

/// The ARN a resource of `kind` named `name` gets in the placeholder account and region.
pub fn arn_of(kind: &str, name: &str) -> String {
    let (service, path, regional) = match kind {
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
            ("lambda", format!("function:{name}"), true)
        }
        "AWS::Lambda::LayerVersion" | "AWS::Serverless::LayerVersion" => {
            ("lambda", format!("layer:{name}:1"), true)
        }
        "AWS::SQS::Queue" => ("sqs", name.to_owned(), true),
        "AWS::SNS::Topic" => ("sns", name.to_owned(), true),
        "AWS::S3::Bucket" => return format!("arn:{PARTITION}:s3:::{name}"),
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => {
            ("dynamodb", format!("table/{name}"), true)
        }
        "AWS::IAM::Role" => ("iam", format!("role/{name}"), false),
        "AWS::IAM::ManagedPolicy" => ("iam", format!("policy/{name}"), false),
        "AWS::Events::EventBus" => ("events", format!("event-bus/{name}"), true),
        "AWS::Events::Rule" => ("events", format!("rule/{name}"), true),
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => {
            ("states", format!("stateMachine:{name}"), true)
        }
        "AWS::Kinesis::Stream" => ("kinesis", format!("stream/{name}"), true),
        "AWS::Logs::LogGroup" => ("logs", format!("log-group:{name}:*"), true),
        "AWS::KMS::Key" => ("kms", format!("key/{name}"), true),
        "AWS::SecretsManager::Secret" => ("secretsmanager", format!("secret:{name}"), true),
        "AWS::Cognito::UserPool" => ("cognito-idp", format!("userpool/{name}"), true),
        _ => ("cloudformation", format!("resource/{name}"), true),
    };
    let region = if regional { REGION } else { "" };
    format!("arn:{PARTITION}:{service}:{region}:{ACCOUNT}:{path}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::yaml::read;

    fn resolved(yaml: &str, scope: &Scope) -> Value {
        let node = read(&format!("v: {yaml}")).unwrap();
        scope.resolve(node.get("v").unwrap())
    }

    fn scope() -> Scope {
        Scope {
            parameters: BTreeMap::from([("Stage".to_owned(), Value::String("prod".to_owned()))]),
            resources: BTreeMap::from([
                ("Topic".to_owned(), "AWS::SNS::Topic".to_owned()),
                ("Fn".to_owned(), "AWS::Serverless::Function".to_owned()),
            ]),
            conditions: BTreeMap::from([
                ("IsProd".to_owned(), Some(true)),
                ("Unknown".to_owned(), None),
            ]),
            ..Scope::default()
        }
    }

    #[test]
    fn refs_subs_and_attributes_resolve_to_placeholder_names_and_arns() {
        let scope = scope();
        assert_eq!(
            resolved("!Ref Topic", &scope),
            "arn:aws:sns:us-east-1:123456789012:sec2-template-Topic"
        );
        assert_eq!(
            resolved("!GetAtt Fn.Arn", &scope),
            "arn:aws:lambda:us-east-1:123456789012:function:sec2-template-Fn"
        );
        assert_eq!(
            resolved("!Sub 'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Stage}/*/GET/'", &scope),
            "arn:aws:execute-api:us-east-1:123456789012:prod/*/GET/"
        );
        assert_eq!(
            resolved("!Sub '${!Literal}-${Fn.Arn}'", &scope),
            "${Literal}-arn:aws:lambda:us-east-1:123456789012:function:sec2-template-Fn"
        );
        assert_eq!(resolved("!Join [':', [a, !Ref Stage]]", &scope), "a:prod");
        assert_eq!(resolved("!Select [1, !Split [',', 'a,b,c']]", &scope), "b");
    }

    #[test]
    fn what_cannot_be_known_is_marked_not_guessed() {
        let scope = scope();
        let value = resolved("!Ref NotDefined", &scope);
        assert!(holds_unknown(&value));
        assert_eq!(value, "<unknown before deploy: Ref NotDefined>");
        assert!(holds_unknown(&resolved("!ImportValue shared-vpc", &scope)));
    }

    #[test]
    fn conditions_pick_a_branch_or_keep_both() {
        let scope = scope();
        assert_eq!(resolved("!If [IsProd, a, b]", &scope), "a");
        assert_eq!(
            resolved("!If [Unknown, a, b]", &scope),
            serde_json::json!(["a", "b"])
        );
        assert_eq!(
            resolved("[x, !If [Unknown, y, !Ref AWS::NoValue]]", &scope),
            serde_json::json!(["x", "y"])
        );
        assert_eq!(
            resolved("[x, !If [IsProd, !Ref AWS::NoValue, y]]", &scope),
            serde_json::json!(["x"])
        );
    }
}
