//! The role each function of a template runs with, as IAM will hold it: a template
//! `AWS::IAM::Role` (its inline policies, the managed policies it lists or that name it, its
//! boundary), or the role SAM creates for a function given none (AWSLambdaBasicExecutionRole,
//! the managed policies its tracing, VPC and event sources add, and its `Policies`: managed
//! names or ARNs, inline statements, SAM policy templates expanded from SAM's own definitions).

use serde_json::{json, Value};

use super::data::{aws_managed_policy, sam_policy_template};
use super::resolve::{Scope, STACK};
use super::sam::Function;
use super::yaml::Node;
use super::{Resource, Template};
use crate::rules::least_privilege::{PolicyText, RoleGrant};

/// A role to judge, where to report it, and what of it could not be known before deploy.
pub struct TemplateRole<'a> {
    pub at: Resource<'a>,
    pub path: &'static str,
    pub node: Option<&'a Node>,
    pub grant: RoleGrant,
    /// Policies named but not known before deploy (a customer managed policy outside the
    /// template), not judged.
    pub unknown: Vec<String>,
}

/// Each distinct role the template's functions run with, when the template defines it.
pub fn function_roles<'a>(
    template: &'a Template,
    functions: &[Function<'a>],
) -> Vec<TemplateRole<'a>> {
    let mut seen: Vec<String> = Vec::new();
    let mut roles = Vec::new();
    for function in functions {
        match function.role_node {
            None if function.resource.kind == "AWS::Serverless::Function" => {
                roles.push(sam_role(template, function));
            }
            None => {}
            Some(node) => {
                let Some(logical_id) = super::checks::referenced(node) else {
                    continue;
                };
                if seen.iter().any(|id| id == logical_id) {
                    continue;
                }
                seen.push(logical_id.to_owned());
                if let Some(role) = template
                    .resources()
                    .into_iter()
                    .find(|r| r.logical_id == logical_id && r.kind == "AWS::IAM::Role")
                {
                    roles.push(template_role(template, role));
                }
            }
        }
    }
    roles
}

fn text(document: &Value) -> String {
    document.to_string()
}

/// A managed policy an ARN or name stands for: an AWS managed one, or one the template
/// defines; `Err` with the name when neither.
fn managed(template: &Template, arn: &Value) -> Result<PolicyText, String> {
    let name = arn
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| arn.to_string());
    if let Some(document) = aws_managed_policy(&name) {
        return Ok(PolicyText {
            name: if name.starts_with("arn:") {
                name
            } else {
                format!("arn:aws:iam::aws:policy/{name}")
            },
            document: text(document),
        });
    }
    for resource in template.resources() {
        if resource.kind != "AWS::IAM::ManagedPolicy" {
            continue;
        }
        let reference = template
            .scope
            .resolve(&Node::from_json(&json!({"Ref": resource.logical_id})));
        if reference.as_str() == Some(name.as_str()) {
            if let Some(document) = resource.property(&["PolicyDocument"]) {
                return Ok(PolicyText {
                    name: format!("managed policy {}", resource.logical_id),
                    document: text(&template.scope.resolve(document)),
                });
            }
        }
    }
    Err(name)
}

/// The policies (`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy`) of the template that name the
/// role `logical_id` in `Roles`.
fn attached_by_name(template: &Template, logical_id: &str, kind: &str) -> Vec<PolicyText> {
    template
        .resources()
        .into_iter()
        .filter(|r| r.kind == kind)
        .filter(|r| {
            r.property(&["Roles"]).is_some_and(|roles| {
                roles
                    .items()
                    .iter()
                    .any(|role| super::checks::referenced(role) == Some(logical_id))
            })
        })
        .filter_map(|r| {
            let document = r.property(&["PolicyDocument"])?;
            Some(PolicyText {
                name: format!("policy {}", r.logical_id),
                document: text(&template.scope.resolve(document)),
            })
        })
        .collect()
}

fn template_role<'a>(template: &'a Template, role: Resource<'a>) -> TemplateRole<'a> {
    let scope = &template.scope;
    let mut inline: Vec<PolicyText> = role
        .property(&["Policies"])
        .map(|policies| policies.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|policy| {
            let name = policy.get("PolicyName").map(|n| scope.resolve(n));
            let document = policy.get("PolicyDocument")?;
            Some(PolicyText {
                name: format!(
                    "inline policy {}",
                    name.as_ref().and_then(Value::as_str).unwrap_or("(unnamed)")
                ),
                document: text(&scope.resolve(document)),
            })
        })
        .collect();
    inline.extend(attached_by_name(
        template,
        role.logical_id,
        "AWS::IAM::Policy",
    ));
    let mut attached = attached_by_name(template, role.logical_id, "AWS::IAM::ManagedPolicy");
    let mut unknown = Vec::new();
    if let Some(arns) = role.property(&["ManagedPolicyArns"]) {
        for arn in flatten(scope.resolve(arns)) {
            match managed(template, &arn) {
                Ok(policy) => attached.push(policy),
                Err(name) => unknown.push(name),
            }
        }
    }
    let boundary = role
        .property(&["PermissionsBoundary"])
        .map(|node| scope.resolve(node))
        .and_then(|arn| match managed(template, &arn) {
            Ok(policy) => Some(policy),
            Err(name) => {
                unknown.push(format!("{name} (boundary)"));
                None
            }
        });
    let role_name = scope
        .names
        .get(role.logical_id)
        .cloned()
        .unwrap_or_else(|| format!("{STACK}-{}", role.logical_id));
    TemplateRole {
        path: "Properties",
        node: role.node.get("Properties"),
        at: role,
        grant: RoleGrant {
            role_name,
            inline,
            attached,
            boundary,
            created: None,
        },
        unknown,
    }
}

