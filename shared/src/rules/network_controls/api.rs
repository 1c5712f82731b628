//! API Gateway REST APIs: a WAF web ACL on every stage, and private endpoints reached only through
//! the VPCs or VPC endpoints the resource policy names.

use crate::config::Verdict;
use crate::policy::{network_limits, Policy, ResourceService};

/// A stage's identity, from its Config resource id or ARN
/// (`arn:aws:apigateway:REGION::/restapis/ID/stages/NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageId {
    pub rest_api_id: String,
    pub stage_name: String,
}

impl StageId {
    pub fn parse(arn_or_id: &str) -> Option<StageId> {
        let path = arn_or_id
            .rsplit_once("::")
            .map_or(arn_or_id, |(_, path)| path);
        let mut parts = path.trim_start_matches('/').split('/');
        match (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) {
            (Some("restapis"), Some(api), Some("stages"), Some(stage), None)
                if !api.is_empty() && !stage.is_empty() =>
            {
                Some(StageId {
                    rest_api_id: api.to_owned(),
                    stage_name: stage.to_owned(),
                })
            }
            _ => None,
        }
    }
}

/// The REST API id from its Config resource id, an ARN (`…::/restapis/ID`), or a bare id.
pub fn rest_api_id(arn_or_id: &str) -> Option<&str> {
    let path = arn_or_id
        .rsplit_once("::")
        .map_or(arn_or_id, |(_, path)| path);
    match path
        .trim_start_matches('/')
        .split('/')
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["restapis", id] if !id.is_empty() => Some(id),
        [id] if !id.is_empty() => Some(id),
        _ => None,
    }
}

/// A stage as read from API Gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageFacts {
    pub web_acl_arn: Option<String>,
}

/// A REST API as read from API Gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestApiFacts {
    pub endpoint_types: Vec<String>,
    /// The resource policy as API Gateway returns it (JSON with escaped quotes).
    pub policy: Option<String>,
}

/// A stage needs a web ACL, one of `allowed_web_acls` when that is set.
pub fn judge_stage(stage: &StageId, facts: &StageFacts, allowed_web_acls: &[String]) -> Verdict {
    let name = format!(
        "stage {} of REST API {}",
        stage.stage_name, stage.rest_api_id
    );
    match &facts.web_acl_arn {
        None => Verdict::non_compliant(format!(
            "{name} has no AWS WAF web ACL, so nothing filters requests before they reach the functions; associate one (wafv2:AssociateWebACL)"
        )),
        Some(acl) if !allowed_web_acls.is_empty() && !allowed_web_acls.contains(acl) => {
            Verdict::non_compliant(format!(
                "{name} uses web ACL {acl}, which is not in AllowedWebAclArns; associate one of the approved web ACLs"
            ))
        }
        Some(acl) => Verdict::compliant(format!("{name} is protected by web ACL {acl}")),
    }
}

