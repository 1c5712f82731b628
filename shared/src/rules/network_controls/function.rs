//! The verdict on one function's network: VPC placement, egress, flow logs, endpoints, and its
//! URL. Pure: everything read comes in, each read as a result whose error says why.

use crate::config::{ReadError, Verdict};
use crate::rules::public_by_design::Marking;

use super::acl::{judge_acls, NetworkAcl};
use super::egress::{open_egress, SecurityGroup};
use super::placement::{
    flow_logs_cover, missing_endpoints, public_subnets, FlowLog, RouteTable, Subnet, VpcEndpoint,
};
use super::Parameters;

/// A function URL's configuration: the function's own, or an alias's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionUrl {
    pub url: String,
    /// `NONE` or `AWS_IAM`.
    pub auth_type: String,
    /// The alias the URL belongs to; `None` for the function's own URL.
    pub alias: Option<String>,
}

impl FunctionUrl {
    pub fn is_public(&self) -> bool {
        self.auth_type.eq_ignore_ascii_case("NONE")
    }

    /// How an annotation names the URL.
    fn named(&self) -> String {
        match &self.alias {
            None => "the function URL".to_owned(),
            Some(alias) => format!("the URL of alias {alias}"),
        }
    }
}

/// What was read about a function in a VPC.
#[derive(Debug, Clone)]
pub struct VpcEvidence {
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub subnets: Result<Vec<Subnet>, ReadError>,
    pub security_groups: Result<Vec<SecurityGroup>, ReadError>,
    /// The network ACLs of the function's subnets.
    pub network_acls: Result<Vec<NetworkAcl>, ReadError>,
    pub route_tables: Result<Vec<RouteTable>, ReadError>,
    pub flow_logs: Result<Vec<FlowLog>, ReadError>,
    /// Empty when no endpoints are required.
    pub endpoints: Result<Vec<VpcEndpoint>, ReadError>,
}

/// What was read about a function's network.
#[derive(Debug, Clone)]
pub struct FunctionNetwork {
    pub name: String,
    /// `None` when the function is not attached to a VPC.
    pub vpc: Option<VpcEvidence>,
    /// Every URL of the function: its own and its aliases'.
    pub urls: Result<Vec<FunctionUrl>, ReadError>,
    /// Whether the function is marked public by design (its tags), read only when one of its
    /// URLs is public.
    pub marking: Option<Result<Marking, ReadError>>,
}

/// The verdict on a function's network.
pub fn judge_function(function: &FunctionNetwork, parameters: &Parameters) -> Verdict {
    let mut problems = Vec::new();
    let mut good = Vec::new();
    match &function.vpc {
        None if parameters.require_vpc => problems.push(
            "the function is not in a VPC; attach it to private subnets (VpcConfig) so security groups you control bound its traffic"
                .to_owned(),
        ),
        None => good.push("not in a VPC (RequireVpc is off)".to_owned()),
        Some(vpc) => judge_vpc(vpc, parameters, &mut problems, &mut good),
    }
    judge_url(function, parameters, &mut problems, &mut good);
    if problems.is_empty() {
        Verdict::compliant(good.join("; "))
    } else {
        Verdict::listing(crate::config::Compliance::NonCompliant, &problems)
    }
}