/// A resolved value as a list of its items (a single value is a list of one).
fn flatten(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.into_iter().flat_map(flatten).collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The managed policies SAM attaches for an event source of this type.
fn event_source_policy(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "SQS" => "AWSLambdaSQSQueueExecutionRole",
        "Kinesis" => "AWSLambdaKinesisExecutionRole",
        "DynamoDB" => "AWSLambdaDynamoDBExecutionRole",
        "MSK" => "AWSLambdaMSKExecutionRole",
        _ => return None,
    })
}

fn sam_role<'a>(template: &'a Template, function: &Function<'a>) -> TemplateRole<'a> {
    let scope = &template.scope;
    let resource = &function.resource;
    let globals = template.root.get("Globals").and_then(|g| g.get("Function"));
    let property = |key: &str| {
        resource
            .property(&[key])
            .or_else(|| globals.and_then(|g| g.get(key)))
    };
    let mut names = vec!["AWSLambdaBasicExecutionRole"];
    if property("Tracing").map(|n| scope.resolve(n)) == Some(Value::String("Active".to_owned())) {
        names.push("AWSXrayWriteOnlyAccess");
    }
    if property("VpcConfig").is_some() {
        names.push("AWSLambdaVPCAccessExecutionRole");
    }
    for (_, event) in resource
        .property(&["Events"])
        .map(Node::entries)
        .unwrap_or_default()
    {
        if let Some(name) = event
            .get("Type")
            .and_then(Node::as_str)
            .and_then(event_source_policy)
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let mut attached: Vec<PolicyText> = Vec::new();
    let mut unknown = Vec::new();
    for name in names {
        match managed(template, &Value::String(name.to_owned())) {
            Ok(policy) => attached.push(policy),
            Err(name) => unknown.push(name),
        }
    }
    let mut inline = Vec::new();
    let policies = resource.property(&["Policies"]);
    let items: Vec<&Node> = match policies {
        Some(node) if !node.items().is_empty() => node.items().iter().collect(),
        Some(node) => vec![node],
        None => Vec::new(),
    };
    for (index, item) in items.into_iter().enumerate() {
        if let Some(statement) = item.get("Statement") {
            let document = json!({"Version": "2012-10-17", "Statement": scope.resolve(statement)});
            inline.push(PolicyText {
                name: format!("inline policy {}Policy{index}", resource.logical_id),
                document: text(&document),
            });
            continue;
        }
        if let Some((template_name, parameters)) =
            item.entries().first().filter(|_| item.entries().len() == 1)
        {
            if let Some(definition) = sam_policy_template(template_name) {
                let document = expand(scope, definition, parameters);
                inline.push(PolicyText {
                    name: format!("inline policy {template_name} (SAM policy template)"),
                    document: text(&document),
                });
                continue;
            }
        }
        for arn in flatten(scope.resolve(item)) {
            match managed(template, &arn) {
                Ok(policy) => attached.push(policy),
                Err(name) => unknown.push(name),
            }
        }
    }
    let boundary = property("PermissionsBoundary")
        .map(|node| scope.resolve(node))
        .and_then(|arn| managed(template, &arn).ok());
    TemplateRole {
        path: "Properties.Policies",
        node: policies,
        at: resource.clone(),
        grant: RoleGrant {
            role_name: format!("{STACK}-{}Role", resource.logical_id),
            inline,
            attached,
            boundary,
            created: None,
        },
        unknown,
    }
}

/// A SAM policy template's statements with its parameters' values put in.
fn expand(scope: &Scope, definition: &Value, parameters: &Node) -> Value {
    let mut scope = scope.clone();
    for (name, value) in parameters.entries() {
        let value = scope.resolve(value);
        scope.parameters.insert(name.clone(), value);
    }
    let statement = definition.get("statement").cloned().unwrap_or(Value::Null);
    let resolved = scope.resolve(&Node::from_json(&statement));
    json!({"Version": "2012-10-17", "Statement": resolved})
}
