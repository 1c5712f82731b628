//! AppSync's GetGraphqlApi, as network-controls reads it. moto's answer has no `wafWebAclArn`
//! (it keeps web ACL associations in WAF alone), so the web ACL and the additional modes are
//! exercised on the real SDK client against `aws-smithy-mocks`, the SDK's own mock layer.

use aws_sdk_appsync::operation::get_graphql_api::GetGraphqlApiOutput;
use aws_sdk_appsync::types::{AdditionalAuthenticationProvider, AuthenticationType, GraphqlApi};
use aws_sdk_appsync::Client;
use aws_smithy_mocks::{mock, mock_client};
use sec2_shared::aws::network::graphql_api;
use sec2_shared::config::Compliance;
use sec2_shared::rules::network_controls::graphql::judge_graphql_api;
use sec2_shared::rules::public_by_design::{Marking, DEFAULT_TAG};

const ACL: &str = "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/front/1";

fn answer(api: GraphqlApi) -> aws_smithy_mocks::Rule {
    mock!(Client::get_graphql_api)
        .match_requests(|req| req.api_id() == Some("g1"))
        .then_output(move || {
            GetGraphqlApiOutput::builder()
                .graphql_api(api.clone())
                .build()
        })
}

#[tokio::test]
async fn the_web_acl_and_every_mode_are_read_from_the_api() {
    let api = GraphqlApi::builder()
        .api_id("g1")
        .authentication_type(AuthenticationType::AmazonCognitoUserPools)
        .additional_authentication_providers(
            AdditionalAuthenticationProvider::builder()
                .authentication_type(AuthenticationType::ApiKey)
                .build(),
        )
        .waf_web_acl_arn(ACL)
        .tags("team", "loyalty")
        .build();
    let client = mock_client!(aws_sdk_appsync, [&answer(api)]);
    let facts = graphql_api(&client, "g1").await.unwrap();
    assert_eq!(facts.default_authentication, "AMAZON_COGNITO_USER_POOLS");
    assert_eq!(facts.additional_authentication, ["API_KEY"]);
    assert_eq!(facts.web_acl_arn.as_deref(), Some(ACL));
    assert_eq!(facts.visibility, "GLOBAL");
    let verdict = judge_graphql_api(
        "g1",
        &facts,
        &[ACL.to_owned()],
        &Marking::Unmarked,
        DEFAULT_TAG,
    );
    assert_eq!(
        verdict.compliance,
        Compliance::Compliant,
        "{}",
        verdict.annotation
    );
}

#[tokio::test]
async fn an_answer_without_an_authentication_type_is_unreadable_not_passed() {
    let client = mock_client!(
        aws_sdk_appsync,
        [&answer(GraphqlApi::builder().api_id("g1").build())]
    );
    let error = graphql_api(&client, "g1").await.unwrap_err();
    assert!(
        error.to_string().contains("no authentication type"),
        "{error}"
    );
}