fn judge_vpc(
    vpc: &VpcEvidence,
    parameters: &Parameters,
    problems: &mut Vec<String>,
    good: &mut Vec<String>,
) {
    for subnet in &vpc.subnet_ids {
        if !parameters.allowed_subnet_ids.is_empty()
            && !parameters.allowed_subnet_ids.contains(subnet)
        {
            problems.push(format!(
                "subnet {subnet} is not in AllowedSubnetIds; move the function to an approved subnet"
            ));
        }
    }
    let vpc_id = match &vpc.subnets {
        Err(error) => {
            problems.push(error.annotation("the function's subnets"));
            None
        }
        Ok(subnets) => {
            for missing in vpc
                .subnet_ids
                .iter()
                .filter(|id| !subnets.iter().any(|s| &s.id == *id))
            {
                problems.push(format!("subnet {missing} could not be found"));
            }
            let mut vpc_ids: Vec<&str> = subnets.iter().map(|s| s.vpc_id.as_str()).collect();
            vpc_ids.sort_unstable();
            vpc_ids.dedup();
            for vpc_id in &vpc_ids {
                if !parameters.allowed_vpc_ids.is_empty()
                    && !parameters.allowed_vpc_ids.iter().any(|v| v == vpc_id)
                {
                    problems.push(format!(
                        "VPC {vpc_id} is not in AllowedVpcIds; move the function to an approved VPC"
                    ));
                }
            }
            vpc_ids.first().map(|id| (*id).to_owned())
        }
    };
    let vpc_name = vpc_id.as_deref().unwrap_or("of the function");
    // What the network ACLs add to a finding comes last: the finding itself says more.
    let mut acl_notes = Vec::new();
    judge_egress(vpc, parameters, problems, good, &mut acl_notes);
    match &vpc.route_tables {
        Err(error) => {
            problems.push(error.annotation(&format!("the route tables of VPC {vpc_name}")))
        }
        Ok(tables) => match public_subnets(&vpc.subnet_ids, tables) {
            Err(reason) => problems.push(format!(
                "could not tell whether the subnets are private: {reason}"
            )),
            Ok(public) if public.is_empty() => good.push(format!(
                "in VPC {vpc_name} on private subnets ({})",
                vpc.subnet_ids.join(", ")
            )),
            Ok(public) => {
                for (subnet, table) in public {
                    problems.push(format!(
                        "subnet {subnet} is public ({} routes {} to an internet gateway), where functions get no public IP; use private subnets",
                        table.id,
                        table.internet_routes.join(", ")
                    ));
                }
            }
        },
    }
    match &vpc.flow_logs {
        Err(error) => problems.push(error.annotation(&format!("the flow logs of VPC {vpc_name}"))),
        Ok(logs) => match &vpc_id {
            Some(id) if flow_logs_cover(id, &vpc.subnet_ids, logs) => {
                good.push("flow logs active".to_owned())
            }
            _ => problems.push(format!(
                "VPC {vpc_name} has no active flow logs; add one so its traffic can be audited"
            )),
        },
    }
    if !parameters.require_vpc_endpoints.is_empty() {
        match &vpc.endpoints {
            Err(error) => problems.push(
                error.annotation(&format!("the VPC endpoints of VPC {vpc_name}")),
            ),
            Ok(endpoints) => match missing_endpoints(&parameters.require_vpc_endpoints, endpoints)
                .as_slice()
            {
                [] => good.push(format!(
                    "VPC endpoints for {}",
                    parameters.require_vpc_endpoints.join(", ")
                )),
                missing => problems.push(format!(
                    "VPC {vpc_name} has no available endpoint for {}; add VPC endpoints so the function reaches them without the internet",
                    missing.join(", ")
                )),
            },
        }
    }
    problems.extend(acl_notes);
}

