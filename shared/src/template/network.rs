//! network-controls from a template: the routes SAM's `Api` and `HttpApi` events create, and
//! whether an authorizer guards each (the event's `Auth`, else the API's `DefaultAuthorizer`,
//! SAM's `Globals` included); REST APIs and stages with no AWS WAF web ACL associated; and the
//! egress of the security groups functions run in (a group that declares none allows all).

use serde_json::Value;

use super::checks::{finding_at, referenced, tags_of};
use super::sam::Function;
use super::yaml::Node;
use super::{Report, Resource, Template};
use crate::registry::NETWORK_CONTROLS;
use crate::rules::network_controls::egress::{open_egress, EgressPermission, SecurityGroup};
use crate::rules::public_by_design::{self, Marking};

/// SAM's implicit REST API, which `Api` events without a `RestApiId` join.
const IMPLICIT_REST_API: &str = "ServerlessRestApi";
const IMPLICIT_HTTP_API: &str = "ServerlessHttpApi";

pub fn judge(template: &Template, functions: &[Function<'_>], report: &mut Report) {
    event_routes(template, functions, report);
    web_acls(template, functions, report);
    egress(template, functions, report);
}

fn text(template: &Template, node: Option<&Node>) -> Option<String> {
    node.map(|node| template.scope.resolve(node))
        .and_then(|value| value.as_str().map(str::to_owned))
}

/// The API `Auth` block an event's API has: the template API's, or `Globals` for an implicit
/// one and as a default for the template's.
fn api_auth<'a>(template: &'a Template, api: Option<&str>, globals_key: &str) -> Option<&'a Node> {
    let own = api
        .and_then(|id| template.root.get("Resources")?.get(id))
        .and_then(|api| api.get("Properties"))
        .and_then(|p| p.get("Auth"));
    own.or_else(|| {
        template
            .root
            .get("Globals")
            .and_then(|g| g.get(globals_key))
            .and_then(|g| g.get("Auth"))
    })
}

fn event_routes(template: &Template, functions: &[Function<'_>], report: &mut Report) {
    let today = public_by_design::today();
    let tag = public_by_design::DEFAULT_TAG;
    for function in functions {
        let events = function
            .resource
            .property(&["Events"])
            .map(Node::entries)
            .unwrap_or_default();
        for (name, event) in events {
            let kind = event.get("Type").and_then(Node::as_str).unwrap_or_default();
            let (api_key, globals_key) = match kind {
                "Api" => ("RestApiId", "Api"),
                "HttpApi" => ("ApiId", "HttpApi"),
                _ => continue,
            };
            let properties = event.get("Properties");
            let method = text(template, properties.and_then(|p| p.get("Method")))
                .unwrap_or_else(|| "ANY".to_owned())
                .to_ascii_uppercase();
            let path = text(template, properties.and_then(|p| p.get("Path")))
                .unwrap_or_else(|| "/".to_owned());
            if method == "OPTIONS" {
                continue;
            }
            let api = properties.and_then(|p| p.get(api_key)).and_then(referenced);
            // A private API is reached only through VPC endpoints: not judged for the internet.
            if kind == "Api" && api.is_some_and(|api| is_private_api(template, api)) {
                continue;
            }
            let auth = api_auth(template, api, globals_key);
            let event_auth = properties.and_then(|p| p.get("Auth"));
            let authorizer = text(template, event_auth.and_then(|a| a.get("Authorizer")))
                .or_else(|| text(template, auth.and_then(|a| a.get("DefaultAuthorizer"))));
            let iam_default = auth
                .and_then(|a| a.get("EnableIamAuthorizer"))
                .is_some_and(|n| template.scope.resolve(n) == Value::Bool(true));
            let open = match authorizer.as_deref() {
                None => !iam_default,
                Some(name) => name.eq_ignore_ascii_case("NONE"),
            };
            report.judged += 1;
            if !open {
                continue;
            }
            let api_id = api.unwrap_or(if kind == "Api" {
                IMPLICIT_REST_API
            } else {
                IMPLICIT_HTTP_API
            });
            let marking = Marking::of(&tags_of(template, api_id), tag, &today);
            if marking.honoured().is_some() {
                continue;
            }
            let key_required = kind == "Api"
                && [event_auth, auth]
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.get("ApiKeyRequired"))
                    .any(|n| template.scope.resolve(n) == Value::Bool(true));
            let weaker = if key_required {
                " (an API key identifies callers but does not authenticate them)"
            } else {
                ""
            };
            let door = if kind == "Api" {
                "REST API"
            } else {
                "HTTP API"
            };
            report.findings.push(finding_at(
                NETWORK_CONTROLS.name,
                &function.resource,
                &format!("Properties.Events.{name}"),
                Some(event),
                format!(
                    "{door} {api_id}: {method} {path} is open to anyone on the internet (no authorizer){weaker}; set Auth.DefaultAuthorizer on the API or Auth.Authorizer on the event (AWS_IAM, a Cognito user pool, a JWT or a Lambda authorizer); {}",
                    marking.advice(tag)
                ),
            ));
        }
    }
}

