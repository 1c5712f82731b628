//! AWS AppSync GraphQL APIs: callers authenticated by something stronger than an API key (a key
//! identifies a caller, anyone who holds it can use it), and an AWS WAF web ACL in front, judged
//! like a REST stage's with `AllowedWebAclArns`.

use std::collections::BTreeMap;

use crate::config::{Compliance, ConfigurationItem, Verdict};
use crate::rules::network_controls::api::judge_web_acl;
use crate::rules::public_by_design::Marking;

/// AppSync's name for API-key authentication.
pub const API_KEY: &str = "API_KEY";

/// A GraphQL API as read from AppSync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphqlApiFacts {
    /// The default authorization mode: API_KEY, AWS_IAM, AMAZON_COGNITO_USER_POOLS,
    /// OPENID_CONNECT or AWS_LAMBDA. It applies to every field without an auth directive.
    pub default_authentication: String,
    /// The additional modes, which apply only to fields that name them in a directive.
    pub additional_authentication: Vec<String>,
    /// GLOBAL, or PRIVATE (reachable only through interface VPC endpoints).
    pub visibility: String,
    pub web_acl_arn: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl GraphqlApiFacts {
    fn is_private(&self) -> bool {
        self.visibility.eq_ignore_ascii_case("PRIVATE")
    }
}

