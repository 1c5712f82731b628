//! Which CloudTrail management events change what a rule judges, and so which rules to re-run.
//!
//! Config re-evaluates a rule when the rule's own resource changes; a role policy, a security
//! group or a WAF association is linked to the function or stage the rule judges, and changes
//! without a new item for it. These are the calls that make such changes.

use std::time::SystemTime;

use aws_smithy_types::date_time::{DateTime, Format};
use serde_json::Value;

use crate::config::limits::excerpt;
pub use crate::registry::RuleId;

use RuleId::{Guardrails, LeastPrivilege, NetworkControls, ResourcePolicies, TemporaryCredentials};

/// One family of calls: the service, the event-name prefixes (Lambda's names carry version
/// suffixes such as `AddPermission20150331v2`), and the rules they concern.
pub struct Trigger {
    pub event_source: &'static str,
    pub event_names: &'static [&'static str],
    pub rules: &'static [RuleId],
}

/// Every call that re-runs a rule. The template's EventBridge rules are written from this table
/// (a test checks they match).
pub const TRIGGERS: &[Trigger] = &[
    Trigger {
        event_source: "iam.amazonaws.com",
        event_names: &[
            "PutRolePolicy",
            "DeleteRolePolicy",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "PutRolePermissionsBoundary",
            "DeleteRolePermissionsBoundary",
            "CreatePolicyVersion",
            "SetDefaultPolicyVersion",
        ],
        rules: &[LeastPrivilege],
    },
    Trigger {
        event_source: "iam.amazonaws.com",
        event_names: &["UpdateAssumeRolePolicy"],
        rules: &[TemporaryCredentials],
    },
    Trigger {
        event_source: "organizations.amazonaws.com",
        // What changes the SCPs in effect for an account, or which accounts there are.
        event_names: &[
            "UpdatePolicy",
            "AttachPolicy",
            "DetachPolicy",
            "MoveAccount",
            "EnablePolicyType",
            "DisablePolicyType",
            "CreateAccount",
            "AcceptHandshake",
            "RemoveAccountFromOrganization",
            "CloseAccount",
        ],
        rules: &[Guardrails],
    },
    Trigger {
        event_source: "ec2.amazonaws.com",
        event_names: &[
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupEgress",
            "ModifySecurityGroupRules",
            "CreateFlowLogs",
            "DeleteFlowLogs",
            "CreateRoute",
            "ReplaceRoute",
            "DeleteRoute",
            "AssociateRouteTable",
            "DisassociateRouteTable",
            "ReplaceRouteTableAssociation",
            "CreateVpcEndpoint",
            "DeleteVpcEndpoints",
            "CreateNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ],
        rules: &[NetworkControls],
    },
    Trigger {
        event_source: "lambda.amazonaws.com",
        event_names: &[
            "AddPermission",
            "RemovePermission",
            "CreateFunctionUrlConfig",
            "UpdateFunctionUrlConfig",
            "DeleteFunctionUrlConfig",
        ],
        rules: &[ResourcePolicies, NetworkControls],
    },
    Trigger {
        event_source: "lambda.amazonaws.com",
        // An alias's own policy and URL go with it; Config records no change of the function.
        event_names: &["DeleteAlias"],
        rules: &[ResourcePolicies, NetworkControls],
    },
    Trigger {
        event_source: "lambda.amazonaws.com",
        // Layer versions are judged by resource-policies' periodic run, which a start runs now.
        event_names: &[
            "AddLayerVersionPermission",
            "RemoveLayerVersionPermission",
            "DeleteLayerVersion",
        ],
        rules: &[ResourcePolicies],
    },
    Trigger {
        event_source: "lambda.amazonaws.com",
        // A function created with, or deleted from, a shared role changes the verdict of the
        // role's other users, of which Config records no change.
        event_names: &["CreateFunction", "DeleteFunction"],
        rules: &[TemporaryCredentials],
    },
    Trigger {
        event_source: "lambda.amazonaws.com",
        event_names: &["UpdateFunctionConfiguration"],
        rules: &[TemporaryCredentials, LeastPrivilege, NetworkControls],
    },
    Trigger {
        event_source: "lambda.amazonaws.com",
        event_names: &["TagResource", "UntagResource"],
        rules: &[NetworkControls],
    },
    Trigger {
        event_source: "apigateway.amazonaws.com",
        event_names: &["CreateStage", "UpdateStage", "DeleteStage"],
        rules: &[NetworkControls],
    },
    Trigger {
        event_source: "apigateway.amazonaws.com",
        // A method's authorization, and the API's public-by-design tag; Config records neither
        // in the REST API's item.
        event_names: &[
            "PutMethod",
            "UpdateMethod",
            "DeleteMethod",
            "DeleteResource",
            "TagResource",
            "UntagResource",
            // HTTP APIs: a route's authorization (an authorizer in use cannot be deleted, and
            // changing one keeps its routes authorized).
            "CreateRoute",
            "UpdateRoute",
            "DeleteRoute",
        ],
        rules: &[NetworkControls],
    },
    Trigger {
        event_source: "apigateway.amazonaws.com",
        event_names: &["UpdateRestApi", "PutRestApi"],
        rules: &[ResourcePolicies, NetworkControls],
    },
    Trigger {
        event_source: "appsync.amazonaws.com",
        // Config may record GraphQL APIs only daily; an API's authorization or its
        // public-by-design tag is judged within minutes of the change all the same.
        event_names: &["UpdateGraphqlApi", "TagResource", "UntagResource"],
        rules: &[NetworkControls],
    },
    Trigger {
        event_source: "wafv2.amazonaws.com",
        event_names: &["AssociateWebACL", "DisassociateWebACL"],
        rules: &[NetworkControls],
    },
    Trigger {
        event_source: "sqs.amazonaws.com",
        event_names: &["SetQueueAttributes", "AddPermission", "RemovePermission"],
        rules: &[ResourcePolicies],
    },
    Trigger {
        event_source: "sns.amazonaws.com",
        event_names: &["SetTopicAttributes", "AddPermission", "RemovePermission"],
        rules: &[ResourcePolicies],
    },
    Trigger {
        event_source: "s3.amazonaws.com",
        // The account-level Block Public Access settings (S3 Control) are logged by S3 too.
        event_names: &[
            "PutBucketPolicy",
            "DeleteBucketPolicy",
            "PutBucketAcl",
            "PutBucketPublicAccessBlock",
            "DeleteBucketPublicAccessBlock",
            "PutAccountPublicAccessBlock",
            "DeleteAccountPublicAccessBlock",
        ],
        rules: &[ResourcePolicies],
    },
    Trigger {
        event_source: "events.amazonaws.com",
        event_names: &["PutPermission", "RemovePermission"],
        rules: &[ResourcePolicies],
    },
    Trigger {
        event_source: "dynamodb.amazonaws.com",
        event_names: &["PutResourcePolicy", "DeleteResourcePolicy"],
        rules: &[ResourcePolicies],
    },
];

/// The EventBridge rules the templates deploy, by name, and the event sources each delivers: the
/// global services IAM and Organizations (their events reach EventBridge only in us-east-1), the
/// network and API layers, and the resource policies. Split so that each pattern stays under
/// EventBridge's 2,048 characters.
pub const RULE_GROUPS: &[(&str, &[&str])] = &[
    (
        "global",
        &["iam.amazonaws.com", "organizations.amazonaws.com"],
    ),
    (
        "network",
        &[
            "ec2.amazonaws.com",
            "apigateway.amazonaws.com",
            "appsync.amazonaws.com",
            "wafv2.amazonaws.com",
        ],
    ),
    (
        "resources",
        &[
            "lambda.amazonaws.com",
            "s3.amazonaws.com",
            "sns.amazonaws.com",
            "sqs.amazonaws.com",
            "events.amazonaws.com",
            "dynamodb.amazonaws.com",
        ],
    ),
];

/// The EventBridge event pattern that delivers the calls of `TRIGGERS` from these event sources
/// (all when `sources` is empty), with prefix matching for Lambda's versioned names.
pub fn eventbridge_pattern(sources: &[&str]) -> Value {
    let chosen = |trigger: &&Trigger| sources.is_empty() || sources.contains(&trigger.event_source);
    let mut event_sources: Vec<&str> = TRIGGERS
        .iter()
        .filter(chosen)
        .map(|t| t.event_source)
        .collect();
    event_sources.sort_unstable();
    event_sources.dedup();
    let mut names: Vec<&str> = TRIGGERS
        .iter()
        .filter(chosen)
        .flat_map(|t| t.event_names.iter().copied())
        .collect();
    names.sort_unstable();
    names.dedup();
    // Only AWS services may send events whose source starts `aws.`: a PutEvents caller cannot
    // forge these.
    let event_bridge_sources: Vec<String> =
        event_sources.iter().map(|s| bridge_source(s)).collect();
    serde_json::json!({
        "source": event_bridge_sources,
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": event_sources,
            "eventName": names.iter().map(|name| serde_json::json!({"prefix": name})).collect::<Vec<_>>(),
        }
    })
}

