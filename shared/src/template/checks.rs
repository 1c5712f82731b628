//! Each resource of a template judged by the rule that owns what it declares, with that rule's
//! own judgement: resource policies (resource-policies), secrets in variables and roles shared
//! between functions (temporary-credentials), function URLs and API methods and routes open to
//! anyone (network-controls).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::resolve::{holds_unknown, ACCOUNT};
use super::sam::{functions, Function};
use super::yaml::Node;
use super::{Finding, Options, Report, Resource, Template};
use crate::config::{Compliance, Verdict};
use crate::policy::ResourceService;
use crate::registry::{
    LEAST_PRIVILEGE, NETWORK_CONTROLS, RESOURCE_POLICIES, TEMPORARY_CREDENTIALS,
};
use crate::rules::public_by_design::{self, Marking};
use crate::rules::resource_policies::{self, judge_document};
use crate::rules::temporary_credentials::secrets::{find_secrets, SecretKind};
use crate::rules::temporary_credentials::{self};

/// Every judgement of the template.
pub fn judge(template: &Template, options: &Options) -> Report {
    let mut report = Report::default();
    let functions = functions(template);
    resource_policies(template, &functions, options, &mut report);
    function_checks(&functions, &mut report);
    trust_checks(template, &functions, &mut report);
    role_grants(template, &functions, &mut report);
    super::network::judge(template, &functions, &mut report);
    open_methods(template, &mut report);
    report
}

pub(crate) fn finding_at(
    rule: &'static str,
    resource: &Resource<'_>,
    path: &str,
    node: Option<&Node>,
    message: String,
) -> Finding {
    let at = node.map_or(resource.node.at, |node| node.at);
    Finding {
        rule,
        logical_id: resource.logical_id.to_owned(),
        resource_type: resource.kind.to_owned(),
        path: path.to_owned(),
        line: at.line,
        column: at.column,
        message,
    }
}

/// A verdict into the report: a finding unless it passes; what it judged was unknown before
/// deploy is said.
fn record(
    report: &mut Report,
    rule: &'static str,
    resource: &Resource<'_>,
    path: &str,
    node: Option<&Node>,
    verdict: Verdict,
    judged: &Value,
) {
    report.judged += 1;
    if verdict.compliance != Compliance::NonCompliant {
        return;
    }
    let mut message = verdict.annotation;
    if holds_unknown(judged) {
        message.push_str(
            " (judged with values unknown before deploy, marked <unknown before deploy: ...>)",
        );
    }
    report
        .findings
        .push(finding_at(rule, resource, path, node, message));
}

// ---- resource-policies

