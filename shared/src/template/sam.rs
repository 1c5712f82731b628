//! The functions of a template as SAM expands them: `AWS::Serverless::Function` with the
//! template's `Globals.Function` under its own properties, and plain `AWS::Lambda::Function`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::yaml::Node;
use super::{Resource, Template};

/// A function and what the checks read of it.
#[derive(Debug, Clone)]
pub struct Function<'a> {
    pub resource: Resource<'a>,
    /// Environment variables: name, resolved value, and the node that sets it.
    pub variables: Vec<(String, String, &'a Node)>,
    /// The function URL's AuthType and the node that sets it (SAM's FunctionUrlConfig).
    pub url_auth: Option<(String, &'a Node)>,
    /// The role it runs with: the resolved `Role`, or SAM's own role for it.
    pub role: String,
    /// The node that names the role, when the template names one.
    pub role_node: Option<&'a Node>,
    pub tags: BTreeMap<String, String>,
}

const SERVERLESS_FUNCTION: &str = "AWS::Serverless::Function";

/// Every function of the template.
pub fn functions<'a>(template: &'a Template) -> Vec<Function<'a>> {
    let globals = template
        .root
        .get("Globals")
        .and_then(|globals| globals.get("Function"));
    template
        .resources()
        .into_iter()
        .filter(|r| r.kind == SERVERLESS_FUNCTION || r.kind == "AWS::Lambda::Function")
        .map(|resource| {
            let serverless = resource.kind == SERVERLESS_FUNCTION;
            // SAM merges Globals under the function's own properties.
            let own = |key: &str| resource.property(&[key]);
            let global = |key: &str| {
                if serverless {
                    globals.and_then(|g| g.get(key))
                } else {
                    None
                }
            };
            let mut variables: Vec<(String, String, &Node)> = Vec::new();
            for source in [global("Environment"), own("Environment")]
                .into_iter()
                .flatten()
            {
                for (name, node) in source
                    .get("Variables")
                    .map(Node::entries)
                    .unwrap_or_default()
                {
                    let value = match template.scope.resolve(node) {
                        Value::String(text) => text,
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    variables.retain(|(existing, _, _)| existing != name);
                    variables.push((name.clone(), value, node));
                }
            }
            let url_auth = if serverless {
                own("FunctionUrlConfig")
                    .or_else(|| global("FunctionUrlConfig"))
                    .and_then(|config| config.get("AuthType"))
                    .map(|node| (resolved_text(template, node), node))
            } else {
                None
            };
            let role_node = own("Role").or_else(|| global("Role"));
            let role = match role_node {
                Some(node) => resolved_text(template, node),
                // SAM creates `<LogicalId>Role` for a function given no role.
                None => super::resolve::arn_of(
                    "AWS::IAM::Role",
                    &format!("{}-{}Role", super::resolve::STACK, resource.logical_id),
                ),
            };
            // SAM merges the global tags under the function's own.
            let mut tags = BTreeMap::new();
            for source in [global("Tags"), own("Tags")].into_iter().flatten() {
                tags.extend(super::checks::tags_in(&template.scope.resolve(source)));
            }
            Function {
                resource,
                variables,
                url_auth,
                role,
                role_node,
                tags,
            }
        })
        .collect()
}

fn resolved_text(template: &Template, node: &Node) -> String {
    match template.scope.resolve(node) {
        Value::String(text) => text,
        other => other.to_string(),
    }
}