/// The `source` EventBridge gives a service's CloudTrail events: `aws.iam` for
/// `iam.amazonaws.com`.
pub fn bridge_source(event_source: &str) -> String {
    format!(
        "aws.{}",
        event_source
            .strip_suffix(".amazonaws.com")
            .unwrap_or(event_source)
    )
}

/// A CloudTrail management event as EventBridge delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    pub event_source: String,
    pub event_name: String,
    /// Set when the call failed, and so changed nothing.
    pub error_code: Option<String>,
    /// When the call was made (CloudTrail's `eventTime`, to the second), when the event says.
    pub event_time: Option<SystemTime>,
    /// The account the change was made in (the event's `account`, which EventBridge keeps when a
    /// member account forwards the event to the management account's bus), when it is one.
    pub account: Option<String>,
    /// Who made the call (`userIdentity`: its ARN, else its principal id, else the service that
    /// made it), when the event says.
    pub caller: Option<String>,
}

/// An event that is not a CloudTrail API call, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAnApiCall(pub String);

fn not_an_api_call(problem: &str) -> NotAnApiCall {
    NotAnApiCall(problem.to_owned())
}

impl ApiCall {
    /// Reads an EventBridge event of detail-type "AWS API Call via CloudTrail".
    pub fn from_event(event: &Value) -> Result<ApiCall, NotAnApiCall> {
        let detail_type = event
            .get("detail-type")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                not_an_api_call("the event has no detail-type; expected an EventBridge event")
            })?;
        if detail_type != "AWS API Call via CloudTrail" {
            return Err(NotAnApiCall(format!(
                "detail-type `{}` is not \"AWS API Call via CloudTrail\"",
                excerpt(detail_type)
            )));
        }
        let detail = event
            .get("detail")
            .filter(|detail| detail.is_object())
            .ok_or_else(|| not_an_api_call("the event has no detail object"))?;
        let text = |key: &str| {
            detail
                .get(key)
                .and_then(Value::as_str)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        let event_source =
            text("eventSource").ok_or_else(|| not_an_api_call("detail.eventSource is missing"))?;
        // EventBridge refuses PutEvents entries whose source starts `aws.`: an event that
        // carries the service's own source was sent by AWS.
        let expected = bridge_source(&event_source);
        match event.get("source").and_then(Value::as_str) {
            Some(source) if source == expected => {}
            Some(source) => {
                return Err(NotAnApiCall(format!(
                    "source `{}` is not `{}`, which AWS gives {}'s CloudTrail events; a PutEvents caller cannot send that source, so this one is not trusted",
                    excerpt(source),
                    excerpt(&expected),
                    excerpt(&event_source)
                )))
            }
            None => return Err(not_an_api_call("the event has no source")),
        }
        Ok(ApiCall {
            event_source,
            event_name: text("eventName")
                .ok_or_else(|| not_an_api_call("detail.eventName is missing"))?,
            error_code: text("errorCode"),
            event_time: text("eventTime")
                .or_else(|| event.get("time").and_then(Value::as_str).map(str::to_owned))
                .and_then(|time| {
                    let time = DateTime::from_str(&time, Format::DateTime).ok()?;
                    SystemTime::try_from(time).ok()
                }),
            account: event
                .get("account")
                .and_then(Value::as_str)
                .or_else(|| detail.get("recipientAccountId").and_then(Value::as_str))
                .filter(|account| {
                    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
                })
                .map(str::to_owned),
            caller: detail.get("userIdentity").and_then(|identity| {
                ["arn", "principalId", "invokedBy"]
                    .iter()
                    .find_map(|key| identity.get(*key).and_then(Value::as_str))
                    .filter(|caller| !caller.is_empty())
                    .map(excerpt)
            }),
        })
    }

    /// The rules whose verdicts this call may change, in a fixed order.
    pub fn affected_rules(&self) -> Vec<RuleId> {
        if self.error_code.is_some() {
            return Vec::new();
        }
        let mut rules: Vec<RuleId> = TRIGGERS
            .iter()
            .filter(|trigger| trigger.event_source == self.event_source)
            .filter(|trigger| {
                trigger
                    .event_names
                    .iter()
                    .any(|name| matches_event_name(&self.event_name, name))
            })
            .flat_map(|trigger| trigger.rules.iter().copied())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        rules
    }
}