fn resource_policies(
    template: &Template,
    functions: &[Function<'_>],
    options: &Options,
    report: &mut Report,
) {
    let parameters = resource_policies::Parameters {
        allowed_account_ids: options.allowed_accounts.clone(),
        allowed_organization_ids: options.allowed_organizations.clone(),
        ..resource_policies::Parameters::default()
    };
    let tags_of: BTreeMap<&str, &BTreeMap<String, String>> = functions
        .iter()
        .map(|f| (f.resource.logical_id, &f.tags))
        .collect();
    let no_tags = BTreeMap::new();
    for resource in template.resources() {
        let scope = &template.scope;
        let (service, path, node, policy, tags) = match resource.kind {
            "AWS::Lambda::Permission" => {
                let Some(properties) = resource.node.get("Properties") else {
                    continue;
                };
                let target = properties.get("FunctionName").and_then(referenced);
                let tags = target
                    .and_then(|t| tags_of.get(t).copied())
                    .unwrap_or(&no_tags);
                let policy = lambda_permission(template, properties);
                (
                    ResourceService::Lambda,
                    "Properties.Principal",
                    properties.get("Principal"),
                    policy,
                    tags,
                )
            }
            "AWS::Lambda::LayerVersionPermission" => {
                let Some(properties) = resource.node.get("Properties") else {
                    continue;
                };
                let policy = layer_permission(template, properties);
                (
                    ResourceService::Lambda,
                    "Properties.Principal",
                    properties.get("Principal"),
                    policy,
                    &no_tags,
                )
            }
            "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" | "AWS::S3::BucketPolicy" => {
                let service = match resource.kind {
                    "AWS::SQS::QueuePolicy" => ResourceService::Sqs,
                    "AWS::SNS::TopicPolicy" => ResourceService::Sns,
                    _ => ResourceService::S3,
                };
                let node = resource.property(&["PolicyDocument"]);
                let Some(node) = node else { continue };
                (
                    service,
                    "Properties.PolicyDocument",
                    Some(node),
                    document(scope.resolve(node)),
                    &no_tags,
                )
            }
            "AWS::ApiGateway::RestApi" => {
                let Some(node) = resource.property(&["Policy"]) else {
                    continue;
                };
                (
                    ResourceService::ApiGateway,
                    "Properties.Policy",
                    Some(node),
                    document(scope.resolve(node)),
                    &no_tags,
                )
            }
            "AWS::Serverless::Api" => {
                let Some(node) = resource.property(&["Auth", "ResourcePolicy"]) else {
                    continue;
                };
                let policy = sam_api_policy(&scope.resolve(node));
                (
                    ResourceService::ApiGateway,
                    "Properties.Auth.ResourcePolicy",
                    Some(node),
                    policy,
                    &no_tags,
                )
            }
            "AWS::DynamoDB::Table" => {
                let Some(node) = resource.property(&["ResourcePolicy", "PolicyDocument"]) else {
                    continue;
                };
                (
                    ResourceService::DynamoDb,
                    "Properties.ResourcePolicy.PolicyDocument",
                    Some(node),
                    document(scope.resolve(node)),
                    &no_tags,
                )
            }
            "AWS::Events::EventBusPolicy" => {
                let Some(properties) = resource.node.get("Properties") else {
                    continue;
                };
                let policy = event_bus_policy(template, properties);
                let node = properties
                    .get("Statement")
                    .or_else(|| properties.get("Principal"));
                (
                    ResourceService::Events,
                    "Properties.Statement",
                    node,
                    policy,
                    &no_tags,
                )
            }
            "AWS::Serverless::Function" => {
                let Some(function) = functions
                    .iter()
                    .find(|f| f.resource.logical_id == resource.logical_id)
                else {
                    continue;
                };
                let Some((auth, node)) = &function.url_auth else {
                    continue;
                };
                if auth != "NONE" {
                    continue;
                }
                // SAM grants lambda:InvokeFunctionUrl to everyone for a URL without auth.
                let policy = json!({"Version": "2012-10-17", "Statement": [{
                    "Sid": "FunctionUrlAllowPublicAccess", "Effect": "Allow", "Principal": "*",
                    "Action": "lambda:InvokeFunctionUrl", "Resource": "*",
                    "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}]});
                (
                    ResourceService::Lambda,
                    "Properties.FunctionUrlConfig.AuthType",
                    Some(*node),
                    policy,
                    &function.tags,
                )
            }
            _ => continue,
        };
        let verdict = judge_document(ACCOUNT, service, &policy, tags, &parameters);
        record(
            report,
            RESOURCE_POLICIES.name,
            &resource,
            path,
            node,
            verdict,
            &policy,
        );
    }
}

/// The logical id a `Ref` or `Fn::GetAtt` names.
pub(crate) fn referenced(node: &Node) -> Option<&str> {
    node.get("Ref").and_then(Node::as_str).or_else(|| {
        node.get("Fn::GetAtt")
            .and_then(|att| match att.items().first() {
                Some(first) => first.as_str(),
                None => att.as_str().and_then(|t| t.split('.').next()),
            })
    })
}

/// A policy document as a property holds it: an object, or JSON in a string.
fn document(value: Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        other => other,
    }
}

/// The policy SAM writes for an API's `Auth.ResourcePolicy`: its custom statements, the grants
/// its account, address and VPC allow-lists make, and the grant to everyone a deny-list alone
/// makes (the lists' denies only narrow, so leaving them out can only make it look wider).
fn sam_api_policy(resource_policy: &Value) -> Value {
    let mut statements: Vec<Value> = Vec::new();
    match resource_policy.get("CustomStatements") {
        Some(Value::Array(custom)) => statements.extend(custom.iter().cloned()),
        Some(single @ Value::Object(_)) => statements.push(single.clone()),
        _ => {}
    }
    let invoke = "execute-api:/*";
    if let Some(accounts) = resource_policy.get("AwsAccountWhitelist") {
        statements.push(json!({"Effect": "Allow", "Principal": {"AWS": accounts}, "Action": "execute-api:Invoke", "Resource": invoke}));
    }
    if let Some(ranges) = resource_policy.get("IpRangeWhitelist") {
        statements.push(json!({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": invoke,
            "Condition": {"IpAddress": {"aws:SourceIp": ranges}}}));
    }
    for (key, condition_key) in [
        ("SourceVpcWhitelist", "aws:SourceVpc"),
        ("IntrinsicVpcWhitelist", "aws:SourceVpc"),
        ("IntrinsicVpceWhitelist", "aws:SourceVpce"),
    ] {
        if let Some(ids) = resource_policy.get(key) {
            statements.push(json!({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": invoke,
                "Condition": {"StringEquals": {condition_key: ids}}}));
        }
    }
    // A deny-list alone: SAM allows everyone and denies the listed.
    let deny_lists = [
        "AwsAccountBlacklist",
        "IpRangeBlacklist",
        "SourceVpcBlacklist",
    ];
    if deny_lists
        .iter()
        .any(|key| resource_policy.get(key).is_some())
        && statements.is_empty()
    {
        statements.push(json!({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": invoke}));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The principal element a permission's `Principal` stands for.
fn principal_of(principal: &Value) -> Value {
    match principal.as_str() {
        Some("*") => json!("*"),
        Some(text) if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") => {
            json!({"Service": text})
        }
        Some(text) => json!({"AWS": text}),
        None => json!({"AWS": principal}),
    }
}

/// The statement Lambda adds to the function's policy for an `AWS::Lambda::Permission`.
fn lambda_permission(template: &Template, properties: &Node) -> Value {
    let property = |key: &str| properties.get(key).map(|node| template.scope.resolve(node));
    let mut conditions: Map<String, Value> = Map::new();
    let mut add = |operator: &str, key: &str, value: Option<Value>| {
        if let Some(value) = value {
            let entry = conditions
                .entry(operator.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = entry {
                map.insert(key.to_owned(), value);
            }
        }
    };
    add("ArnLike", "AWS:SourceArn", property("SourceArn"));
    add(
        "StringEquals",
        "AWS:SourceAccount",
        property("SourceAccount"),
    );
    add(
        "StringEquals",
        "aws:PrincipalOrgID",
        property("PrincipalOrgID"),
    );
    add(
        "StringEquals",
        "lambda:FunctionUrlAuthType",
        property("FunctionUrlAuthType"),
    );
    add(
        "StringEquals",
        "lambda:EventSourceToken",
        property("EventSourceToken"),
    );
    let mut statement = json!({
        "Sid": "TemplatePermission",
        "Effect": "Allow",
        "Principal": principal_of(&property("Principal").unwrap_or(Value::Null)),
        "Action": property("Action").unwrap_or(Value::Null),
        "Resource": "*",
    });
    if !conditions.is_empty() {
        if let Value::Object(map) = &mut statement {
            map.insert("Condition".to_owned(), Value::Object(conditions));
        }
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

/// The statement a layer version's permission adds.
fn layer_permission(template: &Template, properties: &Node) -> Value {
    let property = |key: &str| properties.get(key).map(|node| template.scope.resolve(node));
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": principal_of(&property("Principal").unwrap_or(Value::Null)),
        "Action": property("Action").unwrap_or(json!("lambda:GetLayerVersion")),
        "Resource": "*",
    });
    if let (Some(org), Value::Object(map)) = (property("OrganizationId"), &mut statement) {
        map.insert(
            "Condition".to_owned(),
            json!({"StringEquals": {"aws:PrincipalOrgID": org}}),
        );
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

/// An event bus policy: its `Statement`, or the older Principal/Action/Condition form.
fn event_bus_policy(template: &Template, properties: &Node) -> Value {
    if let Some(statement) = properties.get("Statement") {
        let statement = template.scope.resolve(statement);
        return json!({"Version": "2012-10-17", "Statement": [statement]});
    }
    let property = |key: &str| properties.get(key).map(|node| template.scope.resolve(node));
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": principal_of(&property("Principal").unwrap_or(Value::Null)),
        "Action": property("Action").unwrap_or(json!("events:PutEvents")),
        "Resource": "*",
    });
    if let (Some(Value::Object(condition)), Value::Object(map)) =
        (property("Condition"), &mut statement)
    {
        // {Type: StringEquals, Key: aws:PrincipalOrgID, Value: o-...}
        if let (Some(kind), Some(key), Some(value)) = (
            condition.get("Type").and_then(Value::as_str),
            condition.get("Key").and_then(Value::as_str),
            condition.get("Value"),
        ) {
            map.insert("Condition".to_owned(), json!({kind: {key: value}}));
        }
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

// ---- temporary-credentials and network-controls, per function

fn function_checks(functions: &[Function<'_>], report: &mut Report) {
    let credentials = temporary_credentials::Parameters::default();
    let tag = public_by_design::DEFAULT_TAG;
    let today = public_by_design::today();
    for function in functions {
        let resource = &function.resource;
        // Secrets in environment variables.
        let secrets = find_secrets(
            function
                .variables
                .iter()
                .map(|(name, value, _)| (name.as_str(), value.as_str())),
            &credentials.secret_name_patterns,
            &credentials.allowed_variables,
        );
        report.judged += 1;
        for (name, kind) in secrets {
            let literal = function
                .variables
                .iter()
                .find(|(n, _, _)| n == name)
                .is_some_and(|(_, _, node)| !is_intrinsic(node));
            // A name that says secret, holding a value the template computes (a Ref to a
            // secret's ARN, a parameter), is not a literal in the template; keys are found by
            // their shape wherever they come from.
            if kind == SecretKind::LiteralSecret && !literal {
                continue;
            }
            let node = function
                .variables
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, _, node)| *node);
            report.findings.push(finding_at(
                TEMPORARY_CREDENTIALS.name,
                resource,
                &format!("Properties.Environment.Variables.{name}"),
                node,
                format!("environment variable {name} holds {kind}; keep it in Secrets Manager or SSM Parameter Store and read it with the function's role"),
            ));
        }
        // A URL anyone can call.
        if let Some((auth, node)) = &function.url_auth {
            report.judged += 1;
            let marking = Marking::of(&function.tags, tag, &today);
            if auth == "NONE" && marking.honoured().is_none() {
                report.findings.push(finding_at(
                    NETWORK_CONTROLS.name,
                    resource,
                    "Properties.FunctionUrlConfig.AuthType",
                    Some(node),
                    format!("the function URL has AuthType NONE, so anyone on the internet can invoke the function; set AuthType AWS_IAM; {}", marking.advice(tag)),
                ));
            }
        }
    }
    // One role per function.
    let mut by_role: BTreeMap<&str, Vec<&Function<'_>>> = BTreeMap::new();
    for function in functions {
        if !function.role.contains(super::resolve::UNKNOWN) {
            by_role
                .entry(function.role.as_str())
                .or_default()
                .push(function);
        }
    }
    for (role, sharers) in by_role {
        if sharers.len() < 2 {
            continue;
        }
        let names: Vec<&str> = sharers.iter().map(|f| f.resource.logical_id).collect();
        for function in &sharers {
            let others: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| *n != function.resource.logical_id)
                .collect();
            report.findings.push(finding_at(
                TEMPORARY_CREDENTIALS.name,
                &function.resource,
                "Properties.Role",
                function.role_node,
                format!(
                    "role {} is also used by {}; give each function its own role",
                    temporary_credentials::role_name(role),
                    others.join(", ")
                ),
            ));
        }
    }
}

/// Only Lambda may assume a function's role: the trust policy of each template role a function
/// runs with (SAM's own roles trust Lambda alone).
fn trust_checks(template: &Template, functions: &[Function<'_>], report: &mut Report) {
    let mut judged: Vec<&str> = Vec::new();
    for function in functions {
        let Some(role_id) = function.role_node.and_then(referenced) else {
            continue;
        };
        if judged.contains(&role_id) {
            continue;
        }
        let Some(role) = template
            .resources()
            .into_iter()
            .find(|r| r.logical_id == role_id && r.kind == "AWS::IAM::Role")
        else {
            continue;
        };
        judged.push(role_id);
        let Some(node) = role.property(&["AssumeRolePolicyDocument"]) else {
            continue;
        };
        let document = document(template.scope.resolve(node));
        let trust = match crate::policy::Policy::parse(&document.to_string()) {
            Ok(policy) => temporary_credentials::Trust::Read(policy),
            Err(error) => temporary_credentials::Trust::Unreadable(format!(
                "could not read the trust policy of {role_id}: {error}"
            )),
        };
        let (problems, _) = temporary_credentials::trust_findings(&function.role, &trust);
        let verdict = if problems.is_empty() {
            Verdict::compliant("only Lambda may assume the role")
        } else {
            Verdict::non_compliant(crate::config::evaluation::annotate(&problems))
        };
        record(
            report,
            TEMPORARY_CREDENTIALS.name,
            &role,
            "Properties.AssumeRolePolicyDocument",
            Some(node),
            verdict,
            &document,
        );
    }
}

/// Each function's role judged as least-privilege judges it (the rule's default parameters;
/// Access Advisor has nothing to say before deploy).
fn role_grants(template: &Template, functions: &[Function<'_>], report: &mut Report) {
    let Ok(parameters) = crate::config::parameters::parse_parameters::<
        crate::rules::least_privilege::Parameters,
    >(&Map::new()) else {
        return;
    };
    let catalog = crate::policy::Catalog::embedded();
    for role in super::roles::function_roles(template, functions) {
        let mut verdict = crate::rules::least_privilege::judge(&role.grant, &parameters, catalog);
        if verdict.compliance == Compliance::NonCompliant && !role.unknown.is_empty() {
            verdict.annotation = format!(
                "{} (not judged, unknown before deploy: {})",
                verdict.annotation,
                role.unknown.join(", ")
            );
        }
        record(
            report,
            LEAST_PRIVILEGE.name,
            &role.at,
            role.path,
            role.node,
            verdict,
            &Value::Null,
        );
    }
}

// ---- network-controls: API methods and routes open to anyone

fn open_methods(template: &Template, report: &mut Report) {
    for resource in template.resources() {
        let (authorization, path, method) = match resource.kind {
            "AWS::ApiGateway::Method" => (
                resource.property(&["AuthorizationType"]),
                "Properties.AuthorizationType",
                resource
                    .property(&["HttpMethod"])
                    .map(|node| template.scope.resolve(node))
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ),
            "AWS::ApiGatewayV2::Route" => (
                resource.property(&["AuthorizationType"]),
                "Properties.AuthorizationType",
                resource
                    .property(&["RouteKey"])
                    .map(|node| template.scope.resolve(node))
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ),
            _ => continue,
        };
        // network-controls judges HTTP APIs' routes; a WebSocket API's are not judged yet.
        let api_node = ["RestApiId", "ApiId"]
            .iter()
            .find_map(|key| resource.property(&[key]))
            .and_then(referenced)
            .and_then(|api| template.root.get("Resources").and_then(|r| r.get(api)));
        let websocket = api_node
            .and_then(|api| api.get("Properties"))
            .and_then(|p| p.get("ProtocolType"))
            .and_then(Node::as_str)
            .is_some_and(|protocol| protocol.eq_ignore_ascii_case("WEBSOCKET"));
        if websocket {
            continue;
        }
        // A private REST API is reached only through VPC endpoints: not judged for the internet.
        let api_id = ["RestApiId", "ApiId"]
            .iter()
            .find_map(|key| resource.property(&[key]))
            .and_then(referenced);
        if api_id.is_some_and(|api| super::network::is_private_api(template, api)) {
            continue;
        }
        report.judged += 1;
        let kind = authorization
            .map(|node| template.scope.resolve(node))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "NONE".to_owned());
        let api_key = resource
            .property(&["ApiKeyRequired"])
            .map(|node| template.scope.resolve(node))
            .is_some_and(|v| v == Value::Bool(true) || v == Value::String("true".to_owned()));
        let preflight = method.eq_ignore_ascii_case("OPTIONS") || method.starts_with("OPTIONS ");
        // The API's own mark of public by design, as network-controls reads it.
        let api = ["RestApiId", "ApiId"]
            .iter()
            .find_map(|key| resource.property(&[key]))
            .and_then(referenced);
        let tags = api.map(|api| tags_of(template, api)).unwrap_or_default();
        let marking = Marking::of(
            &tags,
            public_by_design::DEFAULT_TAG,
            &public_by_design::today(),
        );
        if kind.eq_ignore_ascii_case("NONE") && !preflight && marking.honoured().is_none() {
            let weaker = if api_key {
                " (an API key identifies callers but does not authenticate them)"
            } else {
                ""
            };
            report.findings.push(finding_at(
                NETWORK_CONTROLS.name,
                &resource,
                path,
                authorization,
                format!(
                    "{} {method} is open to anyone on the internet (authorization NONE){weaker}; use AWS_IAM, a Cognito user pool, a JWT or a Lambda authorizer; {}",
                    if resource.kind == "AWS::ApiGateway::Method" { "method" } else { "route" },
                    marking.advice(public_by_design::DEFAULT_TAG)
                ),
            ));
        }
    }
}

/// A template resource's tags: CloudFormation's list of Key/Value, or SAM's and API Gateway v2's
/// map.
pub fn tags_of(template: &Template, logical_id: &str) -> BTreeMap<String, String> {
    let node = template
        .root
        .get("Resources")
        .and_then(|resources| resources.get(logical_id))
        .and_then(|resource| resource.get("Properties"))
        .and_then(|properties| properties.get("Tags"));
    node.map(|node| tags_in(&template.scope.resolve(node)))
        .unwrap_or_default()
}

/// Tags as a resolved `Tags` property holds them.
pub fn tags_in(value: &Value) -> BTreeMap<String, String> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|item| {
                Some((
                    item.get("Key")?.as_str()?.to_owned(),
                    text(item.get("Value")?),
                ))
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Whether a node is an intrinsic function (`{Ref: ...}`, `{Fn::Sub: ...}`), not a literal.
fn is_intrinsic(node: &Node) -> bool {
    node.entries().first().is_some_and(|(key, _)| {
        node.entries().len() == 1 && (key == "Ref" || key.starts_with("Fn::"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::check;

    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Scope:
    Type: String
    Default: account
Conditions:
  Organization: !Equals [!Ref Scope, organization]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Runtime: provided.al2023
      Environment:
        Variables:
          DB_PASSWORD: "h7Gq2LmZ9xW4pRt8"
          TOKEN_SECRET_ARN: !Ref Secret
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Runtime: provided.al2023
      Role: !GetAtt PartnerRole.Arn
  PartnerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
              AWS: arn:aws:iam::999988887777:root
            Action: sts:AssumeRole
  Secret:
    Type: AWS::SecretsManager::Secret
  Unguarded:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: sns.amazonaws.com
  Guarded:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: sns.amazonaws.com
      SourceArn: !Ref Topic
  Topic:
    Type: AWS::SNS::Topic
  OnlyInOrganization:
    Type: AWS::Lambda::Permission
    Condition: Organization
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: "*"
  HttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      ProtocolType: HTTP
  OpenRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: GET /flights
  SocketApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      ProtocolType: WEBSOCKET
  SocketRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref SocketApi
      RouteKey: $default
"#;

    fn ids(report: &Report, rule: &str) -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.logical_id.clone())
            .collect()
    }

    #[test]
    fn each_resource_is_judged_by_its_rule_and_near_misses_pass() {
        let report = check(TEMPLATE, &Options::default()).unwrap();
        assert_eq!(ids(&report, "resource-policies"), ["Unguarded"]);
        let secrets: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule == "temporary-credentials")
            .collect();
        assert_eq!(secrets.len(), 2, "{secrets:?}");
        // A role a function runs with that another account may assume too.
        assert_eq!(secrets[1].logical_id, "PartnerRole");
        assert!(
            secrets[1].message.contains("999988887777"),
            "{}",
            secrets[1].message
        );
        assert_eq!(
            secrets[0].path,
            "Properties.Environment.Variables.DB_PASSWORD"
        );
        assert_eq!(secrets[0].line, 17);
        assert_eq!(ids(&report, "network-controls"), ["OpenRoute"]);
    }

    #[test]
    fn a_condition_the_parameters_decide_keeps_or_drops_a_resource() {
        let organization = Options {
            parameters: BTreeMap::from([("Scope".to_owned(), "organization".to_owned())]),
            ..Options::default()
        };
        let report = check(TEMPLATE, &organization).unwrap();
        assert!(ids(&report, "resource-policies").contains(&"OnlyInOrganization".to_owned()));
    }
}
