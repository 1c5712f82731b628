//! Where a function sits in a VPC: allowed subnets and VPCs, private subnets, flow logs, and the
//! VPC endpoints it needs.

/// A subnet and the VPC it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
}

/// A route table of the VPC: the subnets associated with it and its routes to internet gateways.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable {
    pub id: String,
    /// The VPC's main table, used by every subnet with no table of its own.
    pub main: bool,
    pub subnet_ids: Vec<String>,
    /// Destinations routed to an internet gateway (`igw-…`).
    pub internet_routes: Vec<String>,
}

/// A flow log and what it captures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLog {
    pub id: String,
    /// The VPC, subnet or network interface it is attached to.
    pub resource_id: String,
    pub active: bool,
}

/// A VPC endpoint's service, as `com.amazonaws.REGION.SERVICE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcEndpoint {
    pub id: String,
    pub service_name: String,
    pub available: bool,
}

impl VpcEndpoint {
    /// The service part of the name (`sqs`, `dynamodb`, `execute-api`).
    pub fn service(&self) -> &str {
        let mut parts = self.service_name.splitn(4, '.');
        let service = parts.nth(3);
        service.unwrap_or(&self.service_name)
    }
}

/// A subnet no route table applies to (not even the VPC's main one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no route table applies to subnet {subnet}")]
pub struct NoRouteTable {
    pub subnet: String,
}

/// The subnets whose traffic reaches an internet gateway, with the route table that sends it.
pub fn public_subnets<'a>(
    subnet_ids: &'a [String],
    route_tables: &'a [RouteTable],
) -> Result<Vec<(&'a str, &'a RouteTable)>, NoRouteTable> {
    let main = route_tables.iter().find(|table| table.main);
    let mut public = Vec::new();
    for subnet in subnet_ids {
        let table = route_tables
            .iter()
            .find(|table| table.subnet_ids.contains(subnet))
            .or(main)
            .ok_or_else(|| NoRouteTable {
                subnet: subnet.clone(),
            })?;
        if !table.internet_routes.is_empty() {
            public.push((subnet.as_str(), table));
        }
    }
    Ok(public)
}

/// Whether active flow logs capture the function's traffic: on the VPC, or on every one of its
/// subnets.
pub fn flow_logs_cover(vpc_id: &str, subnet_ids: &[String], flow_logs: &[FlowLog]) -> bool {
    let active_on = |resource: &str| {
        flow_logs
            .iter()
            .any(|log| log.active && log.resource_id == resource)
    };
    active_on(vpc_id) || (!subnet_ids.is_empty() && subnet_ids.iter().all(|s| active_on(s)))
}

/// The required services with no available endpoint in the VPC.
pub fn missing_endpoints<'a>(required: &'a [String], endpoints: &[VpcEndpoint]) -> Vec<&'a str> {
    required
        .iter()
        .filter(|service| {
            !endpoints.iter().any(|endpoint| {
                endpoint.available && endpoint.service().eq_ignore_ascii_case(service)
            })
        })
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    fn table(id: &str, main: bool, subnets: &[&str], internet: &[&str]) -> RouteTable {
        RouteTable {
            id: id.to_owned(),
            main,
            subnet_ids: ids(subnets),
            internet_routes: ids(internet),
        }
    }

    #[test]
    fn a_subnet_routed_to_an_internet_gateway_is_public_and_its_table_named() {
        let tables = [
            table("rtb-main", true, &[], &[]),
            table("rtb-public", false, &["subnet-a"], &["0.0.0.0/0"]),
        ];
        let subnets = ids(&["subnet-a", "subnet-b"]);
        let public = public_subnets(&subnets, &tables).unwrap();
        assert_eq!(public.len(), 1);
        assert_eq!(public[0].0, "subnet-a");
        assert_eq!(public[0].1.id, "rtb-public");
    }

    #[test]
    fn a_subnet_without_its_own_table_follows_the_main_table() {
        let tables = [table("rtb-main", true, &[], &["0.0.0.0/0"])];
        let subnet = ids(&["subnet-b"]);
        let public = public_subnets(&subnet, &tables).unwrap();
        assert_eq!(public[0].1.id, "rtb-main");
        assert!(public_subnets(&subnet, &[]).is_err());
    }

    #[test]
    fn flow_logs_on_the_vpc_or_on_every_subnet_cover_the_function() {
        let log = |resource: &str, active: bool| FlowLog {
            id: format!("fl-{resource}"),
            resource_id: resource.to_owned(),
            active,
        };
        let subnets = ids(&["subnet-a", "subnet-b"]);
        assert!(flow_logs_cover("vpc-1", &subnets, &[log("vpc-1", true)]));
        assert!(!flow_logs_cover("vpc-1", &subnets, &[log("vpc-1", false)]));
        assert!(!flow_logs_cover(
            "vpc-1",
            &subnets,
            &[log("subnet-a", true)]
        ));
        assert!(flow_logs_cover(
            "vpc-1",
            &subnets,
            &[log("subnet-a", true), log("subnet-b", true)]
        ));
        assert!(!flow_logs_cover("vpc-1", &subnets, &[log("vpc-2", true)]));
    }

    #[test]
    fn endpoints_match_on_the_service_part_of_their_name() {
        let endpoint = |name: &str, available: bool| VpcEndpoint {
            id: "vpce-1".to_owned(),
            service_name: name.to_owned(),
            available,
        };
        let endpoints = [
            endpoint("com.amazonaws.us-east-1.sqs", true),
            endpoint("com.amazonaws.us-east-1.dynamodb", false),
        ];
        let required = ids(&["sqs", "dynamodb", "execute-api"]);
        assert_eq!(
            missing_endpoints(&required, &endpoints),
            ["dynamodb", "execute-api"]
        );
    }
}
