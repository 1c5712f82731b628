//! Security group egress: which rules let a function reach the whole internet.
//!
//! A rule whose destination is a prefix list or another security group is bounded by design; a
//! rule to 0.0.0.0/0 or ::/0 is open, and it matters when it covers every protocol, every port
//! of TCP or UDP, or a port the owner restricts.

use ipnet::IpNet;
use serde_json::Value;

use crate::config::views::ViewError;

/// One outbound rule of a security group, in the shape both the EC2 API and AWS Config give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPermission {
    /// `tcp`, `udp`, `icmp`, a protocol number, or `-1` for all traffic.
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub ipv4_ranges: Vec<String>,
    pub ipv6_ranges: Vec<String>,
    pub prefix_list_ids: Vec<String>,
    pub group_ids: Vec<String>,
}

/// A security group as the rule needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub egress: Vec<EgressPermission>,
}

/// What a security group's open egress allows, one message per rule at fault.
pub fn open_egress(group: &SecurityGroup, restricted_ports: &[u16]) -> Vec<String> {
    group
        .egress
        .iter()
        .filter_map(|permission| {
            let destinations = open_destinations(permission);
            if destinations.is_empty() {
                return None;
            }
            let what = open_traffic(permission, restricted_ports)?;
            Some(format!(
                "security group {} ({}) allows {what} out to {}; open only what the function needs",
                group.id,
                group.name,
                destinations.join(" and ")
            ))
        })
        .collect()
}

/// The permission's destinations that are the whole internet.
fn open_destinations(permission: &EgressPermission) -> Vec<&str> {
    permission
        .ipv4_ranges
        .iter()
        .chain(&permission.ipv6_ranges)
        .filter(|cidr| {
            cidr.trim()
                .parse::<IpNet>()
                .is_ok_and(|net| net.prefix_len() == 0)
        })
        .map(String::as_str)
        .collect()
}

/// What traffic an open permission lets out, when it is more than the owner accepts.
fn open_traffic(permission: &EgressPermission, restricted_ports: &[u16]) -> Option<String> {
    let protocol = permission.protocol.trim().to_ascii_lowercase();
    let name = match protocol.as_str() {
        "-1" | "all" => return Some("all traffic".to_owned()),
        "tcp" | "6" => "TCP",
        "udp" | "17" => "UDP",
        // Other protocols (ICMP and the like) carry no ports.
        _ => return None,
    };
    let (from, to) = match (permission.from_port, permission.to_port) {
        (Some(from), Some(to)) if from >= 0 && to >= from => (from, to),
        // A TCP or UDP rule without a usable range is every port.
        _ => (0, 65_535),
    };
    if from <= 0 && to >= 65_535 {
        return Some(format!("every {name} port"));
    }
    let covered: Vec<String> = restricted_ports
        .iter()
        .filter(|port| (from..=to).contains(&i32::from(**port)))
        .map(u16::to_string)
        .collect();
    match covered.as_slice() {
        [] => None,
        [port] => Some(format!("{name} port {port}")),
        ports => Some(format!("{name} ports {}", ports.join(", "))),
    }
}

/// Reads the egress rules of an `AWS::EC2::SecurityGroup` configuration (`ipPermissionsEgress`),
/// taking IPv4 destinations from `ipv4Ranges[].cidrIp` and from the older `ipRanges` strings.
pub fn egress_from_configuration(
    configuration: &Value,
) -> Result<Vec<EgressPermission>, ViewError> {
    let Some(rules) = configuration.get("ipPermissionsEgress") else {
        return Ok(Vec::new());
    };
    let rules = rules.as_array().ok_or_else(|| ViewError {
        field: "ipPermissionsEgress".to_owned(),
        problem: "it is not a list".to_owned(),
    })?;
    rules.iter().map(permission_from_configuration).collect()
}