fn judge_egress(
    vpc: &VpcEvidence,
    parameters: &Parameters,
    problems: &mut Vec<String>,
    good: &mut Vec<String>,
    acl_notes: &mut Vec<String>,
) {
    if vpc.security_group_ids.is_empty() {
        problems.push("the function is in a VPC but names no security group".to_owned());
        return;
    }
    if parameters.allow_open_egress {
        good.push("open egress allowed (AllowOpenEgress)".to_owned());
        return;
    }
    match &vpc.security_groups {
        Err(error) => problems.push(error.annotation(&format!(
            "security groups {}",
            vpc.security_group_ids.join(", ")
        ))),
        Ok(groups) => {
            let mut missing = Vec::new();
            let mut open = Vec::new();
            for id in &vpc.security_group_ids {
                match groups.iter().find(|group| &group.id == id) {
                    None => missing.push(format!("security group {id} could not be found")),
                    Some(group) => {
                        open.extend(open_egress(group, &parameters.restricted_egress_ports))
                    }
                }
            }
            problems.extend(missing);
            // The second layer: the subnets' network ACLs.
            let acls = match &vpc.network_acls {
                Ok(acls) => judge_acls(&vpc.subnet_ids, acls, !open.is_empty()),
                Err(error) => {
                    let note = error.annotation("the subnets' network ACLs");
                    if open.is_empty() {
                        good.push(format!(
                            "egress bounded by {}",
                            vpc.security_group_ids.join(", ")
                        ));
                    } else {
                        problems.extend(open);
                        acl_notes.push(note);
                    }
                    return;
                }
            };
            match acls.holds {
                // What the security groups open, the network ACL closes.
                Some(holds) => good.extend(open.into_iter().map(|finding| {
                    let finding = finding
                        .split_once("; open only")
                        .map_or(finding.as_str(), |(what, _)| what)
                        .to_owned();
                    format!("{finding}, but {holds}")
                })),
                None if open.is_empty() => {
                    good.push(format!(
                        "egress bounded by {}",
                        vpc.security_group_ids.join(", ")
                    ));
                    good.extend(acls.notes);
                }
                None => {
                    problems.extend(open);
                    acl_notes.extend(acls.notes);
                }
            }
        }
    }
}

