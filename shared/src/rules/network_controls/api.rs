//! API Gateway REST APIs: every method authorized, a WAF web ACL on every stage, and private
//! endpoints reached only through the VPCs or VPC endpoints the resource policy names.

use crate::config::{ReadError, Verdict};
use crate::policy::{network_limits, Policy, ResourceService};
use crate::rules::public_by_design::Marking;

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
    pub tags: std::collections::BTreeMap<String, String>,
}

impl RestApiFacts {
    /// Reachable only through interface VPC endpoints (endpoint type PRIVATE alone).
    pub fn is_private(&self) -> bool {
        !self.endpoint_types.is_empty()
            && self
                .endpoint_types
                .iter()
                .all(|kind| kind.eq_ignore_ascii_case("PRIVATE"))
    }
}

/// One method of a REST API (apigateway:GET on its resources, with their methods).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiMethod {
    pub path: String,
    pub http_method: String,
    /// NONE, AWS_IAM, COGNITO_USER_POOLS or CUSTOM.
    pub authorization_type: String,
    pub api_key_required: bool,
    /// MOCK, AWS_PROXY, HTTP, ...; `None` when the method has no integration.
    pub integration_type: Option<String>,
}

impl ApiMethod {
    fn named(&self) -> String {
        format!("{} {}", self.http_method, self.path)
    }

    /// An OPTIONS method answered by a mock integration: a CORS preflight, which browsers send
    /// without credentials.
    fn is_cors_preflight(&self) -> bool {
        self.http_method.eq_ignore_ascii_case("OPTIONS")
            && self
                .integration_type
                .as_deref()
                .is_some_and(|kind| kind.eq_ignore_ascii_case("MOCK"))
    }

    fn is_unauthorized(&self) -> bool {
        self.authorization_type.eq_ignore_ascii_case("NONE") || self.authorization_type.is_empty()
    }
}

/// How many methods an annotation names before it counts the rest.
const NAMED_METHODS: usize = 3;

/// `GET /a, POST /b, PUT /c and 4 more`.
fn first_few(methods: &[&ApiMethod]) -> String {
    let named: Vec<String> = methods
        .iter()
        .take(NAMED_METHODS)
        .map(|method| method.named())
        .collect();
    match methods.len().saturating_sub(NAMED_METHODS) {
        0 => named.join(", "),
        more => format!("{} and {more} more", named.join(", ")),
    }
}

/// Who may call the API's methods: each must be authorized (IAM, a Cognito user pool or a
/// Lambda authorizer); a method open to anyone, or behind an API key alone (which identifies a
/// caller but does not authenticate one), is a finding unless the API is marked public by
/// design. A private API is reached only through VPC endpoints, so its methods are not judged
/// for the internet. The findings, and what is good, for the REST API's verdict.
pub fn judge_methods(
    api_id: &str,
    facts: &RestApiFacts,
    methods: &Result<Vec<ApiMethod>, ReadError>,
    marking: &Marking,
    tag: &str,
) -> (Vec<String>, Vec<String>) {
    if facts.is_private() {
        return (
            Vec::new(),
            vec![format!(
                "REST API {api_id} is private, so its methods are reached only through VPC endpoints"
            )],
        );
    }
    let methods = match methods {
        Ok(methods) => methods,
        Err(error) => {
            return (
                vec![error.annotation(&format!("the methods of REST API {api_id}"))],
                Vec::new(),
            )
        }
    };
    let judged: Vec<&ApiMethod> = methods
        .iter()
        .filter(|method| !method.is_cors_preflight())
        .collect();
    let open: Vec<&ApiMethod> = judged
        .iter()
        .copied()
        .filter(|method| method.is_unauthorized() && !method.api_key_required)
        .collect();
    let key_only: Vec<&ApiMethod> = judged
        .iter()
        .copied()
        .filter(|method| method.is_unauthorized() && method.api_key_required)
        .collect();
    if open.is_empty() && key_only.is_empty() {
        let good = if judged.is_empty() {
            format!("REST API {api_id} has no methods")
        } else {
            format!("every method of REST API {api_id} is authorized")
        };
        return (Vec::new(), vec![good]);
    }
    if let Some(public) = marking.honoured() {
        return (
            Vec::new(),
            vec![format!(
                "REST API {api_id} has methods anyone can call, {public}"
            )],
        );
    }
    let mut findings = Vec::new();
    if !open.is_empty() {
        findings.push(format!(
            "REST API {api_id}: {} {} open to anyone on the internet (authorization NONE, no API key)",
            first_few(&open),
            if open.len() == 1 { "is" } else { "are" }
        ));
    }
    if !key_only.is_empty() {
        findings.push(format!(
            "REST API {api_id}: {} {} only an API key, which identifies a caller but does not authenticate one",
            first_few(&key_only),
            if key_only.len() == 1 { "requires" } else { "require" }
        ));
    }
    findings.push(format!(
        "set an authorizer on each (AWS_IAM, a Cognito user pool or a Lambda authorizer); {}",
        marking.advice(tag)
    ));
    (findings, Vec::new())
}

