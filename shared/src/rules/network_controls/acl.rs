//! Network ACLs of the function's subnets: the second layer on the way out. A subnet's ACL is
//! stateless and read in rule-number order, the first matching rule deciding; what it does with
//! all traffic to the whole internet says whether it holds where a security group is open.

use ipnet::IpNet;

/// One outbound entry of a network ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    pub rule_number: i32,
    /// `-1` for all traffic, else a protocol number (`6` TCP, `17` UDP).
    pub protocol: String,
    pub allow: bool,
    /// The IPv4 or IPv6 destination.
    pub cidr: String,
    /// TCP/UDP ports; `None` for every port.
    pub ports: Option<(i32, i32)>,
}

/// A network ACL and the subnets it is associated with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAcl {
    pub id: String,
    pub subnet_ids: Vec<String>,
    /// The outbound entries (the implicit final deny is not listed by EC2 as an entry with a
    /// number we need: without a matching rule, traffic is denied).
    pub egress: Vec<AclEntry>,
}

/// What an ACL does with all traffic out to the whole internet (IPv4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InternetEgress {
    /// The first rule for it allows all traffic.
    AllowsAll { rule: i32 },
    /// The first rule for it denies all traffic (or no rule allows it).
    DeniesAll { rule: Option<i32> },
    /// Some protocols or ports are allowed, others denied.
    Partly,
}

impl NetworkAcl {
    /// Walks the outbound rules in order for traffic to 0.0.0.0/0.
    pub fn internet_egress(&self) -> InternetEgress {
        let mut rules: Vec<&AclEntry> = self
            .egress
            .iter()
            .filter(|entry| covers_the_internet(&entry.cidr))
            .collect();
        rules.sort_by_key(|entry| entry.rule_number);
        let mut partial = false;
        for entry in rules {
            let all_traffic = entry.protocol.trim() == "-1";
            if all_traffic {
                return match (entry.allow, partial) {
                    (true, false) => InternetEgress::AllowsAll {
                        rule: entry.rule_number,
                    },
                    (false, false) => InternetEgress::DeniesAll {
                        rule: Some(entry.rule_number),
                    },
                    _ => InternetEgress::Partly,
                };
            }
            // A rule for some protocol or ports decides for them only.
            if entry.allow {
                partial = true;
            }
        }
        if partial {
            InternetEgress::Partly
        } else {
            InternetEgress::DeniesAll { rule: None }
        }
    }
}

fn covers_the_internet(cidr: &str) -> bool {
    cidr.trim()
        .parse::<IpNet>()
        .is_ok_and(|net| net.prefix_len() == 0 && matches!(net, IpNet::V4(_)))
}

/// How the subnets' ACLs meet the security groups: `open` says whether a security group lets
/// traffic out to the internet. Returns the problems that still stand, and notes.
pub struct AclJudgement {
    /// Every subnet's ACL denies all traffic to the internet: that layer holds.
    pub holds: Option<String>,
    /// What to say about the ACLs either way.
    pub notes: Vec<String>,
}

/// Judges the ACLs of `subnet_ids`. An ACL that denies all internet egress holds where a
/// security group is open; one that allows all is worth saying where the groups already bound
/// the traffic (they hold), and adds to the finding where they do not.
pub fn judge_acls(subnet_ids: &[String], acls: &[NetworkAcl], groups_open: bool) -> AclJudgement {
    let mut denying = Vec::new();
    let mut allowing = Vec::new();
    let mut unknown = Vec::new();
    for subnet in subnet_ids {
        match acls.iter().find(|acl| acl.subnet_ids.contains(subnet)) {
            None => unknown.push(subnet.clone()),
            Some(acl) => match acl.internet_egress() {
                InternetEgress::DeniesAll { rule } => denying.push(match rule {
                    Some(rule) => format!("{} (rule {rule})", acl.id),
                    None => acl.id.clone(),
                }),
                InternetEgress::AllowsAll { .. } => allowing.push(acl.id.clone()),
                InternetEgress::Partly => {}
            },
        }
    }
    dedup(&mut denying);
    dedup(&mut allowing);
    let mut notes = Vec::new();
    if !unknown.is_empty() {
        notes.push(format!(
            "no network ACL found for subnet {}",
            unknown.join(", ")
        ));
    }
    // Every subnet's ACL denies: a partial one on any subnet leaves that way out open.
    let all_deny = unknown.is_empty()
        && !denying.is_empty()
        && allowing.is_empty()
        && subnet_ids.iter().all(|subnet| {
            acls.iter().any(|acl| {
                acl.subnet_ids.contains(subnet)
                    && matches!(acl.internet_egress(), InternetEgress::DeniesAll { .. })
            })
        });
    if groups_open && all_deny {
        return AclJudgement {
            holds: Some(format!(
                "network ACL {} denies all traffic out to 0.0.0.0/0, so that layer holds",
                denying.join(", ")
            )),
            notes,
        };
    }
    if !allowing.is_empty() {
        notes.push(if groups_open {
            format!(
                "network ACL {} allows all traffic out too, so no layer bounds it",
                allowing.join(", ")
            )
        } else {
            format!(
                "network ACL {} allows all traffic out; the security groups bound it",
                allowing.join(", ")
            )
        });
    }
    AclJudgement { holds: None, notes }
}