fn permission_from_configuration(rule: &Value) -> Result<EgressPermission, ViewError> {
    let protocol = match rule.get("ipProtocol") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => {
            return Err(ViewError {
                field: "ipPermissionsEgress[].ipProtocol".to_owned(),
                problem: "an egress rule has none".to_owned(),
            })
        }
    };
    let port = |key: &str| {
        rule.get(key)
            .and_then(Value::as_f64)
            .map(|number| number as i32)
    };
    let strings = |list: &str, field: Option<&str>| -> Vec<String> {
        rule.get(list)
            .and_then(Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|entry| match field {
                        Some(field) => entry.get(field).and_then(Value::as_str),
                        None => entry.as_str(),
                    })
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut ipv4_ranges = strings("ipv4Ranges", Some("cidrIp"));
    for cidr in strings("ipRanges", None) {
        if !ipv4_ranges.contains(&cidr) {
            ipv4_ranges.push(cidr);
        }
    }
    Ok(EgressPermission {
        protocol,
        from_port: port("fromPort"),
        to_port: port("toPort"),
        ipv4_ranges,
        ipv6_ranges: strings("ipv6Ranges", Some("cidrIpv6")),
        prefix_list_ids: strings("prefixListIds", Some("prefixListId")),
        group_ids: strings("userIdGroupPairs", Some("groupId")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assert_contains;

    fn group(egress: Vec<EgressPermission>) -> SecurityGroup {
        SecurityGroup {
            id: "sg-0booking".to_owned(),
            name: "booking".to_owned(),
            egress,
        }
    }

    fn rule(
        protocol: &str,
        ports: Option<(i32, i32)>,
        ipv4: &[&str],
        ipv6: &[&str],
    ) -> EgressPermission {
        EgressPermission {
            protocol: protocol.to_owned(),
            from_port: ports.map(|(from, _)| from),
            to_port: ports.map(|(_, to)| to),
            ipv4_ranges: ipv4.iter().map(|c| (*c).to_owned()).collect(),
            ipv6_ranges: ipv6.iter().map(|c| (*c).to_owned()).collect(),
            ..EgressPermission::default()
        }
    }

    #[test]
    fn the_default_all_traffic_rule_is_open_egress() {
        let problems = open_egress(&group(vec![rule("-1", None, &["0.0.0.0/0"], &[])]), &[]);
        assert_eq!(
            problems,
            ["security group sg-0booking (booking) allows all traffic out to 0.0.0.0/0; open only what the function needs"]
        );
    }

    #[test]
    fn ipv6_anywhere_is_as_open_as_ipv4_anywhere() {
        let problems = open_egress(&group(vec![rule("-1", None, &[], &["::/0"])]), &[]);
        assert_eq!(problems.len(), 1);
        assert_contains(&problems[0], "out to ::/0");
    }

    #[test]
    fn a_prefix_list_or_security_group_destination_is_bounded() {
        let to_prefix_list = EgressPermission {
            protocol: "-1".to_owned(),
            prefix_list_ids: vec!["pl-63a5400a".to_owned()],
            ..EgressPermission::default()
        };
        let to_group = EgressPermission {
            protocol: "tcp".to_owned(),
            from_port: Some(0),
            to_port: Some(65_535),
            group_ids: vec!["sg-0database".to_owned()],
            ..EgressPermission::default()
        };
        assert!(open_egress(&group(vec![to_prefix_list, to_group]), &[25]).is_empty());
    }

    #[test]
    fn a_private_cidr_is_not_the_internet() {
        let internal = rule("-1", None, &["10.0.0.0/16"], &["fd00::/8"]);
        assert!(open_egress(&group(vec![internal]), &[]).is_empty());
    }

    #[test]
    fn a_port_range_covering_a_restricted_port_is_named() {
        let range = rule("tcp", Some((20, 30)), &["0.0.0.0/0"], &[]);
        let problems = open_egress(&group(vec![range.clone()]), &[22, 25, 3389]);
        assert_eq!(problems.len(), 1);
        assert_contains(&problems[0], "allows TCP ports 22, 25 out");
        assert!(open_egress(&group(vec![range]), &[3389]).is_empty());
    }

    #[test]
    fn https_only_to_anywhere_passes_unless_443_is_restricted() {
        let https = rule("tcp", Some((443, 443)), &["0.0.0.0/0"], &[]);
        assert!(open_egress(&group(vec![https.clone()]), &[]).is_empty());
        assert_eq!(open_egress(&group(vec![https]), &[443]).len(), 1);
    }

    #[test]
    fn every_port_of_tcp_or_udp_counts_as_open() {
        let all_udp = rule("17", Some((0, 65_535)), &["0.0.0.0/0"], &[]);
        let problems = open_egress(&group(vec![all_udp]), &[]);
        assert_contains(&problems[0], "allows every UDP port");
        let no_range = rule("tcp", None, &["0.0.0.0/0"], &[]);
        assert!(open_egress(&group(vec![no_range]), &[])[0].contains("every TCP port"));
    }

    #[test]
    fn icmp_carries_no_ports() {
        let ping = rule("icmp", Some((-1, -1)), &["0.0.0.0/0"], &[]);
        assert!(open_egress(&group(vec![ping]), &[22]).is_empty());
    }

    #[test]
    fn config_items_are_read_in_both_the_ipv4ranges_and_the_older_ipranges_form() {
        let configuration = serde_json::json!({"ipPermissionsEgress": [
            {"ipProtocol": "-1", "ipv4Ranges": [], "ipRanges": ["0.0.0.0/0"], "ipv6Ranges": [], "prefixListIds": [], "userIdGroupPairs": []},
            {"ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443, "ipv4Ranges": [{"cidrIp": "10.0.0.0/8"}],
             "ipv6Ranges": [{"cidrIpv6": "::/0"}], "prefixListIds": [{"prefixListId": "pl-1"}],
             "userIdGroupPairs": [{"groupId": "sg-2", "userId": "111122223333"}]}
        ]});
        let egress = egress_from_configuration(&configuration).unwrap();
        assert_eq!(egress[0].ipv4_ranges, ["0.0.0.0/0"]);
        assert_eq!(egress[1].from_port, Some(443));
        assert_eq!(egress[1].ipv6_ranges, ["::/0"]);
        assert_eq!(egress[1].prefix_list_ids, ["pl-1"]);
        assert_eq!(egress[1].group_ids, ["sg-2"]);
        assert_eq!(open_egress(&group(egress), &[443]).len(), 2);
    }

    #[test]
    fn an_egress_rule_without_a_protocol_is_an_error_not_a_pass() {
        let configuration =
            serde_json::json!({"ipPermissionsEgress": [{"ipRanges": ["0.0.0.0/0"]}]});
        assert!(egress_from_configuration(&configuration).is_err());
    }
}