/// Whether the template's REST API `logical_id` is PRIVATE (SAM's `EndpointConfiguration:
/// PRIVATE` or `{Type: PRIVATE}`, CloudFormation's `{Types: [PRIVATE]}`).
pub fn is_private_api(template: &Template, logical_id: &str) -> bool {
    let configuration = template
        .root
        .get("Resources")
        .and_then(|r| r.get(logical_id))
        .and_then(|api| api.get("Properties"))
        .and_then(|p| p.get("EndpointConfiguration"))
        .map(|node| template.scope.resolve(node));
    let private = |value: &Value| {
        value
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("PRIVATE"))
    };
    match configuration {
        Some(Value::String(kind)) => kind.eq_ignore_ascii_case("PRIVATE"),
        Some(Value::Object(map)) => {
            map.get("Type").is_some_and(private)
                || map
                    .get("Types")
                    .and_then(Value::as_array)
                    .is_some_and(|types| types.iter().any(private))
        }
        _ => false,
    }
}

/// The template's REST APIs (with SAM's implicit one when an `Api` event creates it) and
/// whether a web ACL association names each.
fn web_acls(template: &Template, functions: &[Function<'_>], report: &mut Report) {
    let resources = template.resources();
    let associations: Vec<String> = resources
        .iter()
        .filter(|r| {
            r.kind == "AWS::WAFv2::WebACLAssociation"
                || r.kind == "AWS::WAFRegional::WebACLAssociation"
        })
        .filter_map(|r| text(template, r.property(&["ResourceArn"])))
        .collect();
    let implicit = functions.iter().any(|f| {
        f.resource
            .property(&["Events"])
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .any(|(_, e)| {
                e.get("Type").and_then(Node::as_str) == Some("Api")
                    && e.get("Properties")
                        .and_then(|p| p.get("RestApiId"))
                        .is_none()
            })
    });
    let apis = resources
        .iter()
        .filter(|r| r.kind == "AWS::Serverless::Api" || r.kind == "AWS::ApiGateway::RestApi");
    let mut judged: Vec<(String, Option<&Resource<'_>>)> =
        apis.map(|r| (r.logical_id.to_owned(), Some(r))).collect();
    if implicit && !judged.iter().any(|(id, _)| id == IMPLICIT_REST_API) {
        judged.push((IMPLICIT_REST_API.to_owned(), None));
    }
    for (logical_id, resource) in judged {
        // A private API is reached through VPC endpoints; its stages are judged all the same by
        // the rule, so here too.
        let name = template
            .scope
            .resolve(&Node::from_json(&serde_json::json!({"Ref": logical_id})));
        let name = name.as_str().unwrap_or(&logical_id).to_owned();
        let associated = associations
            .iter()
            .any(|arn| arn.contains(&format!("/restapis/{name}/")) || arn.contains(&logical_id));
        report.judged += 1;
        if associated {
            continue;
        }
        let message = format!(
            "REST API {logical_id} has no AWS WAF web ACL on its stages, so nothing filters requests before they reach the functions; add an AWS::WAFv2::WebACLAssociation for each stage"
        );
        match resource {
            Some(resource) => report.findings.push(finding_at(
                NETWORK_CONTROLS.name,
                resource,
                "Properties",
                None,
                message,
            )),
            None => {
                // SAM's implicit API: reported at the first function whose event creates it.
                if let Some(function) = functions
                    .iter()
                    .find(|f| f.resource.property(&["Events"]).is_some())
                {
                    report.findings.push(finding_at(
                        NETWORK_CONTROLS.name,
                        &function.resource,
                        "Properties.Events",
                        function.resource.property(&["Events"]),
                        message,
                    ));
                }
            }
        }
    }
}

/// The egress rules a template security group declares (`SecurityGroupEgress`, and the
/// `AWS::EC2::SecurityGroupEgress` resources that name it); none declared allows all, as EC2
/// adds that rule.
fn group_of(template: &Template, group: &Resource<'_>) -> SecurityGroup {
    let scope = &template.scope;
    let permission = |rule: &Value| EgressPermission {
        protocol: match rule.get("IpProtocol") {
            Some(Value::String(p)) => p.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => "-1".to_owned(),
        },
        from_port: rule.get("FromPort").and_then(port),
        to_port: rule.get("ToPort").and_then(port),
        ipv4_ranges: rule
            .get("CidrIp")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect(),
        ipv6_ranges: rule
            .get("CidrIpv6")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect(),
        prefix_list_ids: rule
            .get("DestinationPrefixListId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect(),
        group_ids: rule
            .get("DestinationSecurityGroupId")
            .map(|v| v.to_string())
            .into_iter()
            .collect(),
    };
    let mut egress: Vec<EgressPermission> = group
        .property(&["SecurityGroupEgress"])
        .map(|rules| match scope.resolve(rules) {
            Value::Array(rules) => rules.iter().map(permission).collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    for resource in template.resources() {
        if resource.kind == "AWS::EC2::SecurityGroupEgress"
            && resource.property(&["GroupId"]).and_then(referenced) == Some(group.logical_id)
        {
            if let Some(properties) = resource.node.get("Properties") {
                egress.push(permission(&scope.resolve(properties)));
            }
        }
    }
    if group.property(&["SecurityGroupEgress"]).is_none() && egress.is_empty() {
        egress.push(EgressPermission {
            protocol: "-1".to_owned(),
            ipv4_ranges: vec!["0.0.0.0/0".to_owned()],
            ..EgressPermission::default()
        });
    }
    SecurityGroup {
        id: group.logical_id.to_owned(),
        name: group.logical_id.to_owned(),
        egress,
    }
}

fn port(value: &Value) -> Option<i32> {
    match value {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn egress(template: &Template, functions: &[Function<'_>], report: &mut Report) {
    let globals = template.root.get("Globals").and_then(|g| g.get("Function"));
    let mut judged: Vec<&str> = Vec::new();
    for function in functions {
        let vpc = function.resource.property(&["VpcConfig"]).or_else(|| {
            globals
                .filter(|_| function.resource.kind == "AWS::Serverless::Function")
                .and_then(|g| g.get("VpcConfig"))
        });
        let groups = vpc
            .and_then(|v| v.get("SecurityGroupIds"))
            .map(Node::items)
            .unwrap_or_default();
        for group_node in groups {
            let Some(logical_id) = referenced(group_node) else {
                continue;
            };
            if judged.contains(&logical_id) {
                continue;
            }
            let Some(group) = template
                .resources()
                .into_iter()
                .find(|r| r.logical_id == logical_id && r.kind == "AWS::EC2::SecurityGroup")
            else {
                continue;
            };
            judged.push(logical_id);
            report.judged += 1;
            let open = open_egress(&group_of(template, &group), &[]);
            if !open.is_empty() {
                report.findings.push(finding_at(
                    NETWORK_CONTROLS.name,
                    &group,
                    "Properties.SecurityGroupEgress",
                    group.property(&["SecurityGroupEgress"]),
                    format!(
                        "security group {logical_id} of function {}: {}; open only what the function needs (a group that declares no egress allows all)",
                        function.resource.logical_id,
                        open.join("; ")
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::template::{check, Options};

    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Auth:
      DefaultAuthorizer: AWS_IAM
Resources:
  Open:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: declares no egress, so EC2 allows all
      VpcId: vpc-1
  Https:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: HTTPS to the internet only
      VpcId: vpc-1
      SecurityGroupEgress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 0.0.0.0/0
  InVpc:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Runtime: provided.al2023
      VpcConfig:
        SubnetIds: [subnet-1]
        SecurityGroupIds: [!Ref Open, !Ref Https]
      Events:
        Secured:
          Type: Api
          Properties:
            Path: /bookings
            Method: post
        Opened:
          Type: Api
          Properties:
            Path: /status
            Method: get
            Auth:
              Authorizer: NONE
"#;

    #[test]
    fn default_egress_is_open_and_api_events_follow_the_api_default_authorizer() {
        let report = check(TEMPLATE, &Options::default()).unwrap();
        let network: Vec<(&str, &str)> = report
            .findings
            .iter()
            .filter(|f| f.rule == "network-controls")
            .map(|f| (f.logical_id.as_str(), f.message.as_str()))
            .collect();
        assert!(
            network
                .iter()
                .any(|(id, m)| *id == "Open" && m.contains("allows all traffic out")),
            "{network:?}"
        );
        assert!(!network.iter().any(|(id, _)| *id == "Https"), "{network:?}");
        let routes: Vec<&str> = network
            .iter()
            .filter(|(_, m)| m.contains("open to anyone"))
            .map(|(_, m)| *m)
            .collect();
        assert_eq!(routes.len(), 1, "{routes:?}");
        assert!(routes[0].contains("GET /status"), "{routes:?}");
        // SAM's implicit API has no web ACL.
        assert!(network
            .iter()
            .any(|(_, m)| m.contains("REST API ServerlessRestApi has no AWS WAF web ACL")));
    }
}
