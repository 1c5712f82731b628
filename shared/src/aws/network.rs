//! `NetworkReader` (network-controls): EC2 for the VPC, Lambda for the URL and tags, API Gateway
//! for stages, REST and HTTP APIs, AppSync for GraphQL APIs.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, IpPermission};

use super::error::absent_as_none;
use super::{tag_map, AwsClients};
use crate::config::ReadError;
use crate::rules::network_controls::acl::{AclEntry, NetworkAcl};
use crate::rules::network_controls::api::{ApiMethod, RestApiFacts, StageFacts, StageId};
use crate::rules::network_controls::egress::{EgressPermission, SecurityGroup};
use crate::rules::network_controls::function::FunctionUrl;
use crate::rules::network_controls::graphql::GraphqlApiFacts;
use crate::rules::network_controls::http_api::{HttpApiFacts, HttpRoute, HttpStage};
use crate::rules::network_controls::placement::{FlowLog, RouteTable, Subnet, VpcEndpoint};
use crate::rules::network_controls::{NetworkReader, MAX_ALIASES, MAX_API_RESOURCES};

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// At most this many pages of an HTTP API's routes are read; more is never compliant.
const MAX_PAGES: usize = 20;

impl NetworkReader for AwsClients {
    async fn subnets(&self, ids: &[String]) -> Result<Vec<Subnet>, ReadError> {
        let output = call!(
            self.ec2()
                .describe_subnets()
                .set_subnet_ids(Some(ids.to_vec())),
            "ec2:DescribeSubnets"
        )?;
        Ok(output
            .subnets()
            .iter()
            .filter_map(|subnet| {
                Some(Subnet {
                    id: subnet.subnet_id()?.to_owned(),
                    vpc_id: subnet.vpc_id()?.to_owned(),
                })
            })
            .collect())
    }

    async fn security_groups(&self, ids: &[String]) -> Result<Vec<SecurityGroup>, ReadError> {
        let output = call!(
            self.ec2()
                .describe_security_groups()
                .set_group_ids(Some(ids.to_vec())),
            "ec2:DescribeSecurityGroups"
        )?;
        Ok(output
            .security_groups()
            .iter()
            .map(|group| SecurityGroup {
                id: group.group_id().unwrap_or_default().to_owned(),
                name: group.group_name().unwrap_or_default().to_owned(),
                egress: group
                    .ip_permissions_egress()
                    .iter()
                    .map(egress_permission)
                    .collect(),
            })
            .collect())
    }

    async fn network_acls(&self, subnet_ids: &[String]) -> Result<Vec<NetworkAcl>, ReadError> {
        let acls: Vec<_> = every_item!(
            self.ec2()
                .describe_network_acls()
                .filters(filter("association.subnet-id", subnet_ids)),
            "ec2:DescribeNetworkAcls"
        )?;
        Ok(acls
            .iter()
            .map(|acl| NetworkAcl {
                id: acl.network_acl_id().unwrap_or_default().to_owned(),
                subnet_ids: acl
                    .associations()
                    .iter()
                    .filter_map(|association| association.subnet_id().map(str::to_owned))
                    .collect(),
                egress: acl
                    .entries()
                    .iter()
                    .filter(|entry| entry.egress() == Some(true))
                    .map(|entry| AclEntry {
                        rule_number: entry.rule_number().unwrap_or(i32::MAX),
                        protocol: entry.protocol().unwrap_or("-1").to_owned(),
                        allow: entry
                            .rule_action()
                            .is_some_and(|action| action.as_str() == "allow"),
                        cidr: entry
                            .cidr_block()
                            .or(entry.ipv6_cidr_block())
                            .unwrap_or_default()
                            .to_owned(),
                        ports: entry
                            .port_range()
                            .and_then(|range| Some((range.from()?, range.to()?))),
                    })
                    .collect(),
            })
            .collect())
    }

    async fn route_tables(&self, vpc_id: &str) -> Result<Vec<RouteTable>, ReadError> {
        let tables = every_item!(
            self.ec2()
                .describe_route_tables()
                .filters(filter("vpc-id", &[vpc_id.to_owned()])),
            "ec2:DescribeRouteTables"
        )?;
        Ok(tables
            .iter()
            .map(|table| RouteTable {
                id: table.route_table_id().unwrap_or_default().to_owned(),
                main: table
                    .associations()
                    .iter()
                    .any(|association| association.main() == Some(true)),
                subnet_ids: table
                    .associations()
                    .iter()
                    .filter_map(|association| association.subnet_id())
                    .map(str::to_owned)
                    .collect(),
                internet_routes: table
                    .routes()
                    .iter()
                    .filter(|route| route.gateway_id().is_some_and(|g| g.starts_with("igw-")))
                    .map(|route| {
                        route
                            .destination_cidr_block()
                            .or(route.destination_ipv6_cidr_block())
                            .or(route.destination_prefix_list_id())
                            .unwrap_or("a destination")
                            .to_owned()
                    })
                    .collect(),
            })
            .collect())
    }

