//! Rule `sec2-network-controls` (SEC2 practice 4, "Control network traffic at all layers").
//!
//! Trigger: changes of the resource types below. The linked network (security groups, route
//! tables, flow logs, VPC endpoints, the function URL, the stage's web ACL) is read at evaluation
//! time: a re-evaluation started because one of them changed must see the change, which the
//! function's recorded item does not carry. Scenarios:
//! 1. AWS::Lambda::Function outside a VPC: NON_COMPLIANT only with RequireVpc.
//! 2. In a VPC: subnets and VPC within AllowedSubnetIds / AllowedVpcIds; no security group lets
//!    all traffic (or a RestrictedEgressPorts port) out to 0.0.0.0/0 or ::/0 unless
//!    AllowOpenEgress; active flow logs on the VPC (or every subnet); no subnet routed to an
//!    internet gateway; an endpoint for each RequireVpcEndpoints service.
//! 3. A function URL with AuthType NONE: NON_COMPLIANT unless the function is marked public by
//!    design (the PublicByDesignTag tag, with a reason; `rules::public_by_design`).
//! 4. AWS::ApiGateway::Stage without a WAF web ACL (or with one outside AllowedWebAclArns):
//!    NON_COMPLIANT.
//! 5. AWS::ApiGateway::RestApi: every method authorized (not NONE, not an API key alone; CORS
//!    preflights aside) unless the API is private or marked public by design; with
//!    RequirePrivateApi, endpoint type PRIVATE and a resource policy limited to aws:SourceVpce /
//!    aws:SourceVpc.
//! 6. AWS::ApiGatewayV2::Api (HTTP): every route has an authorizer unless marked public by
//!    design; stages' access logging and throttling reported.
//! 7. AWS::AppSync::GraphQLApi: not an API key by default (unless private or public by design),
//!    and a WAF web ACL (within AllowedWebAclArns).
//! 8. Anything that cannot be read: NON_COMPLIANT, saying what.
//! 9. A daily periodic run judges every resource Config records of these types as a change
//!    would, so a verdict on what Config links but does not record (a security group's egress,
//!    a route, a stage's web ACL) is never older than a day.

pub mod acl;
pub mod api;
pub mod egress;
pub mod function;
pub mod graphql;
pub mod http_api;
pub mod placement;

use std::collections::BTreeMap;
use std::future::Future;

use futures_util::StreamExt;

use crate::config::engine::Periodic;
use crate::config::periodic::{judge_recorded, PeriodicContext, READ_CONCURRENCY};
use crate::config::views::LambdaFunction;
use crate::config::{
    Compliance, ConfigurationItem, EventError, FromRuleParameters, ReadError, ReadErrorKind,
    RecordedResources, Rule, RuleParameters, Verdict,
};
use crate::registry::{RuleSpec, NETWORK_CONTROLS};
use crate::rules::public_by_design::{self, Marking};

use api::{
    judge_methods, judge_private_api, judge_stage, rest_api_id, ApiMethod, RestApiFacts,
    StageFacts, StageId,
};
use egress::SecurityGroup;
use function::{judge_function, FunctionNetwork, FunctionUrl, VpcEvidence};
use placement::{FlowLog, RouteTable, Subnet, VpcEndpoint};

pub const RESOURCE_TYPES: &[&str] = NETWORK_CONTROLS.resource_types;

/// How many aliases one evaluation reads the URL of; more is never compliant.
pub const MAX_ALIASES: usize = 100;