/// `name` or `name` followed by a version suffix (`AddPermission20150331v2`), as EventBridge's
/// prefix matching does, without letting `DeleteRoute` match `DeleteRouteTable`.
fn matches_event_name(event_name: &str, name: &str) -> bool {
    match event_name.strip_prefix(name) {
        Some("") => true,
        Some(suffix) => suffix.starts_with(|c: char| c.is_ascii_digit()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(source: &str, name: &str) -> Value {
        json!({
            "version": "0",
            "detail-type": "AWS API Call via CloudTrail",
            "source": format!("aws.{}", source.split('.').next().unwrap()),
            "detail": {"eventSource": source, "eventName": name, "eventVersion": "1.09"}
        })
    }

    fn rules(source: &str, name: &str) -> Vec<RuleId> {
        ApiCall::from_event(&call(source, name))
            .unwrap()
            .affected_rules()
    }

    #[test]
    fn a_role_policy_change_re_runs_least_privilege() {
        assert_eq!(
            rules("iam.amazonaws.com", "PutRolePolicy"),
            [LeastPrivilege]
        );
        assert_eq!(
            rules("iam.amazonaws.com", "UpdateAssumeRolePolicy"),
            [TemporaryCredentials]
        );
    }

    #[test]
    fn a_method_or_tag_change_on_a_rest_api_re_runs_network_controls() {
        for name in ["PutMethod", "UpdateMethod", "DeleteMethod", "TagResource"] {
            assert_eq!(rules("apigateway.amazonaws.com", name), [NetworkControls]);
        }
    }

    #[test]
    fn lambda_event_names_match_with_their_version_suffix() {
        assert_eq!(
            rules("lambda.amazonaws.com", "AddPermission20150331v2"),
            [ResourcePolicies, NetworkControls]
        );
        assert_eq!(
            rules(
                "lambda.amazonaws.com",
                "UpdateFunctionConfiguration20150331v2"
            ),
            [TemporaryCredentials, LeastPrivilege, NetworkControls]
        );
    }

    #[test]
    fn layer_permissions_and_block_public_access_re_run_resource_policies() {
        assert_eq!(
            rules("lambda.amazonaws.com", "AddLayerVersionPermission20181031"),
            [ResourcePolicies]
        );
        assert_eq!(
            rules("s3.amazonaws.com", "DeleteAccountPublicAccessBlock"),
            [ResourcePolicies]
        );
        assert_eq!(
            rules("s3.amazonaws.com", "PutBucketAcl"),
            [ResourcePolicies]
        );
        assert_eq!(
            rules("lambda.amazonaws.com", "DeleteAlias20150331"),
            [ResourcePolicies, NetworkControls]
        );
    }

    #[test]
    fn creating_or_deleting_a_function_re_judges_its_roles_other_users() {
        assert_eq!(
            rules("lambda.amazonaws.com", "CreateFunction20150331"),
            [TemporaryCredentials]
        );
        assert_eq!(
            rules("lambda.amazonaws.com", "DeleteFunction20150331"),
            [TemporaryCredentials]
        );
        assert_eq!(
            rules("lambda.amazonaws.com", "CreateFunctionUrlConfig20211031"),
            [ResourcePolicies, NetworkControls]
        );
    }

    #[test]
    fn a_longer_name_sharing_a_prefix_is_not_a_match() {
        assert!(rules("ec2.amazonaws.com", "DeleteRouteTable").is_empty());
        assert_eq!(rules("ec2.amazonaws.com", "DeleteRoute"), [NetworkControls]);
    }

    #[test]
    fn security_group_and_waf_changes_re_run_network_controls() {
        assert_eq!(
            rules("ec2.amazonaws.com", "RevokeSecurityGroupEgress"),
            [NetworkControls]
        );
        assert_eq!(
            rules("wafv2.amazonaws.com", "DisassociateWebACL"),
            [NetworkControls]
        );
    }

    #[test]
    fn a_failed_call_or_an_unrelated_call_re_runs_nothing() {
        let mut failed = call("iam.amazonaws.com", "PutRolePolicy");
        failed["detail"]["errorCode"] = json!("AccessDenied");
        assert!(ApiCall::from_event(&failed)
            .unwrap()
            .affected_rules()
            .is_empty());
        assert!(rules("iam.amazonaws.com", "ListRoles").is_empty());
        assert!(rules("sqs.amazonaws.com", "PutRolePolicy").is_empty());
    }

    #[test]
    fn the_eventbridge_pattern_delivers_every_trigger() {
        let pattern = eventbridge_pattern(&[]);
        let names: Vec<&str> = pattern["detail"]["eventName"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["prefix"].as_str().unwrap())
            .collect();
        for trigger in TRIGGERS {
            for name in trigger.event_names {
                assert!(names.contains(name), "{name}");
            }
        }
        // The templates' rules: every source in exactly one group, each pattern within the limit.
        for trigger in TRIGGERS {
            let groups = RULE_GROUPS
                .iter()
                .filter(|(_, sources)| sources.contains(&trigger.event_source))
                .count();
            assert_eq!(groups, 1, "{}", trigger.event_source);
        }
        for (name, sources) in RULE_GROUPS {
            let size = serde_json::to_string(&eventbridge_pattern(sources))
                .unwrap()
                .len();
            assert!(
                size < 2048,
                "{name}: EventBridge's default pattern limit: {size}"
            );
        }
    }

    #[test]
    fn other_events_get_a_clear_error() {
        assert!(
            ApiCall::from_event(&json!({"detail-type": "Scheduled Event", "detail": {}}))
                .unwrap_err()
                .to_string()
                .contains("is not \"AWS API Call via CloudTrail\"")
        );
        assert!(ApiCall::from_event(&json!([1, 2])).is_err());
        let mut nameless = call("iam.amazonaws.com", "");
        nameless["detail"]["eventName"] = json!(null);
        assert_eq!(
            ApiCall::from_event(&nameless).unwrap_err().to_string(),
            "detail.eventName is missing"
        );
    }

    #[test]
    fn a_huge_field_is_not_echoed_whole() {
        let huge = "x".repeat(1 << 20);
        let error = ApiCall::from_event(&json!({"detail-type": huge, "detail": {}}))
            .unwrap_err()
            .to_string();
        assert!(error.len() < 300, "{} bytes echoed", error.len());
        assert!(error.contains("(1048576 bytes)"), "{error}");
        let mut forged = call("iam.amazonaws.com", "PutRolePolicy");
        forged["source"] = json!(huge);
        assert!(ApiCall::from_event(&forged).unwrap_err().to_string().len() < 500);
    }

    #[test]
    fn an_event_without_the_services_own_source_is_not_trusted() {
        // Anyone with events:PutEvents can send this detail-type, but not the `aws.` source.
        let mut forged = call("iam.amazonaws.com", "PutRolePolicy");
        forged["source"] = json!("my.app");
        assert!(ApiCall::from_event(&forged)
            .unwrap_err()
            .to_string()
            .contains("source `my.app` is not `aws.iam`"));
        forged["source"] = json!("aws.ec2");
        assert!(ApiCall::from_event(&forged).is_err());
        if let Some(event) = forged.as_object_mut() {
            event.remove("source");
        }
        assert!(ApiCall::from_event(&forged).is_err());
        // The deployed patterns match the services' own sources only.
        let pattern = eventbridge_pattern(&[]);
        assert!(pattern["source"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.as_str().unwrap().starts_with("aws.")));
        assert!(pattern["source"]
            .as_array()
            .unwrap()
            .contains(&json!("aws.organizations")));
    }
}