    async fn flow_logs(&self, resource_ids: &[String]) -> Result<Vec<FlowLog>, ReadError> {
        let logs = every_item!(
            self.ec2()
                .describe_flow_logs()
                .filter(filter("resource-id", resource_ids)),
            "ec2:DescribeFlowLogs"
        )?;
        Ok(logs
            .iter()
            .map(|log| FlowLog {
                id: log.flow_log_id().unwrap_or_default().to_owned(),
                resource_id: log.resource_id().unwrap_or_default().to_owned(),
                active: log
                    .flow_log_status()
                    .is_some_and(|status| status.eq_ignore_ascii_case("ACTIVE")),
            })
            .collect())
    }

    async fn vpc_endpoints(&self, vpc_id: &str) -> Result<Vec<VpcEndpoint>, ReadError> {
        let endpoints = every_item!(
            self.ec2()
                .describe_vpc_endpoints()
                .filters(filter("vpc-id", &[vpc_id.to_owned()])),
            "ec2:DescribeVpcEndpoints"
        )?;
        Ok(endpoints
            .iter()
            .map(|endpoint| VpcEndpoint {
                id: endpoint.vpc_endpoint_id().unwrap_or_default().to_owned(),
                service_name: endpoint.service_name().unwrap_or_default().to_owned(),
                available: endpoint
                    .state()
                    .is_some_and(|state| state.as_str().eq_ignore_ascii_case("available")),
            })
            .collect())
    }

    async fn function_aliases(&self, function_name: &str) -> Result<Vec<String>, ReadError> {
        let aliases = at_most_items!(
            self.lambda().list_aliases().function_name(function_name),
            "lambda:ListAliases",
            MAX_ALIASES + 1
        )?;
        Ok(aliases
            .iter()
            .filter_map(|alias| alias.name().map(str::to_owned))
            .collect())
    }

    async fn function_url(
        &self,
        function_name: &str,
        alias: Option<&str>,
    ) -> Result<Option<FunctionUrl>, ReadError> {
        let request = self
            .lambda()
            .get_function_url_config()
            .function_name(function_name)
            .set_qualifier(alias.map(str::to_owned));
        let config = absent_as_none(
            request.send().await,
            |e| e.is_resource_not_found_exception(),
            "lambda:GetFunctionUrlConfig",
        )?;
        Ok(config.map(|config| FunctionUrl {
            url: config.function_url().to_owned(),
            auth_type: config.auth_type().as_str().to_owned(),
            alias: alias.map(str::to_owned),
        }))
    }

    async fn function_tags(
        &self,
        function_arn: &str,
    ) -> Result<BTreeMap<String, String>, ReadError> {
        let output = call!(
            self.lambda().list_tags().resource(function_arn),
            "lambda:ListTags"
        )?;
        Ok(tag_map(output.tags()))
    }

    async fn stage(&self, stage: &StageId) -> Result<StageFacts, ReadError> {
        let output = call!(
            self.apigateway()
                .get_stage()
                .rest_api_id(&stage.rest_api_id)
                .stage_name(&stage.stage_name),
            "apigateway:GET"
        )?;
        Ok(StageFacts {
            web_acl_arn: output
                .web_acl_arn()
                .filter(|arn| !arn.is_empty())
                .map(str::to_owned),
        })
    }