/// How many resources (paths) of a REST API one evaluation reads the methods of; more is never
/// compliant.
pub const MAX_API_RESOURCES: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters {
    pub require_vpc: bool,
    pub allowed_subnet_ids: Vec<String>,
    pub allowed_vpc_ids: Vec<String>,
    pub restricted_egress_ports: Vec<u16>,
    pub allow_open_egress: bool,
    pub require_vpc_endpoints: Vec<String>,
    pub public_by_design_tag: String,
    pub allowed_web_acl_arns: Vec<String>,
    pub require_private_api: bool,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            require_vpc: false,
            allowed_subnet_ids: Vec::new(),
            allowed_vpc_ids: Vec::new(),
            restricted_egress_ports: Vec::new(),
            allow_open_egress: false,
            require_vpc_endpoints: Vec::new(),
            public_by_design_tag: public_by_design::DEFAULT_TAG.to_owned(),
            allowed_web_acl_arns: Vec::new(),
            require_private_api: false,
        }
    }
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = NETWORK_CONTROLS.parameters;
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        Ok(Parameters {
            require_vpc: parameters.flag("RequireVpc", false)?,
            allowed_subnet_ids: parameters.list("AllowedSubnetIds")?,
            allowed_vpc_ids: parameters.list("AllowedVpcIds")?,
            restricted_egress_ports: parameters.ports("RestrictedEgressPorts")?,
            allow_open_egress: parameters.flag("AllowOpenEgress", false)?,
            require_vpc_endpoints: parameters
                .list("RequireVpcEndpoints")?
                .into_iter()
                .map(|service| service.to_ascii_lowercase())
                .collect(),
            public_by_design_tag: parameters
                .text(public_by_design::PARAMETER)?
                .unwrap_or_else(|| public_by_design::DEFAULT_TAG.to_owned()),
            allowed_web_acl_arns: parameters.list("AllowedWebAclArns")?,
            require_private_api: parameters.flag("RequirePrivateApi", false)?,
        })
    }
}