/// The API id of an `AWS::AppSync::GraphQLApi` item: `configuration.ApiId`, else the id at the
/// end of its ARN (`arn:aws:appsync:REGION:ACCOUNT:apis/ID`, which Config may use as the
/// resource id), else the resource id itself.
pub fn graphql_api_id(item: &ConfigurationItem) -> Option<String> {
    let from_configuration = item
        .configuration
        .get("ApiId")
        .or_else(|| item.configuration.get("apiId"))
        .and_then(|id| id.as_str());
    let from_arn = |text: &str| text.rsplit_once(":apis/").map(|(_, id)| id.to_owned());
    from_configuration
        .map(str::to_owned)
        .or_else(|| from_arn(&item.resource_id))
        .or_else(|| item.arn.as_deref().and_then(from_arn))
        .or_else(|| (!item.resource_id.contains(':')).then(|| item.resource_id.clone()))
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

/// The verdict on a GraphQL API's authentication and web ACL.
pub fn judge_graphql_api(
    api_id: &str,
    facts: &GraphqlApiFacts,
    allowed_web_acls: &[String],
    marking: &Marking,
    tag: &str,
) -> Verdict {
    let name = format!("AppSync API {api_id}");
    let mut problems = Vec::new();
    let mut good = Vec::new();
    let stronger: Vec<&str> = facts
        .additional_authentication
        .iter()
        .map(String::as_str)
        .filter(|mode| !mode.eq_ignore_ascii_case(API_KEY))
        .collect();
    let key_by_default = facts.default_authentication.eq_ignore_ascii_case(API_KEY);
    if !key_by_default {
        let key_too = facts
            .additional_authentication
            .iter()
            .any(|mode| mode.eq_ignore_ascii_case(API_KEY));
        good.push(format!(
            "{name} authenticates callers with {} by default{}",
            facts.default_authentication,
            if key_too {
                " (fields marked @aws_api_key accept an API key alone)"
            } else {
                ""
            }
        ));
    } else if facts.is_private() {
        good.push(format!(
            "{name} is private (reachable only through VPC endpoints), so its API key is not judged as an internet-facing door"
        ));
    } else if let Some(public) = marking.honoured() {
        good.push(format!(
            "{name} is open to anyone holding its API key, {public}"
        ));
    } else if stronger.is_empty() {
        problems.push(format!(
            "{name} answers to an API key alone, which anyone holding it can use; default to IAM, Cognito, OIDC or Lambda auth; {}",
            marking.advice(tag)
        ));
    } else {
        problems.push(format!(
            "{name}'s default mode is API_KEY, so fields without an auth directive answer to the key alone; make {} the default and mark open fields @aws_api_key; {}",
            stronger.join(" or "),
            marking.advice(tag)
        ));
    }
    let waf = judge_web_acl(&name, facts.web_acl_arn.as_deref(), allowed_web_acls);
    if waf.compliance == Compliance::Compliant {
        good.push(waf.annotation);
    } else {
        problems.push(waf.annotation);
    }
    if problems.is_empty() {
        Verdict::listing(crate::config::Compliance::Compliant, &good)
    } else {
        // What holds is said after what fails, so a public-by-design mark stays in view.
        problems.extend(good);
        Verdict::listing(crate::config::Compliance::NonCompliant, &problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_contains, config_item};
    use serde_json::{json, Value};

    const TAG: &str = crate::rules::public_by_design::DEFAULT_TAG;
    const ACL: &str = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/front/1";

    fn api(default: &str, additional: &[&str]) -> GraphqlApiFacts {
        GraphqlApiFacts {
            default_authentication: default.to_owned(),
            additional_authentication: additional.iter().map(|m| (*m).to_owned()).collect(),
            visibility: "GLOBAL".to_owned(),
            web_acl_arn: Some(ACL.to_owned()),
            tags: BTreeMap::new(),
        }
    }

    fn judge(facts: &GraphqlApiFacts) -> Verdict {
        judge_graphql_api("g1", facts, &[], &Marking::Unmarked, TAG)
    }

    #[test]
    fn cognito_iam_oidc_or_lambda_by_default_with_a_web_acl_passes() {
        for default in [
            "AMAZON_COGNITO_USER_POOLS",
            "AWS_IAM",
            "OPENID_CONNECT",
            "AWS_LAMBDA",
        ] {
            let verdict = judge(&api(default, &[API_KEY]));
            assert_eq!(
                verdict.compliance,
                Compliance::Compliant,
                "{}",
                verdict.annotation
            );
            assert_contains(&verdict.annotation, "fields marked @aws_api_key");
            assert_contains(&verdict.annotation, "protected by web ACL");
        }
    }

    #[test]
    fn an_api_key_alone_is_open_to_anyone_holding_it() {
        let verdict = judge(&api(API_KEY, &[]));
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(
            &verdict.annotation,
            "AppSync API g1 answers to an API key alone",
        );
        assert_contains(
            &verdict.annotation,
            "tag the resource sec2:public-by-design=",
        );
    }

    #[test]
    fn an_api_key_by_default_with_cognito_for_some_fields_still_opens_the_rest() {
        let verdict = judge(&api(API_KEY, &["AMAZON_COGNITO_USER_POOLS", API_KEY]));
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(
            &verdict.annotation,
            "default mode is API_KEY, so fields without an auth directive answer to the key alone; make AMAZON_COGNITO_USER_POOLS the default",
        );
    }

    #[test]
    fn public_by_design_and_private_apis_pass_the_key_but_not_a_missing_web_acl() {
        let tags = BTreeMap::from([(TAG.to_owned(), "public flight board".to_owned())]);
        let marking = Marking::of(&tags, TAG, "2026-12-05");
        let marked = judge_graphql_api("g1", &api(API_KEY, &[]), &[], &marking, TAG);
        assert_eq!(marked.compliance, Compliance::Compliant);
        assert_contains(&marked.annotation, "public by design: public flight board");

        let private = GraphqlApiFacts {
            visibility: "PRIVATE".to_owned(),
            ..api(API_KEY, &[])
        };
        assert_eq!(judge(&private).compliance, Compliance::Compliant);

        let unprotected = GraphqlApiFacts {
            web_acl_arn: None,
            ..private
        };
        let verdict = judge(&unprotected);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "AppSync API g1 has no AWS WAF web ACL");
    }

    #[test]
    fn a_web_acl_outside_the_approved_ones_fails() {
        let approved =
            vec!["arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/approved/2".to_owned()];
        let verdict = judge_graphql_api(
            "g1",
            &api("AWS_IAM", &[]),
            &approved,
            &Marking::Unmarked,
            TAG,
        );
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "not in AllowedWebAclArns");
    }

    #[test]
    fn the_api_id_comes_from_the_configuration_the_arn_or_the_resource_id() {
        let item = |resource_id: &str, configuration: serde_json::Value| {
            let mut item = config_item("AWS::AppSync::GraphQLApi", configuration, json!({}));
            item.resource_id = resource_id.to_owned();
            item.arn = None;
            item
        };
        let arn = "arn:aws:appsync:eu-west-1:111122223333:apis/abcdefghij";
        assert_eq!(
            graphql_api_id(&item(arn, Value::Null)).as_deref(),
            Some("abcdefghij")
        );
        assert_eq!(
            graphql_api_id(&item(arn, json!({"ApiId": "xyz"}))).as_deref(),
            Some("xyz")
        );
        assert_eq!(
            graphql_api_id(&item("abcdefghij", Value::Null)).as_deref(),
            Some("abcdefghij")
        );
        assert_eq!(
            graphql_api_id(&item(
                "arn:aws:appsync:eu-west-1:1:apis/a/types/b",
                Value::Null
            )),
            None
        );
    }
}
