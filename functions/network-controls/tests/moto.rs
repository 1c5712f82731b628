//! sec2-network-controls against moto's server: VPCs, subnets, route tables, security groups,
//! flow logs, VPC endpoints, functions with URLs, REST APIs, stages, WAF associations, HTTP APIs
//! and AppSync APIs seeded
//! through the SDK; the rule run through the handler Lambda calls; PutEvaluations read from
//! moto's recorder.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code"
)]

use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, IntegrationType};
use aws_sdk_ec2::types::{
    FlowLogsResourceType, IpPermission, IpRange, TrafficType, UserIdGroupPair,
};
use aws_sdk_lambda::types::FunctionUrlAuthType;
use aws_sdk_wafv2::types::{AllowAction, DefaultAction, Scope, VisibilityConfig};
use sec2_shared::rules::network_controls::NetworkControls;
use sec2_testkit::config_events::{change, item, rule_event};
use sec2_testkit::seed::{self, create_role, FunctionSeed, LAMBDA_TRUST};
use sec2_testkit::{assert_contains, assert_ends_with, assert_starts_with};
use sec2_testkit::{invoke_rule, last_reported, recorded_urls, sdk_config, unique, MOTO_ACCOUNT};
use serde_json::{json, Value};

const REGION: &str = "us-east-1";

fn ec2() -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&sdk_config())
}

/// A VPC with one subnet and one security group, seeded as a test asks.
struct Network {
    vpc: String,
    subnet: String,
    group: String,
}

#[derive(Clone, Copy)]
struct Seed {
    public_subnet: bool,
    flow_logs: bool,
    open_egress: bool,
}

const GOOD: Seed = Seed {
    public_subnet: false,
    flow_logs: true,
    open_egress: false,
};