/// The reads the rule makes; each error is the reason, for the annotation.
pub trait NetworkReader: Sync {
    /// ec2:DescribeSubnets.
    fn subnets(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<Subnet>, ReadError>> + Send;
    /// ec2:DescribeSecurityGroups.
    fn security_groups(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<SecurityGroup>, ReadError>> + Send;
    /// ec2:DescribeNetworkAcls associated with any of these subnets.
    fn network_acls(
        &self,
        subnet_ids: &[String],
    ) -> impl Future<Output = Result<Vec<acl::NetworkAcl>, ReadError>> + Send;
    /// ec2:DescribeRouteTables for the VPC.
    fn route_tables(
        &self,
        vpc_id: &str,
    ) -> impl Future<Output = Result<Vec<RouteTable>, ReadError>> + Send;
    /// ec2:DescribeFlowLogs attached to any of these resources.
    fn flow_logs(
        &self,
        resource_ids: &[String],
    ) -> impl Future<Output = Result<Vec<FlowLog>, ReadError>> + Send;
    /// ec2:DescribeVpcEndpoints in the VPC.
    fn vpc_endpoints(
        &self,
        vpc_id: &str,
    ) -> impl Future<Output = Result<Vec<VpcEndpoint>, ReadError>> + Send;
    /// lambda:ListAliases: the function's aliases, each of which can have a URL of its own; at
    /// most `MAX_ALIASES + 1` (one more says there are too many).
    fn function_aliases(
        &self,
        function_name: &str,
    ) -> impl Future<Output = Result<Vec<String>, ReadError>> + Send;
    /// lambda:GetFunctionUrlConfig, with `Qualifier` for an alias's URL; `None` when there is
    /// no URL.
    fn function_url(
        &self,
        function_name: &str,
        alias: Option<&str>,
    ) -> impl Future<Output = Result<Option<FunctionUrl>, ReadError>> + Send;
    /// lambda:ListTags.
    fn function_tags(
        &self,
        function_arn: &str,
    ) -> impl Future<Output = Result<BTreeMap<String, String>, ReadError>> + Send;
    /// apigateway:GET on the stage.
    fn stage(&self, stage: &StageId) -> impl Future<Output = Result<StageFacts, ReadError>> + Send;
    /// apigateway:GET on the REST API.
    fn rest_api(&self, id: &str) -> impl Future<Output = Result<RestApiFacts, ReadError>> + Send;
    /// apigateway:GET on the HTTP API, its routes and its stages.
    fn http_api(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<http_api::HttpApiFacts, ReadError>> + Send;
    /// appsync:GetGraphqlApi: its authorization modes, visibility, web ACL and tags.
    fn graphql_api(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<graphql::GraphqlApiFacts, ReadError>> + Send;
    /// apigateway:GET on the REST API's resources, with their methods; at most
    /// `MAX_API_RESOURCES` resources.
    fn rest_api_methods(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Vec<ApiMethod>, ReadError>> + Send;
}

/// The rule, with its reads.
#[derive(Debug, Clone)]
pub struct NetworkControls<R> {
    reader: R,
}

impl<R: NetworkReader + RecordedResources> NetworkControls<R> {
    pub fn new(reader: R) -> Self {
        NetworkControls { reader }
    }

    async fn evaluate_function(
        &self,
        item: &ConfigurationItem,
        parameters: &Parameters,
    ) -> Verdict {
        let function = match LambdaFunction::of(item) {
            Ok(function) => function,
            Err(problem) => return Verdict::non_compliant(problem.to_string()),
        };
        let (name, arn) = (function.name, function.arn);
        let (subnet_ids, security_group_ids) = (function.subnet_ids, function.security_group_ids);
        let vpc = async {
            if subnet_ids.is_empty() {
                None
            } else {
                Some(
                    self.read_vpc(subnet_ids, security_group_ids, parameters)
                        .await,
                )
            }
        };
        let urls = async {
            let urls = self.read_urls(&name).await;
            let any_public = urls
                .as_ref()
                .is_ok_and(|urls| urls.iter().any(FunctionUrl::is_public));
            let tags = match &arn {
                Some(arn) if any_public => Some(self.reader.function_tags(arn).await),
                None if any_public => Some(Err(ReadError::invalid(
                    "lambda:ListTags",
                    "the configuration item names no function ARN",
                ))),
                _ => None,
            };
            let today = public_by_design::today();
            let marking = tags.map(|tags| {
                tags.map(|tags| Marking::of(&tags, &parameters.public_by_design_tag, &today))
            });
            (urls, marking)
        };
        let (vpc, (urls, marking)) = tokio::join!(vpc, urls);
        judge_function(
            &FunctionNetwork {
                name,
                vpc,
                urls,
                marking,
            },
            parameters,
        )
    }

    /// The function's own URL and each alias's (versions cannot have one).
    async fn read_urls(&self, name: &str) -> Result<Vec<FunctionUrl>, ReadError> {
        let aliases = self.reader.function_aliases(name).await?;
        if aliases.len() > MAX_ALIASES {
            return Err(ReadError::invalid(
                "lambda:ListAliases",
                format!("more than {MAX_ALIASES} aliases, too many to read each one's URL"),
            ));
        }
        let own = self.reader.function_url(name, None);
        let each = futures_util::stream::iter(aliases)
            .map(|alias| async move { self.reader.function_url(name, Some(&alias)).await })
            .buffered(READ_CONCURRENCY)
            .collect::<Vec<_>>();
        let (own, each) = tokio::join!(own, each);
        let mut urls: Vec<FunctionUrl> = own?.into_iter().collect();
        for url in each {
            urls.extend(url?);
        }
        Ok(urls)
    }

    async fn read_vpc(
        &self,
        subnet_ids: Vec<String>,
        security_group_ids: Vec<String>,
        parameters: &Parameters,
    ) -> VpcEvidence {
        let (subnets, security_groups, network_acls) = tokio::join!(
            self.reader.subnets(&subnet_ids),
            self.reader.security_groups(&security_group_ids),
            self.reader.network_acls(&subnet_ids)
        );
        let vpc_id = match &subnets {
            Ok(found) => found.first().map(|subnet| subnet.vpc_id.clone()),
            Err(_) => None,
        };
        let (route_tables, flow_logs, endpoints) = match &vpc_id {
            None => {
                let kind = subnets
                    .as_ref()
                    .err()
                    .map_or(ReadErrorKind::NotFound, |e| e.kind);
                (unknown_vpc(kind), unknown_vpc(kind), unknown_vpc(kind))
            }
            Some(vpc_id) => {
                let mut logged: Vec<String> = vec![vpc_id.clone()];
                logged.extend(subnet_ids.iter().cloned());
                let endpoints = async {
                    if parameters.require_vpc_endpoints.is_empty() {
                        Ok(Vec::new())
                    } else {
                        self.reader.vpc_endpoints(vpc_id).await
                    }
                };
                tokio::join!(
                    self.reader.route_tables(vpc_id),
                    self.reader.flow_logs(&logged),
                    endpoints
                )
            }
        };
        VpcEvidence {
            subnet_ids,
            security_group_ids,
            subnets,
            security_groups,
            network_acls,
            route_tables,
            flow_logs,
            endpoints,
        }
    }

    async fn evaluate_stage(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        let Some(stage) = StageId::parse(&item.resource_id)
            .or_else(|| item.arn.as_deref().and_then(StageId::parse))
        else {
            return Verdict::non_compliant(format!(
                "cannot tell the REST API and stage from resource id {}",
                item.resource_id
            ));
        };
        match self.reader.stage(&stage).await {
            Ok(facts) => judge_stage(&stage, &facts, &parameters.allowed_web_acl_arns),
            Err(error) => Verdict::non_compliant(error.annotation(&format!(
                "stage {} of REST API {}",
                stage.stage_name, stage.rest_api_id
            ))),
        }
    }

    async fn evaluate_rest_api(
        &self,
        item: &ConfigurationItem,
        parameters: &Parameters,
    ) -> Verdict {
        let Some(id) = rest_api_id(&item.resource_id) else {
            return Verdict::non_compliant(format!(
                "cannot tell the REST API from resource id {}",
                item.resource_id
            ));
        };
        let facts = match self.reader.rest_api(id).await {
            Ok(facts) => facts,
            Err(error) => {
                return Verdict::non_compliant(error.annotation(&format!("REST API {id}")))
            }
        };
        let methods = if facts.is_private() {
            Ok(Vec::new())
        } else {
            self.reader.rest_api_methods(id).await
        };
        let tag = &parameters.public_by_design_tag;
        let marking = Marking::of(&facts.tags, tag, &public_by_design::today());
        let (mut problems, mut good) = judge_methods(id, &facts, &methods, &marking, tag);
        if parameters.require_private_api {
            let private = judge_private_api(id, &facts);
            // Asked for explicitly, so said first.
            match private.compliance {
                // Private, so what the methods' judgement said adds nothing.
                Compliance::Compliant => good = vec![private.annotation],
                _ => problems.insert(0, private.annotation),
            }
        }
        if problems.is_empty() {
            Verdict::listing(crate::config::Compliance::Compliant, &good)
        } else {
            Verdict::listing(crate::config::Compliance::NonCompliant, &problems)
        }
    }
}

impl<R: NetworkReader + RecordedResources> NetworkControls<R> {
    async fn evaluate_http_api(
        &self,
        item: &ConfigurationItem,
        parameters: &Parameters,
    ) -> Verdict {
        let id = item.resource_id.as_str();
        match self.reader.http_api(id).await {
            Ok(facts) => {
                let tag = &parameters.public_by_design_tag;
                let marking = Marking::of(&facts.tags, tag, &public_by_design::today());
                http_api::judge_http_api(id, &facts, &marking, tag)
            }
            Err(error) => Verdict::non_compliant(error.annotation(&format!("HTTP API {id}"))),
        }
    }

    async fn evaluate_graphql_api(
        &self,
        item: &ConfigurationItem,
        parameters: &Parameters,
    ) -> Verdict {
        let Some(id) = graphql::graphql_api_id(item) else {
            return Verdict::non_compliant(format!(
                "cannot tell the AppSync API from resource id {}",
                item.resource_id
            ));
        };
        match self.reader.graphql_api(&id).await {
            Ok(facts) => {
                let tag = &parameters.public_by_design_tag;
                let marking = Marking::of(&facts.tags, tag, &public_by_design::today());
                graphql::judge_graphql_api(
                    &id,
                    &facts,
                    &parameters.allowed_web_acl_arns,
                    &marking,
                    tag,
                )
            }
            Err(error) => Verdict::non_compliant(error.annotation(&format!("AppSync API {id}"))),
        }
    }
}

/// A read that could not be made because the function's subnets, and so its VPC, are unknown.
fn unknown_vpc<T>(kind: ReadErrorKind) -> Result<T, ReadError> {
    Err(ReadError::new(
        "ec2:DescribeSubnets",
        kind,
        "the function's VPC is unknown (its subnets could not be read)",
    ))
}

impl<R: NetworkReader + RecordedResources> Rule for NetworkControls<R> {
    const SPEC: &'static RuleSpec = &NETWORK_CONTROLS;
    type Parameters = Parameters;

    async fn evaluate(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        match item.resource_type.as_str() {
            "AWS::Lambda::Function" => self.evaluate_function(item, parameters).await,
            "AWS::ApiGateway::Stage" => self.evaluate_stage(item, parameters).await,
            "AWS::ApiGateway::RestApi" => self.evaluate_rest_api(item, parameters).await,
            "AWS::ApiGatewayV2::Api" => self.evaluate_http_api(item, parameters).await,
            "AWS::AppSync::GraphQLApi" => self.evaluate_graphql_api(item, parameters).await,
            other => Verdict::not_applicable(format!("{other} is not evaluated by this rule")),
        }
    }

    async fn evaluate_periodic(
        &self,
        parameters: &Parameters,
        context: &PeriodicContext,
    ) -> Result<Option<Periodic>, ReadError> {
        let run = judge_recorded(self, &self.reader, parameters, context.deadline).await;
        Ok(Some(run))
    }
}