/// A stage needs a web ACL, one of `allowed_web_acls` when that is set.
pub fn judge_stage(stage: &StageId, facts: &StageFacts, allowed_web_acls: &[String]) -> Verdict {
    let name = format!(
        "stage {} of REST API {}",
        stage.stage_name, stage.rest_api_id
    );
    judge_web_acl(&name, facts.web_acl_arn.as_deref(), allowed_web_acls)
}

/// A front door's AWS WAF web ACL: one is required, and with `AllowedWebAclArns`, one of those.
/// `name` says which front door ("stage prod of REST API a1", "AppSync API g1").
pub fn judge_web_acl(
    name: &str,
    web_acl_arn: Option<&str>,
    allowed_web_acls: &[String],
) -> Verdict {
    match web_acl_arn {
        None => Verdict::non_compliant(format!(
            "{name} has no AWS WAF web ACL, so nothing filters requests before they reach the functions; associate one (wafv2:AssociateWebACL)"
        )),
        Some(acl) if !allowed_web_acls.is_empty() && !allowed_web_acls.iter().any(|allowed| allowed == acl) => {
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
    if !facts.is_private() {
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
        return Verdict::listing(crate::config::Compliance::NonCompliant, &problems);
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
            ..RestApiFacts::default()
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
            ..RestApiFacts::default()
        };
        let verdict = judge_private_api("a1b2c3", &regional);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert!(verdict.annotation.contains("endpoint type REGIONAL"));
        let open = RestApiFacts {
            endpoint_types: vec!["PRIVATE".to_owned()],
            policy: Some(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#.to_owned()),
            ..RestApiFacts::default()
        };
        let verdict = judge_private_api("a1b2c3", &open);
        assert_contains(
            &verdict.annotation,
            "lets Statement[0] be used from any network",
        );
        let none = RestApiFacts {
            endpoint_types: vec!["PRIVATE".to_owned()],
            policy: None,
            ..RestApiFacts::default()
        };
        assert!(judge_private_api("a1b2c3", &none)
            .annotation
            .contains("has no resource policy"));
    }

    fn method(path: &str, verb: &str, authorization: &str, api_key: bool) -> ApiMethod {
        ApiMethod {
            path: path.to_owned(),
            http_method: verb.to_owned(),
            authorization_type: authorization.to_owned(),
            api_key_required: api_key,
            integration_type: Some("AWS_PROXY".to_owned()),
        }
    }

    fn regional() -> RestApiFacts {
        RestApiFacts {
            endpoint_types: vec!["REGIONAL".to_owned()],
            ..RestApiFacts::default()
        }
    }

    const TAG: &str = crate::rules::public_by_design::DEFAULT_TAG;

    fn methods_verdict(methods: Vec<ApiMethod>, marking: &Marking) -> (Vec<String>, Vec<String>) {
        judge_methods("a1b2c3", &regional(), &Ok(methods), marking, TAG)
    }

    #[test]
    fn iam_cognito_and_lambda_authorizers_pass() {
        let (problems, good) = methods_verdict(
            vec![
                method("/bookings", "POST", "AWS_IAM", false),
                method("/bookings", "GET", "COGNITO_USER_POOLS", false),
                method("/flights", "GET", "CUSTOM", true),
            ],
            &Marking::Unmarked,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(good, ["every method of REST API a1b2c3 is authorized"]);
    }

    #[test]
    fn a_method_open_to_anyone_is_named_and_an_api_key_alone_is_reported_apart() {
        let (problems, _) = methods_verdict(
            vec![
                method("/flights", "GET", "NONE", false),
                method("/partners", "POST", "NONE", true),
            ],
            &Marking::Unmarked,
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_contains(
            &problems[0],
            "REST API a1b2c3: GET /flights is open to anyone on the internet",
        );
        assert_contains(
            &problems[1],
            "POST /partners requires only an API key, which identifies a caller but does not authenticate one",
        );
        assert_contains(
            &problems[2],
            "tag the resource sec2:public-by-design=REASON",
        );
    }

    #[test]
    fn many_open_methods_are_named_first_then_counted() {
        let open = (0..5)
            .map(|i| method(&format!("/r{i}"), "GET", "NONE", false))
            .collect();
        let (problems, _) = methods_verdict(open, &Marking::Unmarked);
        assert_contains(
            &problems[0],
            "GET /r0, GET /r1, GET /r2 and 2 more are open",
        );
    }

    #[test]
    fn a_cors_preflight_is_not_a_finding_but_an_open_options_method_with_code_is() {
        let mut preflight = method("/bookings", "OPTIONS", "NONE", false);
        preflight.integration_type = Some("MOCK".to_owned());
        let (problems, _) = methods_verdict(vec![preflight], &Marking::Unmarked);
        assert!(problems.is_empty(), "{problems:?}");
        let proxied = method("/bookings", "OPTIONS", "NONE", false);
        let (problems, _) = methods_verdict(vec![proxied], &Marking::Unmarked);
        assert_contains(&problems[0], "OPTIONS /bookings is open to anyone");
    }

    #[test]
    fn a_private_api_is_not_judged_for_the_internet() {
        let private = RestApiFacts {
            endpoint_types: vec!["PRIVATE".to_owned()],
            ..RestApiFacts::default()
        };
        let open = Ok(vec![method("/flights", "GET", "NONE", false)]);
        let (problems, good) = judge_methods("a1b2c3", &private, &open, &Marking::Unmarked, TAG);
        assert!(problems.is_empty());
        assert_contains(
            &good[0],
            "is private, so its methods are reached only through VPC endpoints",
        );
    }

    #[test]
    fn an_api_public_by_design_passes_and_says_why_and_unreadable_methods_never_pass() {
        let tags =
            std::collections::BTreeMap::from([(TAG.to_owned(), "open data feed".to_owned())]);
        let marking = Marking::of(&tags, TAG, "2026-12-05");
        let (problems, good) =
            methods_verdict(vec![method("/flights", "GET", "NONE", false)], &marking);
        assert!(problems.is_empty());
        assert_contains(&good[0], "public by design: open data feed");
        let denied = Err(ReadError::new(
            "apigateway:GET",
            crate::config::ReadErrorKind::Denied,
            "AccessDeniedException",
        ));
        let (problems, _) = judge_methods("a1b2c3", &regional(), &denied, &marking, TAG);
        assert_contains(
            &problems[0],
            "could not read the methods of REST API a1b2c3",
        );
    }

    #[test]
    fn an_unreadable_policy_is_never_compliant() {
        let facts = RestApiFacts {
            endpoint_types: vec!["PRIVATE".to_owned()],
            policy: Some("{not json".to_owned()),
            ..RestApiFacts::default()
        };
        let verdict = judge_private_api("a1b2c3", &facts);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert!(verdict
            .annotation
            .starts_with("could not read the resource policy"));
    }
}