fn dedup(items: &mut Vec<String>) {
    items.sort();
    items.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rule_number: i32, protocol: &str, allow: bool, cidr: &str) -> AclEntry {
        AclEntry {
            rule_number,
            protocol: protocol.to_owned(),
            allow,
            cidr: cidr.to_owned(),
            ports: None,
        }
    }

    fn acl(id: &str, egress: Vec<AclEntry>) -> NetworkAcl {
        NetworkAcl {
            id: id.to_owned(),
            subnet_ids: vec!["subnet-1".to_owned()],
            egress,
        }
    }

    fn subnets() -> Vec<String> {
        vec!["subnet-1".to_owned()]
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let default = acl("acl-default", vec![entry(100, "-1", true, "0.0.0.0/0")]);
        assert_eq!(
            default.internet_egress(),
            InternetEgress::AllowsAll { rule: 100 }
        );
        let closed = acl(
            "acl-closed",
            vec![
                entry(90, "-1", false, "0.0.0.0/0"),
                entry(100, "-1", true, "0.0.0.0/0"),
            ],
        );
        assert_eq!(
            closed.internet_egress(),
            InternetEgress::DeniesAll { rule: Some(90) }
        );
        let https_only = acl(
            "acl-https",
            vec![AclEntry {
                ports: Some((443, 443)),
                ..entry(100, "6", true, "0.0.0.0/0")
            }],
        );
        assert_eq!(https_only.internet_egress(), InternetEgress::Partly);
        // A rule for a narrower destination does not decide for the whole internet.
        let narrow = acl("acl-narrow", vec![entry(100, "-1", true, "10.0.0.0/8")]);
        assert_eq!(
            narrow.internet_egress(),
            InternetEgress::DeniesAll { rule: None }
        );
    }

    #[test]
    fn an_acl_denying_what_an_open_group_allows_holds_and_says_so() {
        let closed = acl("acl-closed", vec![entry(90, "-1", false, "0.0.0.0/0")]);
        let judged = judge_acls(&subnets(), &[closed], true);
        assert_eq!(
            judged.holds.as_deref(),
            Some("network ACL acl-closed (rule 90) denies all traffic out to 0.0.0.0/0, so that layer holds")
        );
    }

    #[test]
    fn an_allow_all_acl_is_mentioned_and_names_the_layer_that_holds() {
        let open = acl("acl-default", vec![entry(100, "-1", true, "0.0.0.0/0")]);
        let bounded = judge_acls(&subnets(), std::slice::from_ref(&open), false);
        assert_eq!(bounded.holds, None);
        assert_eq!(
            bounded.notes,
            ["network ACL acl-default allows all traffic out; the security groups bound it"]
        );
        let neither = judge_acls(&subnets(), &[open], true);
        assert_eq!(neither.holds, None);
        assert_eq!(
            neither.notes,
            ["network ACL acl-default allows all traffic out too, so no layer bounds it"]
        );
    }

    #[test]
    fn a_subnet_without_a_found_acl_never_lets_an_open_group_pass() {
        let closed = NetworkAcl {
            subnet_ids: vec!["subnet-other".to_owned()],
            ..acl("acl-closed", vec![entry(90, "-1", false, "0.0.0.0/0")])
        };
        let judged = judge_acls(&subnets(), &[closed], true);
        assert_eq!(judged.holds, None);
        assert_eq!(judged.notes, ["no network ACL found for subnet subnet-1"]);
    }
}