/// A private API: endpoint type PRIVATE only, and a resource policy that admits callers only
/// through fixed VPCs or VPC endpoints.
pub fn judge_private_api(api_id: &str, facts: &RestApiFacts) -> Verdict {
    let mut problems = Vec::new();
    let private_only = !facts.endpoint_types.is_empty()
        && facts
            .endpoint_types
            .iter()
            .all(|kind| kind.eq_ignore_ascii_case("PRIVATE"));
    if !private_only {
        let types = if facts.endpoint_types.is_empty() {
            "none".to_owned()
        } else {
            facts.endpoint_types.join(", ")
        };
        problems.push(format!(
            "REST API {api_id} has endpoint type {types}; make it PRIVATE"
        ));
    }
    let mut networks = Vec::new();
    match facts.policy.as_deref().filter(|text| !text.trim().is_empty()) {
        None => problems.push(format!(
            "REST API {api_id} has no resource policy; allow execute-api:Invoke only from your VPC endpoints (aws:SourceVpce)"
        )),
        Some(text) => match Policy::parse(text) {
            Err(err) => problems.push(format!(
                "could not read the resource policy of REST API {api_id}: {err}"
            )),
            Ok(policy) => {
                let limits = network_limits(&policy, ResourceService::ApiGateway);
                if !limits.unlimited.is_empty() {
                    problems.push(format!(
                        "the resource policy of REST API {api_id} lets {} be used from any network; add a Deny unless aws:SourceVpce is your endpoint, or an aws:SourceVpce / aws:SourceVpc condition",
                        limits.unlimited.join(", ")
                    ));
                }
                networks = limits.networks;
            }
        },
    }
    if !problems.is_empty() {
        return Verdict::non_compliant(crate::config::evaluation::annotate(&problems));
    }
    Verdict::compliant(format!(
        "REST API {api_id} is private and admits callers only through {}",
        networks.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Compliance;
    use crate::testing::assert_contains;

    const DENY_UNLESS_VPCE: &str = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\",\"Condition\":{\"StringNotEquals\":{\"aws:SourceVpce\":\"vpce-0a1b2c\"}}}]}"#;

    fn stage() -> StageId {
        StageId::parse("arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod").unwrap()
    }

    #[test]
    fn stage_ids_come_from_config_resource_ids_and_arns() {
        assert_eq!(stage().rest_api_id, "a1b2c3");
        assert_eq!(stage().stage_name, "prod");
        assert_eq!(
            StageId::parse("/restapis/x/stages/dev").unwrap().stage_name,
            "dev"
        );
        assert!(StageId::parse("arn:aws:apigateway:us-east-1::/restapis/a1b2c3").is_none());
        assert_eq!(
            rest_api_id("arn:aws:apigateway:us-east-1::/restapis/a1b2c3"),
            Some("a1b2c3")
        );
        assert_eq!(rest_api_id("a1b2c3"), Some("a1b2c3"));
        assert_eq!(
            rest_api_id("arn:aws:apigateway:us-east-1::/restapis/a/stages/b"),
            None
        );
    }

    #[test]
    fn a_stage_without_a_web_acl_fails_and_says_how_to_fix_it() {
        let verdict = judge_stage(&stage(), &StageFacts::default(), &[]);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert!(verdict
            .annotation
            .starts_with("stage prod of REST API a1b2c3 has no AWS WAF web ACL"));
    }

    #[test]
    fn allowed_web_acls_restrict_which_acl_passes() {
        let facts = StageFacts {
            web_acl_arn: Some(
                "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/other/1".to_owned(),
            ),
        };
        assert_eq!(
            judge_stage(&stage(), &facts, &[]).compliance,
            Compliance::Compliant
        );
        let approved =
            vec!["arn:aws:wafv2:us-east-1:111122223333:regional/webacl/approved/2".to_owned()];
        assert_eq!(
            judge_stage(&stage(), &facts, &approved).compliance,
            Compliance::NonCompliant
        );
    }

    #[test]
    fn a_private_api_with_deny_unless_source_vpce_passes() {
        let facts = RestApiFacts {
            endpoint_types: vec!["PRIVATE".to_owned()],
            policy: Some(DENY_UNLESS_VPCE.to_owned()),
        };
        let verdict = judge_private_api("a1b2c3", &facts);
        assert_eq!(
            verdict.compliance,
            Compliance::Compliant,
            "{}",
            verdict.annotation
        );
        assert!(verdict.annotation.ends_with("only through vpce-0a1b2c"));
    }

    #[test]
    fn a_regional_api_or_an_open_policy_fails() {
        let regional = RestApiFacts {
            endpoint_types: vec!["REGIONAL".to_owned()],
            policy: Some(DENY_UNLESS_VPCE.to_owned()),
        };
        let verdict = judge_private_api("a1b2c3", &regional);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert!(verdict.annotation.contains("endpoint type REGIONAL"));
        let open = RestApiFacts {
            endpoint_types: vec!["PRIVATE".to_owned()],
            policy: Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#.to_owned()),
        };
        let verdict = judge_private_api("a1b2c3", &open);
        assert_contains(
            &verdict.annotation,
            "lets Statement[0] be used from any network",
        );
        let none = RestApiFacts {
            endpoint_types: vec!["PRIVATE".to_owned()],
            policy: None,
        };
        assert!(judge_private_api("a1b2c3", &none)
            .annotation
            .contains("has no resource policy"));
    }

    #[test]
    fn an_unreadable_policy_is_never_compliant() {
        let facts = RestApiFacts {
            endpoint_types: vec!["PRIVATE".to_owned()],
            policy: Some("{not json".to_owned()),
        };
        let verdict = judge_private_api("a1b2c3", &facts);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert!(verdict
            .annotation
            .starts_with("could not read the resource policy"));
    }
}