    async fn rest_api(&self, id: &str) -> Result<RestApiFacts, ReadError> {
        let output = call!(
            self.apigateway().get_rest_api().rest_api_id(id),
            "apigateway:GET"
        )?;
        Ok(RestApiFacts {
            endpoint_types: output
                .endpoint_configuration()
                .map(|config| {
                    config
                        .types()
                        .iter()
                        .map(|kind| kind.as_str().to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            policy: output.policy().map(str::to_owned),
            tags: tag_map(output.tags()),
        })
    }

    async fn http_api(&self, id: &str) -> Result<HttpApiFacts, ReadError> {
        const ACTION: &str = "apigateway:GET";
        let client = self.apigatewayv2();
        let api = call!(client.get_api().api_id(id), ACTION)?;
        let mut routes = Vec::new();
        let mut token = None;
        for _ in 0..MAX_PAGES {
            let page = call!(
                client.get_routes().api_id(id).set_next_token(token.take()),
                ACTION
            )?;
            routes.extend(page.items().iter().map(|route| {
                HttpRoute {
                    route_key: route.route_key().unwrap_or_default().to_owned(),
                    authorization_type: route
                        .authorization_type()
                        .map_or("NONE", |kind| kind.as_str())
                        .to_owned(),
                }
            }));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        if token.is_some() {
            return Err(ReadError::invalid(
                ACTION,
                format!("more than {MAX_PAGES} pages of routes"),
            ));
        }
        let stages = call!(client.get_stages().api_id(id), ACTION)?;
        Ok(HttpApiFacts {
            protocol: api
                .protocol_type()
                .map_or("HTTP", |kind| kind.as_str())
                .to_owned(),
            tags: tag_map(api.tags()),
            routes,
            stages: stages
                .items()
                .iter()
                .map(|stage| HttpStage {
                    name: stage.stage_name().unwrap_or_default().to_owned(),
                    access_logs: stage
                        .access_log_settings()
                        .and_then(|settings| settings.destination_arn())
                        .is_some_and(|arn| !arn.is_empty()),
                    throttled: stage.default_route_settings().is_some_and(|settings| {
                        settings.throttling_rate_limit().is_some()
                            || settings.throttling_burst_limit().is_some()
                    }),
                })
                .collect(),
        })
    }

    async fn graphql_api(&self, id: &str) -> Result<GraphqlApiFacts, ReadError> {
        graphql_api(self.appsync(), id).await
    }

    async fn rest_api_methods(&self, id: &str) -> Result<Vec<ApiMethod>, ReadError> {
        const ACTION: &str = "apigateway:GET";
        let resources: Vec<_> = at_most_items!(
            self.apigateway()
                .get_resources()
                .rest_api_id(id)
                .embed("methods")
                .limit(500),
            ACTION,
            MAX_API_RESOURCES + 1
        )?;
        if resources.len() > MAX_API_RESOURCES {
            return Err(ReadError::invalid(
                ACTION,
                format!(
                    "more than {MAX_API_RESOURCES} resources, too many to read each one's methods"
                ),
            ));
        }
        let mut methods = Vec::new();
        for resource in &resources {
            let path = resource.path().unwrap_or("/");
            for (verb, method) in resource.resource_methods().into_iter().flatten() {
                methods.push(ApiMethod {
                    path: path.to_owned(),
                    http_method: method.http_method().unwrap_or(verb).to_owned(),
                    authorization_type: method.authorization_type().unwrap_or("NONE").to_owned(),
                    api_key_required: method.api_key_required().unwrap_or(false),
                    integration_type: method
                        .method_integration()
                        .and_then(|integration| integration.r#type())
                        .map(|kind| kind.as_str().to_owned()),
                });
            }
        }
        methods.sort_by(|a, b| (&a.path, &a.http_method).cmp(&(&b.path, &b.http_method)));
        Ok(methods)
    }
}

fn egress_permission(permission: &IpPermission) -> EgressPermission {
    let strings = |values: Vec<Option<&str>>| -> Vec<String> {
        values.into_iter().flatten().map(str::to_owned).collect()
    };
    EgressPermission {
        protocol: permission.ip_protocol().unwrap_or_default().to_owned(),
        from_port: permission.from_port(),
        to_port: permission.to_port(),
        ipv4_ranges: strings(permission.ip_ranges().iter().map(|r| r.cidr_ip()).collect()),
        ipv6_ranges: strings(
            permission
                .ipv6_ranges()
                .iter()
                .map(|r| r.cidr_ipv6())
                .collect(),
        ),
        prefix_list_ids: strings(
            permission
                .prefix_list_ids()
                .iter()
                .map(|p| p.prefix_list_id())
                .collect(),
        ),
        group_ids: strings(
            permission
                .user_id_group_pairs()
                .iter()
                .map(|pair| pair.group_id())
                .collect(),
        ),
    }
}

/// appsync:GetGraphqlApi, which carries the API's web ACL (`wafWebAclArn`) too, so no WAF call
/// (and no WAF permission) is needed.
pub async fn graphql_api(
    client: &aws_sdk_appsync::Client,
    id: &str,
) -> Result<GraphqlApiFacts, ReadError> {
    const ACTION: &str = "appsync:GetGraphqlApi";
    let output = call!(client.get_graphql_api().api_id(id), ACTION)?;
    let api = output
        .graphql_api()
        .ok_or_else(|| ReadError::invalid(ACTION, "AppSync returned no API"))?;
    Ok(GraphqlApiFacts {
        default_authentication: api
            .authentication_type()
            .ok_or_else(|| ReadError::invalid(ACTION, "AppSync returned no authentication type"))?
            .as_str()
            .to_owned(),
        additional_authentication: api
            .additional_authentication_providers()
            .iter()
            .filter_map(|provider| provider.authentication_type())
            .map(|kind| kind.as_str().to_owned())
            .collect(),
        visibility: api
            .visibility()
            .map_or("GLOBAL", |kind| kind.as_str())
            .to_owned(),
        web_acl_arn: api
            .waf_web_acl_arn()
            .filter(|arn| !arn.is_empty())
            .map(str::to_owned),
        tags: tag_map(api.tags()),
    })
}