async fn seed_network(seed: Seed) -> Network {
    let ec2 = ec2();
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_owned();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.20.1.0/24")
        .send()
        .await
        .unwrap()
        .subnet()
        .unwrap()
        .subnet_id()
        .unwrap()
        .to_owned();
    let group = ec2
        .create_security_group()
        .group_name(unique("sg"))
        .description("function group")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_owned();
    if !seed.open_egress {
        // Replace the default all-traffic rule with HTTPS to a security group only.
        ec2.revoke_security_group_egress()
            .group_id(&group)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        ec2.authorize_security_group_egress()
            .group_id(&group)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(443)
                    .to_port(443)
                    .user_id_group_pairs(UserIdGroupPair::builder().group_id(&group).build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    if seed.public_subnet {
        let igw = ec2
            .create_internet_gateway()
            .send()
            .await
            .unwrap()
            .internet_gateway()
            .unwrap()
            .internet_gateway_id()
            .unwrap()
            .to_owned();
        ec2.attach_internet_gateway()
            .internet_gateway_id(&igw)
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap();
        let table = ec2
            .create_route_table()
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap()
            .route_table()
            .unwrap()
            .route_table_id()
            .unwrap()
            .to_owned();
        ec2.create_route()
            .route_table_id(&table)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(&igw)
            .send()
            .await
            .unwrap();
        ec2.associate_route_table()
            .route_table_id(&table)
            .subnet_id(&subnet)
            .send()
            .await
            .unwrap();
    }
    if seed.flow_logs {
        ec2.create_flow_logs()
            .resource_ids(&vpc)
            .resource_type(FlowLogsResourceType::Vpc)
            .traffic_type(TrafficType::All)
            .log_group_name(unique("flow-logs"))
            .deliver_logs_permission_arn(format!("arn:aws:iam::{MOTO_ACCOUNT}:role/flow-logs"))
            .send()
            .await
            .unwrap();
    }
    Network { vpc, subnet, group }
}

async fn create_function(network: Option<&Network>) -> String {
    let role = create_role(LAMBDA_TRUST).await;
    let seed = FunctionSeed {
        variables: &[],
        vpc: network.map(|network| (network.subnet.as_str(), network.group.as_str())),
    };
    seed::create_function(&role, seed).await
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{MOTO_ACCOUNT}:function:{name}")
}

fn event(item: Value, parameters: Value) -> Value {
    rule_event("network-controls", &change(item), &parameters)
}

fn function_item(name: &str, network: Option<&Network>) -> Value {
    let vpc_config = match network {
        Some(network) => {
            json!({"subnetIds": [network.subnet], "securityGroupIds": [network.group]})
        }
        None => json!({"subnetIds": [], "securityGroupIds": []}),
    };
    item(
        "AWS::Lambda::Function",
        name,
        &function_arn(name),
        json!({"functionName": name, "vpcConfig": vpc_config}),
    )
}

async fn evaluate(item: Value, parameters: Value) -> (String, String) {
    let resource_id = item["resourceId"].as_str().unwrap().to_owned();
    invoke_rule(&NetworkControls::new, event(item, parameters)).await;
    let reported = last_reported(&resource_id);
    (reported.compliance, reported.annotation)
}

#[tokio::test]
async fn a_function_on_a_private_subnet_with_bounded_egress_and_flow_logs_is_compliant() {
    let network = seed_network(GOOD).await;
    let name = create_function(Some(&network)).await;
    let (compliance, annotation) = evaluate(function_item(&name, Some(&network)), json!({})).await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    // The VPC's default network ACL allows all traffic; the security group is the layer that
    // bounds it, and the annotation says so.
    assert_starts_with(
        &annotation,
        &format!("egress bounded by {}; network ACL acl-", network.group),
    );
    assert_ends_with(
        &annotation,
        &format!(
            " allows all traffic out; the security groups bound it; in VPC {} on private subnets ({}); flow logs active; no function URL",
            network.vpc, network.subnet
        ),
    );
}

#[tokio::test]
async fn the_default_security_group_egress_is_wide_open() {
    let network = seed_network(Seed {
        open_egress: true,
        ..GOOD
    })
    .await;
    let name = create_function(Some(&network)).await;
    let item = function_item(&name, Some(&network));
    let (compliance, annotation) = evaluate(item.clone(), json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(
        &annotation,
        &format!(
            "security group {} ({}) allows all traffic out to 0.0.0.0/0",
            network.group,
            annotation.split(['(', ')']).nth(1).unwrap()
        ),
    );
    let (compliance, _) = evaluate(item, json!({"AllowOpenEgress": "true"})).await;
    assert_eq!(compliance, "COMPLIANT");
}

#[tokio::test]
async fn a_network_acl_that_denies_all_egress_holds_where_the_security_group_is_open() {
    let network = seed_network(Seed {
        open_egress: true,
        ..GOOD
    })
    .await;
    let name = create_function(Some(&network)).await;
    let item = function_item(&name, Some(&network));
    // The VPC's default ACL allows all: the open group fails, and the ACL is named with it.
    let (compliance, annotation) = evaluate(item.clone(), json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    let ec2 = ec2();
    let acl = ec2
        .create_network_acl()
        .vpc_id(&network.vpc)
        .send()
        .await
        .unwrap()
        .network_acl()
        .unwrap()
        .network_acl_id()
        .unwrap()
        .to_owned();
    ec2.create_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(90)
        .protocol("-1")
        .rule_action(aws_sdk_ec2::types::RuleAction::Deny)
        .egress(true)
        .cidr_block("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    let association = ec2
        .describe_network_acls()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .values(&network.subnet)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .network_acls()
        .iter()
        .flat_map(|acl| acl.associations())
        .find(|association| association.subnet_id() == Some(network.subnet.as_str()))
        .and_then(|association| association.network_acl_association_id())
        .unwrap()
        .to_owned();
    ec2.replace_network_acl_association()
        .association_id(association)
        .network_acl_id(&acl)
        .send()
        .await
        .unwrap();
    // The recorded item is unchanged: the rule reads the subnet's ACL itself.
    let (compliance, after) = evaluate(item, json!({})).await;
    assert_eq!(
        compliance, "COMPLIANT",
        "before: {annotation}; after: {after}"
    );
    assert_contains(
        &after,
        &format!("but network ACL {acl} (rule 90) denies all traffic out to 0.0.0.0/0, so that layer holds"),
    );
}

#[tokio::test]
async fn a_public_subnet_and_a_vpc_without_flow_logs_are_named() {
    let network = seed_network(Seed {
        public_subnet: true,
        flow_logs: false,
        ..GOOD
    })
    .await;
    let name = create_function(Some(&network)).await;
    let (compliance, annotation) = evaluate(function_item(&name, Some(&network)), json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(
        &annotation,
        &format!("subnet {} is public (rtb-", network.subnet),
    );
    assert_contains(
        &annotation,
        &format!("VPC {} has no active flow logs", network.vpc),
    );
}

#[tokio::test]
async fn required_vpc_endpoints_are_found_in_the_vpc() {
    let network = seed_network(GOOD).await;
    ec2()
        .create_vpc_endpoint()
        .vpc_id(&network.vpc)
        .service_name(format!("com.amazonaws.{REGION}.dynamodb"))
        .send()
        .await
        .unwrap();
    let name = create_function(Some(&network)).await;
    let item = function_item(&name, Some(&network));
    let (compliance, annotation) =
        evaluate(item.clone(), json!({"RequireVpcEndpoints": "dynamodb"})).await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    let (compliance, annotation) =
        evaluate(item, json!({"RequireVpcEndpoints": "dynamodb,sqs"})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, "no available endpoint for sqs");
}

#[tokio::test]
async fn outside_a_vpc_is_compliant_unless_a_vpc_is_required() {
    let name = create_function(None).await;
    let (compliance, _) = evaluate(function_item(&name, None), json!({})).await;
    assert_eq!(compliance, "COMPLIANT");
    let (compliance, annotation) =
        evaluate(function_item(&name, None), json!({"RequireVpc": "true"})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert!(annotation.starts_with("the function is not in a VPC"));
}

#[tokio::test]
async fn a_function_url_without_auth_fails_unless_tagged_public_by_design() {
    let name = create_function(None).await;
    create_public_url(&name).await;
    let (compliance, annotation) = evaluate(function_item(&name, None), json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, "the function URL has AuthType NONE");
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    lambda
        .tag_resource()
        .resource(function_arn(&name))
        .tags("public-by-design", "status page for customers")
        .send()
        .await
        .unwrap();
    let (compliance, annotation) = evaluate(
        function_item(&name, None),
        json!({"PublicByDesignTag": "public-by-design"}),
    )
    .await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert_contains(
        &annotation,
        "public by design: status page for customers (tag public-by-design)",
    );
}

/// A function URL anyone can call (AuthType NONE).
async fn create_public_url(function_name: &str) {
    aws_sdk_lambda::Client::new(&sdk_config())
        .create_function_url_config()
        .function_name(function_name)
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn each_alias_url_is_read_with_its_qualifier() {
    let name = create_function(None).await;
    seed::create_alias(&name, "live").await;
    create_public_url(&name).await;
    let (compliance, annotation) = evaluate(function_item(&name, None), json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    // moto ignores the Qualifier and answers with the function's own URL, so the verdict alone
    // does not prove the alias's URL was read: the recording must show the qualified read.
    assert_contains(
        &annotation,
        "the function URL and the URL of alias live have AuthType NONE",
    );
    let wanted = format!("/functions/{name}/url?Qualifier=live");
    assert!(
        recorded_urls()
            .iter()
            .any(|(method, url)| method == "GET" && url.contains(&wanted)),
        "no GetFunctionUrlConfig for alias live"
    );
}

/// A REST API with one mocked GET method deployed to stage `prod`.
async fn create_api(endpoint: EndpointType, policy: Option<&str>) -> String {
    let apigateway = aws_sdk_apigateway::Client::new(&sdk_config());
    let api = apigateway
        .create_rest_api()
        .name(unique("api"))
        .endpoint_configuration(EndpointConfiguration::builder().types(endpoint).build())
        .set_policy(policy.map(str::to_owned))
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let resources = apigateway
        .get_resources()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let root = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    apigateway
        .put_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    apigateway
        .put_integration()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    apigateway
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    api
}

#[tokio::test]
async fn a_stage_needs_a_waf_web_acl_and_passes_once_one_is_associated() {
    let api = create_api(EndpointType::Regional, None).await;
    let stage_arn = format!("arn:aws:apigateway:{REGION}::/restapis/{api}/stages/prod");
    let stage_item = item(
        "AWS::ApiGateway::Stage",
        &stage_arn,
        &stage_arn,
        json!({"stageName": "prod"}),
    );
    let (compliance, annotation) = evaluate(stage_item.clone(), json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(
        &annotation,
        &format!("stage prod of REST API {api} has no AWS WAF web ACL"),
    );

    let waf = aws_sdk_wafv2::Client::new(&sdk_config());
    let web_acl = waf
        .create_web_acl()
        .name(unique("acl"))
        .scope(Scope::Regional)
        .default_action(
            DefaultAction::builder()
                .allow(AllowAction::builder().build())
                .build(),
        )
        .visibility_config(
            VisibilityConfig::builder()
                .sampled_requests_enabled(false)
                .cloud_watch_metrics_enabled(false)
                .metric_name("api")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .summary()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    waf.associate_web_acl()
        .web_acl_arn(&web_acl)
        .resource_arn(&stage_arn)
        .send()
        .await
        .unwrap();
    // The recorded item is unchanged: the rule reads the association itself.
    let (compliance, annotation) = evaluate(stage_item.clone(), json!({})).await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert!(annotation.ends_with(&web_acl));
    let other = format!("arn:aws:wafv2:{REGION}:{MOTO_ACCOUNT}:regional/webacl/approved/1");
    let (compliance, annotation) = evaluate(stage_item, json!({"AllowedWebAclArns": other})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, "not in AllowedWebAclArns");
}

#[tokio::test]
async fn a_private_api_must_admit_callers_only_through_its_vpc_endpoint() {
    let deny_unless_vpce = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0a1b2c3d"}}}]}"#;
    let require = json!({"RequirePrivateApi": "true"});
    let api_item = |api: &str| {
        let arn = format!("arn:aws:apigateway:{REGION}::/restapis/{api}");
        item("AWS::ApiGateway::RestApi", api, &arn, json!({"id": api}))
    };

    let private = create_api(EndpointType::Private, Some(deny_unless_vpce)).await;
    let (compliance, annotation) = evaluate(api_item(&private), require.clone()).await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert_ends_with(&annotation, "only through vpce-0a1b2c3d");
    // Without RequirePrivateApi a private API is still judged, for its methods: reached only
    // through VPC endpoints, they are not open to the internet.
    let (compliance, annotation) = evaluate(api_item(&private), json!({})).await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert_contains(&annotation, "reached only through VPC endpoints");

    let regional = create_api(EndpointType::Regional, None).await;
    let (compliance, annotation) = evaluate(api_item(&regional), require).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(&annotation, "endpoint type REGIONAL");
    assert_contains(&annotation, "has no resource policy");
}

/// A method on a new resource `path_part` of `api`, with a mock integration.
async fn put_method(api: &str, path_part: &str, verb: &str, authorization: &str, api_key: bool) {
    let apigateway = aws_sdk_apigateway::Client::new(&sdk_config());
    let root = apigateway
        .get_resources()
        .rest_api_id(api)
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .unwrap()
        .to_owned();
    let resource = apigateway
        .create_resource()
        .rest_api_id(api)
        .parent_id(root)
        .path_part(path_part)
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    apigateway
        .put_method()
        .rest_api_id(api)
        .resource_id(&resource)
        .http_method(verb)
        .authorization_type(authorization)
        .api_key_required(api_key)
        .send()
        .await
        .unwrap();
    apigateway
        .put_integration()
        .rest_api_id(api)
        .resource_id(&resource)
        .http_method(verb)
        .r#type(IntegrationType::Mock)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn every_method_of_a_rest_api_must_be_authorized_unless_it_is_public_by_design() {
    let api = create_api(EndpointType::Regional, None).await;
    put_method(&api, "bookings", "POST", "AWS_IAM", false).await;
    put_method(&api, "partners", "GET", "NONE", true).await;
    let arn = format!("arn:aws:apigateway:{REGION}::/restapis/{api}");
    let api_item = item("AWS::ApiGateway::RestApi", &api, &arn, json!({"id": api}));

    let (compliance, annotation) = evaluate(api_item.clone(), json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    // create_api's GET / is open; the IAM-authorized POST is not named.
    assert_contains(
        &annotation,
        &format!("REST API {api}: GET / is open to anyone"),
    );
    assert_contains(&annotation, "GET /partners requires only an API key");
    assert!(!annotation.contains("POST /bookings"), "{annotation}");

    // The same open method on an API tagged public by design, with its reason (moto takes
    // tags when the API is created, not through TagResource).
    let open_data = aws_sdk_apigateway::Client::new(&sdk_config())
        .create_rest_api()
        .name(unique("open-data"))
        .tags("sec2:public-by-design", "open flight data")
        .send()
        .await
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    put_method(&open_data, "flights", "GET", "NONE", false).await;
    let arn = format!("arn:aws:apigateway:{REGION}::/restapis/{open_data}");
    let open_item = item(
        "AWS::ApiGateway::RestApi",
        &open_data,
        &arn,
        json!({"id": open_data}),
    );
    let (compliance, annotation) = evaluate(open_item, json!({})).await;
    assert_eq!(compliance, "COMPLIANT", "{annotation}");
    assert_contains(&annotation, "public by design: open flight data");
}

#[tokio::test]
async fn a_security_group_that_cannot_be_found_is_never_compliant() {
    let network = seed_network(GOOD).await;
    let name = create_function(Some(&network)).await;
    let mut item = function_item(&name, Some(&network));
    item["configuration"]["vpcConfig"]["securityGroupIds"] = json!(["sg-0000000000deleted"]);
    let (compliance, annotation) = evaluate(item, json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_starts_with(
        &annotation,
        "could not read security groups sg-0000000000deleted",
    );
}

#[tokio::test]
async fn every_route_of_an_http_api_needs_an_authorizer() {
    let v2 = aws_sdk_apigatewayv2::Client::new(&sdk_config());
    let api = v2
        .create_api()
        .name(unique("http"))
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .unwrap()
        .api_id()
        .unwrap()
        .to_owned();
    for (key, authorization) in [("GET /flights", "NONE"), ("POST /bookings", "AWS_IAM")] {
        v2.create_route()
            .api_id(&api)
            .route_key(key)
            .authorization_type(authorization.into())
            .send()
            .await
            .unwrap();
    }
    let arn = format!("arn:aws:apigateway:{REGION}::/apis/{api}");
    let api_item = item("AWS::ApiGatewayV2::Api", &api, &arn, json!({"apiId": api}));
    let (compliance, annotation) = evaluate(api_item, json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(
        &annotation,
        &format!("HTTP API {api}: GET /flights is open to anyone on the internet (no authorizer)"),
    );
    assert!(!annotation.contains("POST /bookings"), "{annotation}");
}

/// moto's GetGraphqlApi carries no `wafWebAclArn`, so every API here lacks a web ACL; the
/// library's AppSync tests (`aws-smithy-mocks`) cover one that has it.
#[tokio::test]
async fn an_appsync_api_on_an_api_key_alone_is_open_and_cognito_by_default_is_not() {
    use aws_sdk_appsync::types::{AdditionalAuthenticationProvider, AuthenticationType};
    let appsync = aws_sdk_appsync::Client::new(&sdk_config());
    let create = |default: AuthenticationType, additional: Option<AuthenticationType>| {
        let appsync = appsync.clone();
        async move {
            appsync
                .create_graphql_api()
                .name(unique("graph"))
                .authentication_type(default)
                .set_additional_authentication_providers(additional.map(|mode| {
                    vec![AdditionalAuthenticationProvider::builder()
                        .authentication_type(mode)
                        .build()]
                }))
                .send()
                .await
                .unwrap()
                .graphql_api()
                .unwrap()
                .api_id()
                .unwrap()
                .to_owned()
        }
    };
    let graph_item = |id: &str| {
        let arn = format!("arn:aws:appsync:{REGION}:{MOTO_ACCOUNT}:apis/{id}");
        item("AWS::AppSync::GraphQLApi", &arn, &arn, json!({"ApiId": id}))
    };

    let key_only = create(AuthenticationType::ApiKey, None).await;
    let (compliance, annotation) = evaluate(graph_item(&key_only), json!({})).await;
    assert_eq!(compliance, "NON_COMPLIANT");
    assert_contains(
        &annotation,
        &format!("AppSync API {key_only} answers to an API key alone"),
    );
    // The missing web ACL follows, past Config's 256 characters.
    assert_ends_with(&annotation, "(+1 more in the log)");

    let cognito = create(
        AuthenticationType::AmazonCognitoUserPools,
        Some(AuthenticationType::ApiKey),
    )
    .await;
    let (_, annotation) = evaluate(graph_item(&cognito), json!({})).await;
    assert!(!annotation.contains("API key alone"), "{annotation}");
    assert_contains(&annotation, "has no AWS WAF web ACL");

    // The public-by-design mark comes from the API's own tags, read with GetGraphqlApi.
    appsync
        .tag_resource()
        .resource_arn(format!(
            "arn:aws:appsync:{REGION}:{MOTO_ACCOUNT}:apis/{key_only}"
        ))
        .tags("sec2:public-by-design", "public flight board")
        .send()
        .await
        .unwrap();
    let (_, annotation) = evaluate(graph_item(&key_only), json!({})).await;
    assert!(!annotation.contains("API key alone"), "{annotation}");
    // Only the web ACL fails now; what holds (the mark) is counted after it.
    assert_starts_with(
        &annotation,
        &format!("AppSync API {key_only} has no AWS WAF web ACL"),
    );
}