fn judge_url(
    function: &FunctionNetwork,
    parameters: &Parameters,
    problems: &mut Vec<String>,
    good: &mut Vec<String>,
) {
    let urls = match &function.urls {
        Err(error) => return problems.push(error.annotation("the function URLs")),
        Ok(urls) if urls.is_empty() => return good.push("no function URL".to_owned()),
        Ok(urls) => urls,
    };
    let tag = &parameters.public_by_design_tag;
    let mut public = Vec::new();
    for url in urls {
        if url.is_public() {
            public.push(url.named());
        } else {
            good.push(format!("{} requires {}", url.named(), url.auth_type));
        }
    }
    if public.is_empty() {
        return;
    }
    let (named, has) = match public.as_slice() {
        [one] => (one.clone(), "has"),
        [rest @ .., last] => (format!("{} and {last}", rest.join(", ")), "have"),
        [] => return,
    };
    let marking = match &function.marking {
        Some(Ok(marking)) => marking,
        Some(Err(error)) => {
            return problems.push(format!(
                "{named} {has} AuthType NONE, and whether that is public by design is unknown: {}",
                error.annotation("the function's tags")
            ))
        }
        None => &Marking::Unmarked,
    };
    match marking.honoured() {
        Some(public) => good.push(format!("{named} {has} AuthType NONE, {public}")),
        None => problems.push(format!(
            "{named} {has} AuthType NONE, so anyone on the internet can invoke the function; set AuthType AWS_IAM; {}",
            marking.advice(tag)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::egress::EgressPermission;
    use super::*;
    use crate::config::Compliance;
    use crate::testing::{assert_contains, assert_starts_with};

    fn ids(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    fn bounded_group() -> SecurityGroup {
        SecurityGroup {
            id: "sg-1".to_owned(),
            name: "booking".to_owned(),
            egress: vec![EgressPermission {
                protocol: "tcp".to_owned(),
                from_port: Some(443),
                to_port: Some(443),
                prefix_list_ids: ids(&["pl-1"]),
                ..EgressPermission::default()
            }],
        }
    }

    fn open_group() -> SecurityGroup {
        SecurityGroup {
            id: "sg-1".to_owned(),
            name: "booking".to_owned(),
            egress: vec![EgressPermission {
                protocol: "-1".to_owned(),
                ipv4_ranges: ids(&["0.0.0.0/0"]),
                ..EgressPermission::default()
            }],
        }
    }

    fn acl_for_subnet_a(allow: bool) -> NetworkAcl {
        NetworkAcl {
            id: "acl-1".to_owned(),
            subnet_ids: ids(&["subnet-a"]),
            egress: vec![super::super::acl::AclEntry {
                rule_number: 100,
                protocol: "-1".to_owned(),
                allow,
                cidr: "0.0.0.0/0".to_owned(),
                ports: None,
            }],
        }
    }

    #[test]
    fn a_network_acl_that_denies_what_a_security_group_opens_holds_and_says_which_layer() {
        let vpc = VpcEvidence {
            security_groups: Ok(vec![open_group()]),
            network_acls: Ok(vec![acl_for_subnet_a(false)]),
            ..good_vpc()
        };
        let verdict = judge_function(&function(Some(vpc)), &Parameters::default());
        assert_eq!(
            verdict.compliance,
            Compliance::Compliant,
            "{}",
            verdict.annotation
        );
        assert_contains(
            &verdict.annotation,
            "security group sg-1 (booking) allows all traffic out to 0.0.0.0/0, but network ACL acl-1 (rule 100) denies all traffic out to 0.0.0.0/0, so that layer holds",
        );
    }

    #[test]
    fn an_allow_all_network_acl_is_mentioned_and_fails_only_where_no_group_bounds_egress() {
        let bounded = VpcEvidence {
            network_acls: Ok(vec![acl_for_subnet_a(true)]),
            ..good_vpc()
        };
        let verdict = judge_function(&function(Some(bounded)), &Parameters::default());
        assert_eq!(
            verdict.compliance,
            Compliance::Compliant,
            "{}",
            verdict.annotation
        );
        assert_contains(
            &verdict.annotation,
            "network ACL acl-1 allows all traffic out; the security groups bound it",
        );
        let open = VpcEvidence {
            security_groups: Ok(vec![open_group()]),
            network_acls: Ok(vec![acl_for_subnet_a(true)]),
            ..good_vpc()
        };
        let verdict = judge_function(&function(Some(open)), &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(
            &verdict.annotation,
            "allows all traffic out too, so no layer bounds it",
        );
        // Unread ACLs never let an open group pass.
        let unread = VpcEvidence {
            security_groups: Ok(vec![open_group()]),
            network_acls: Err(denied("ec2:DescribeNetworkAcls")),
            ..good_vpc()
        };
        let verdict = judge_function(&function(Some(unread)), &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
    }

    fn good_vpc() -> VpcEvidence {
        VpcEvidence {
            subnet_ids: ids(&["subnet-a"]),
            security_group_ids: ids(&["sg-1"]),
            subnets: Ok(vec![Subnet {
                id: "subnet-a".to_owned(),
                vpc_id: "vpc-1".to_owned(),
            }]),
            security_groups: Ok(vec![bounded_group()]),
            // The default network ACL: all traffic in and out.
            network_acls: Ok(vec![acl_for_subnet_a(true)]),
            route_tables: Ok(vec![RouteTable {
                id: "rtb-main".to_owned(),
                main: true,
                ..RouteTable::default()
            }]),
            flow_logs: Ok(vec![FlowLog {
                id: "fl-1".to_owned(),
                resource_id: "vpc-1".to_owned(),
                active: true,
            }]),
            endpoints: Ok(Vec::new()),
        }
    }

    fn function(vpc: Option<VpcEvidence>) -> FunctionNetwork {
        FunctionNetwork {
            name: "booking".to_owned(),
            vpc,
            urls: Ok(Vec::new()),
            marking: None,
        }
    }

    fn denied(action: &'static str) -> ReadError {
        ReadError::new(action, crate::config::ReadErrorKind::Denied, "AccessDenied")
    }

    fn url(alias: Option<&str>, auth_type: &str) -> FunctionUrl {
        FunctionUrl {
            url: "https://abc.lambda-url.us-east-1.on.aws/".to_owned(),
            auth_type: auth_type.to_owned(),
            alias: alias.map(str::to_owned),
        }
    }

    fn public_url() -> Result<Vec<FunctionUrl>, ReadError> {
        Ok(vec![url(None, "NONE")])
    }

    #[test]
    fn a_well_placed_function_is_compliant_and_says_why() {
        let verdict = judge_function(&function(Some(good_vpc())), &Parameters::default());
        assert_eq!(
            verdict.compliance,
            Compliance::Compliant,
            "{}",
            verdict.annotation
        );
        assert_eq!(
            verdict.annotation,
            "egress bounded by sg-1; network ACL acl-1 allows all traffic out; the security groups bound it; in VPC vpc-1 on private subnets (subnet-a); flow logs active; no function URL"
        );
    }

    #[test]
    fn outside_a_vpc_fails_only_when_a_vpc_is_required() {
        let outside = function(None);
        assert_eq!(
            judge_function(&outside, &Parameters::default()).compliance,
            Compliance::Compliant
        );
        let required = Parameters {
            require_vpc: true,
            ..Parameters::default()
        };
        let verdict = judge_function(&outside, &required);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert!(verdict
            .annotation
            .starts_with("the function is not in a VPC"));
    }

    #[test]
    fn subnets_and_vpcs_outside_the_allowed_lists_fail() {
        let parameters = Parameters {
            allowed_subnet_ids: ids(&["subnet-z"]),
            allowed_vpc_ids: ids(&["vpc-9"]),
            ..Parameters::default()
        };
        let verdict = judge_function(&function(Some(good_vpc())), &parameters);
        assert!(verdict
            .annotation
            .contains("subnet subnet-a is not in AllowedSubnetIds"));
        assert!(verdict
            .annotation
            .contains("VPC vpc-1 is not in AllowedVpcIds"));
    }

    #[test]
    fn open_egress_fails_unless_allowed() {
        let mut vpc = good_vpc();
        vpc.security_groups = Ok(vec![SecurityGroup {
            egress: vec![EgressPermission {
                protocol: "-1".to_owned(),
                ipv4_ranges: ids(&["0.0.0.0/0"]),
                ..EgressPermission::default()
            }],
            ..bounded_group()
        }]);
        let verdict = judge_function(&function(Some(vpc.clone())), &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert!(verdict
            .annotation
            .starts_with("security group sg-1 (booking) allows all traffic"));
        let allowed = Parameters {
            allow_open_egress: true,
            ..Parameters::default()
        };
        assert_eq!(
            judge_function(&function(Some(vpc)), &allowed).compliance,
            Compliance::Compliant
        );
    }

    #[test]
    fn a_public_subnet_and_missing_flow_logs_are_named() {
        let mut vpc = good_vpc();
        vpc.route_tables = Ok(vec![RouteTable {
            id: "rtb-main".to_owned(),
            main: true,
            subnet_ids: Vec::new(),
            internet_routes: ids(&["0.0.0.0/0"]),
        }]);
        vpc.flow_logs = Ok(Vec::new());
        let verdict = judge_function(&function(Some(vpc)), &Parameters::default());
        assert!(verdict
            .annotation
            .contains("subnet subnet-a is public (rtb-main routes 0.0.0.0/0"));
        assert!(verdict
            .annotation
            .contains("VPC vpc-1 has no active flow logs"));
    }

    #[test]
    fn required_endpoints_are_checked_only_when_asked_for() {
        let parameters = Parameters {
            require_vpc_endpoints: ids(&["sqs", "dynamodb"]),
            ..Parameters::default()
        };
        let mut vpc = good_vpc();
        vpc.endpoints = Ok(vec![VpcEndpoint {
            id: "vpce-1".to_owned(),
            service_name: "com.amazonaws.us-east-1.dynamodb".to_owned(),
            available: true,
        }]);
        let verdict = judge_function(&function(Some(vpc)), &parameters);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "no available endpoint for sqs");
    }

    fn marked(value: &str) -> Option<Result<Marking, ReadError>> {
        let tags = std::collections::BTreeMap::from([(DEFAULT_TAG.to_owned(), value.to_owned())]);
        Some(Ok(Marking::of(&tags, DEFAULT_TAG, "2026-12-05")))
    }

    #[test]
    fn a_public_url_fails_unless_marked_public_by_design_with_a_reason() {
        let mut untagged = function(None);
        untagged.urls = public_url();
        untagged.marking = Some(Ok(Marking::Unmarked));
        let verdict = judge_function(&untagged, &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "the function URL has AuthType NONE");
        assert_contains(
            &verdict.annotation,
            "tag the resource sec2:public-by-design=REASON",
        );
        let mut tagged = untagged.clone();
        tagged.marking = marked("public status page");
        let verdict = judge_function(&tagged, &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert_contains(
            &verdict.annotation,
            "the function URL has AuthType NONE, public by design: public status page",
        );
        // The old `true` gives no reason, and is not honoured.
        let mut no_reason = untagged.clone();
        no_reason.marking = marked("true");
        let verdict = judge_function(&no_reason, &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "gives no reason");
        let mut unreadable = untagged;
        unreadable.marking = Some(Err(denied("lambda:ListTags")));
        assert_eq!(
            judge_function(&unreadable, &Parameters::default()).compliance,
            Compliance::NonCompliant
        );
    }

    const DEFAULT_TAG: &str = crate::rules::public_by_design::DEFAULT_TAG;

    #[test]
    fn every_unreadable_part_is_never_compliant() {
        let mut unreadable = good_vpc();
        unreadable.security_groups = Err(denied("ec2:DescribeSecurityGroups"));
        let verdict = judge_function(&function(Some(unreadable)), &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_starts_with(&verdict.annotation, "could not read security groups sg-1 (ec2:DescribeSecurityGroups, access denied): AccessDenied");
        for broken in [
            VpcEvidence {
                subnets: Err(denied("ec2:DescribeSubnets")),
                ..good_vpc()
            },
            VpcEvidence {
                route_tables: Err(denied("ec2:DescribeRouteTables")),
                ..good_vpc()
            },
            VpcEvidence {
                flow_logs: Err(denied("ec2:DescribeFlowLogs")),
                ..good_vpc()
            },
            VpcEvidence {
                security_groups: Ok(Vec::new()),
                ..good_vpc()
            },
        ] {
            let verdict = judge_function(&function(Some(broken.clone())), &Parameters::default());
            assert_eq!(verdict.compliance, Compliance::NonCompliant, "{broken:?}");
        }
        let mut url_unknown = function(None);
        url_unknown.urls = Err(ReadError::new(
            "lambda:GetFunctionUrlConfig",
            crate::config::ReadErrorKind::Throttled,
            "ThrottlingException",
        ));
        assert_eq!(
            judge_function(&url_unknown, &Parameters::default()).compliance,
            Compliance::NonCompliant
        );
    }

    #[test]
    fn a_public_alias_url_fails_a_function_whose_own_url_is_private() {
        let mut aliased = function(None);
        aliased.urls = Ok(vec![url(None, "AWS_IAM"), url(Some("live"), "NONE")]);
        aliased.marking = Some(Ok(Marking::Unmarked));
        let verdict = judge_function(&aliased, &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_starts_with(
            &verdict.annotation,
            "the URL of alias live has AuthType NONE",
        );
        aliased.urls = Ok(vec![url(None, "AWS_IAM"), url(Some("live"), "AWS_IAM")]);
        let verdict = judge_function(&aliased, &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert_contains(
            &verdict.annotation,
            "the URL of alias live requires AWS_IAM",
        );
    }
}
