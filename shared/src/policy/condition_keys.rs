//! Condition keys that narrow who can use a grant, and when a condition on them really does.
//!
//! The lists follow S3 Block Public Access ("The meaning of public") and DynamoDB's block
//! public access "trusted condition keys"; see `docs/policy-semantics.md`, section 2.

use super::arn::Arn;
use super::condition::{is_fixed_value, BaseOperator, Condition, SetQualifier};
use super::parse::parse_ip_block;
use super::service::ResourceService;

/// What a trusted key pins a request to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// aws:PrincipalAccount, aws:SourceAccount, aws:SourceOwner, s3:DataAccessPointAccount.
    Account,
    /// aws:PrincipalArn, aws:SourceArn, s3:DataAccessPointArn: fixed when the account field is.
    Arn,
    /// aws:PrincipalOrgID, aws:SourceOrgID.
    Organization,
    /// aws:PrincipalOrgPaths, aws:SourceOrgPaths: fixed when the organization id is.
    OrganizationPath,
    /// aws:SourceVpc, aws:SourceVpce, aws:Ec2InstanceSourceVpc.
    Network,
    /// aws:userid.
    UserId,
    /// aws:SourceIp (S3 only).
    SourceIp,
    /// aws:PrincipalServiceName(sList) (DynamoDB).
    ServiceName,
    /// aws:PrincipalIsAWSService, pinned only when it must be `true` (DynamoDB).
    IsAwsService,
}

/// The kind of a condition key, when it is trusted for this service's resource policies.
pub fn trusted_key(key_lower: &str, service: ResourceService) -> Option<KeyKind> {
    let common = match key_lower {
        "aws:principalaccount" | "aws:sourceaccount" => Some(KeyKind::Account),
        "aws:principalarn" | "aws:sourcearn" => Some(KeyKind::Arn),
        "aws:principalorgid" | "aws:sourceorgid" => Some(KeyKind::Organization),
        "aws:principalorgpaths" | "aws:sourceorgpaths" => Some(KeyKind::OrganizationPath),
        "aws:sourcevpc" | "aws:sourcevpce" => Some(KeyKind::Network),
        "aws:userid" => Some(KeyKind::UserId),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    match (service, key_lower) {
        (
            ResourceService::DynamoDb,
            "aws:principalservicename" | "aws:principalservicenameslist",
        ) => Some(KeyKind::ServiceName),
        (ResourceService::DynamoDb, "aws:principalisawsservice") => Some(KeyKind::IsAwsService),
        (ResourceService::DynamoDb, "aws:ec2instancesourcevpc") => Some(KeyKind::Network),
        (ResourceService::DynamoDb, _) => None,
        (_, "aws:sourceowner") => Some(KeyKind::Account),
        (ResourceService::S3, "aws:sourceip") => Some(KeyKind::SourceIp),
        (ResourceService::S3, "s3:dataaccesspointaccount") => Some(KeyKind::Account),
        (ResourceService::S3, "s3:dataaccesspointarn") => Some(KeyKind::Arn),
        _ => None,
    }
}

/// A condition that pins who can use a grant to fixed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin<'a> {
    pub kind: KeyKind,
    pub key: &'a str,
    pub values: &'a [String],
}

impl Pin<'_> {
    /// Whether every request the pin lets through comes from a trusted account or organization
    /// (or from an AWS service, which is never an external account).
    pub fn binds_to(
        &self,
        trusts_account: impl Fn(&str) -> bool,
        trusts_org: impl Fn(&str) -> bool,
        trusts_source_ip: impl Fn(&str) -> bool,
    ) -> bool {
        let all = |ok: &dyn Fn(&str) -> bool| self.values.iter().all(|value| ok(value));
        match self.kind {
            KeyKind::Account => all(&|value| trusts_account(value)),
            KeyKind::Arn => all(&|value| {
                Arn::parse(value)
                    .and_then(|arn| arn.fixed_account())
                    .is_some_and(&trusts_account)
            }),
            KeyKind::Organization => all(&|value| trusts_org(value)),
            KeyKind::OrganizationPath => {
                all(&|value| value.split('/').next().is_some_and(&trusts_org))
            }
            KeyKind::SourceIp => all(&|value| trusts_source_ip(value)),
            KeyKind::ServiceName | KeyKind::IsAwsService => true,
            KeyKind::Network | KeyKind::UserId => false,
        }
    }
}

/// How an ARN value with a wildcard counts: S3 Block Public Access treats any wildcard as not
/// fixed (so the grant stays public); the other services' checks accept a wildcard ARN whose
/// account is fixed, which limits callers to that account's resources (docs/policy-semantics.md,
/// section 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArnWildcards {
    NotFixed,
    FixedWhenAccountIs,
}

impl ArnWildcards {
    fn of(service: ResourceService, key_lower: &str) -> Self {
        // The access-point ARN keeps the documented exception: any name, a fixed account.
        if service == ResourceService::S3 && key_lower != "s3:dataaccesspointarn" {
            ArnWildcards::NotFixed
        } else {
            ArnWildcards::FixedWhenAccountIs
        }
    }
}

fn value_is_fixed(kind: KeyKind, value: &str, arn_wildcards: ArnWildcards) -> bool {
    if value.is_empty() || value.contains("${") {
        return false;
    }
    match kind {
        KeyKind::Arn => {
            is_fixed_value(value)
                || (arn_wildcards == ArnWildcards::FixedWhenAccountIs
                    && Arn::parse(value)
                        .and_then(|arn| arn.fixed_account())
                        .is_some())
        }
        KeyKind::OrganizationPath => value
            .split('/')
            .next()
            .is_some_and(|org| !org.is_empty() && is_fixed_value(org)),
        KeyKind::UserId => match value.strip_suffix(":*") {
            Some(role_id) => !role_id.is_empty() && is_fixed_value(role_id),
            None => is_fixed_value(value),
        },
        KeyKind::SourceIp => parse_ip_block(value).is_some_and(|block| match block {
            ipnet::IpNet::V4(v4) => v4.prefix_len() >= 8,
            ipnet::IpNet::V6(v6) => v6.prefix_len() >= 32,
        }),
        KeyKind::IsAwsService => value.eq_ignore_ascii_case("true"),
        KeyKind::Account | KeyKind::Organization | KeyKind::Network | KeyKind::ServiceName => {
            is_fixed_value(value)
        }
    }
}

fn all_values_fixed(kind: KeyKind, condition: &Condition, service: ResourceService) -> bool {
    let wildcards = ArnWildcards::of(service, &condition.key_lower);
    let values = &condition.values;
    !values.is_empty()
        && values
            .iter()
            .all(|value| value_is_fixed(kind, value, wildcards))
}

/// An Allow-side condition that pins the grant: a positive comparison that fails when the key
/// is missing, on a trusted key, with only fixed values.
pub fn pin_from_allow(condition: &Condition, service: ResourceService) -> Option<Pin<'_>> {
    let kind = trusted_key(&condition.key_lower, service)?;
    let operator = condition.operator;
    if operator.if_exists || operator.set == Some(SetQualifier::ForAllValues) {
        return None;
    }
    let operator_fits = match kind {
        KeyKind::SourceIp => operator.base == BaseOperator::IpAddress,
        KeyKind::IsAwsService => operator.base == BaseOperator::Bool,
        _ => operator.base.is_positive_match(),
    };
    (operator_fits && all_values_fixed(kind, condition, service)).then_some(Pin {
        kind,
        key: &condition.key,
        values: &condition.values,
    })
}

/// A Deny-side condition that denies every request outside fixed values: the "Deny unless"
/// pattern (`StringNotEquals aws:SourceVpce vpce-…`). `IfExists` is fine here: a Deny with a
/// negated `IfExists` operator still denies when the key is missing.
pub fn pin_from_deny(condition: &Condition, service: ResourceService) -> Option<Pin<'_>> {
    let kind = trusted_key(&condition.key_lower, service)?;
    let operator = condition.operator;
    if operator.set.is_some() {
        return None;
    }
    let operator_fits = match kind {
        KeyKind::SourceIp => operator.base == BaseOperator::NotIpAddress,
        KeyKind::IsAwsService => false,
        _ => operator.base.is_negated_match(),
    };
    (operator_fits && all_values_fixed(kind, condition, service)).then_some(Pin {
        kind,
        key: &condition.key,
        values: &condition.values,
    })
}

/// Whether a condition guards a service principal against the confused deputy: aws:SourceArn
/// naming a fixed account, or a fixed aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths.
pub fn is_confused_deputy_guard(condition: &Condition) -> bool {
    if !condition.operator.requires_key_to_match() || condition.values.is_empty() {
        return false;
    }
    let fixed = |kind: KeyKind| {
        condition
            .values
            .iter()
            .all(|value| value_is_fixed(kind, value, ArnWildcards::FixedWhenAccountIs))
    };
    match condition.key_lower.as_str() {
        "aws:sourcearn" => condition.values.iter().all(|value| {
            !value.contains("${")
                && Arn::parse(value)
                    .and_then(|arn| arn.fixed_account())
                    .is_some()
        }),
        "aws:sourceaccount" => fixed(KeyKind::Account),
        "aws:sourceorgid" => fixed(KeyKind::Organization),
        "aws:sourceorgpaths" => fixed(KeyKind::OrganizationPath),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::condition::Operator;

    fn condition(operator: &str, key: &str, values: &[&str]) -> Condition {
        Condition::new(
            Operator::parse(operator).unwrap(),
            key.to_owned(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        )
    }

    #[test]
    fn a_fixed_source_vpce_pins_but_a_wildcard_or_if_exists_does_not() {
        let s3 = ResourceService::S3;
        assert!(pin_from_allow(
            &condition("StringEquals", "aws:SourceVpce", &["vpce-1a2b"]),
            s3
        )
        .is_some());
        assert!(
            pin_from_allow(&condition("StringLike", "aws:SourceVpce", &["vpce-*"]), s3).is_none()
        );
        assert!(pin_from_allow(
            &condition("StringEqualsIfExists", "aws:SourceVpce", &["vpce-1a2b"]),
            s3
        )
        .is_none());
        assert!(pin_from_allow(
            &condition("ForAllValues:StringEquals", "aws:SourceVpce", &["vpce-1"]),
            s3
        )
        .is_none());
        assert!(pin_from_allow(
            &condition("StringNotEquals", "aws:SourceVpce", &["vpce-1a2b"]),
            s3
        )
        .is_none());
        assert!(pin_from_allow(&condition("Null", "aws:SourceVpce", &["false"]), s3).is_none());
    }

    #[test]
    fn condition_key_names_match_whatever_their_case() {
        let owner = condition("StringEquals", "AWS:SourceOwner", &["111122223333"]);
        assert_eq!(
            pin_from_allow(&owner, ResourceService::Sns).unwrap().kind,
            KeyKind::Account
        );
    }

    #[test]
    fn an_arn_key_pins_when_its_account_field_is_fixed() {
        let sqs = ResourceService::Sqs;
        assert!(pin_from_allow(
            &condition(
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:sns:us-east-1:111122223333:*"]
            ),
            sqs
        )
        .is_some());
        assert!(pin_from_allow(
            &condition("ArnLike", "aws:SourceArn", &["arn:aws:sns:*:*:orders"]),
            sqs
        )
        .is_none());
        assert!(pin_from_allow(
            &condition("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/X"]),
            sqs
        )
        .is_none());
    }

    #[test]
    fn source_ip_pins_only_s3_and_only_blocks_narrower_than_slash_8() {
        let narrow = condition(
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24", "2001:db8::/48"],
        );
        assert!(pin_from_allow(&narrow, ResourceService::S3).is_some());
        assert!(pin_from_allow(&narrow, ResourceService::DynamoDb).is_none());
        assert!(pin_from_allow(
            &condition("IpAddress", "aws:SourceIp", &["0.0.0.0/1"]),
            ResourceService::S3
        )
        .is_none());
        assert!(pin_from_allow(
            &condition("IpAddress", "aws:SourceIp", &["2001::/16"]),
            ResourceService::S3
        )
        .is_none());
    }

    #[test]
    fn source_owner_is_not_trusted_by_dynamodb() {
        assert_eq!(
            trusted_key("aws:sourceowner", ResourceService::DynamoDb),
            None
        );
        assert_eq!(
            trusted_key("aws:principalisawsservice", ResourceService::DynamoDb),
            Some(KeyKind::IsAwsService)
        );
        assert_eq!(
            trusted_key("aws:principalisawsservice", ResourceService::Sqs),
            None
        );
    }

    #[test]
    fn deny_unless_pins_with_negated_operators_if_exists_included() {
        let apigw = ResourceService::ApiGateway;
        assert!(pin_from_deny(
            &condition("StringNotEquals", "aws:SourceVpce", &["vpce-1"]),
            apigw
        )
        .is_some());
        assert!(pin_from_deny(
            &condition("StringNotEqualsIfExists", "aws:SourceVpce", &["vpce-1"]),
            apigw
        )
        .is_some());
        assert!(pin_from_deny(
            &condition("StringEquals", "aws:SourceVpce", &["vpce-1"]),
            apigw
        )
        .is_none());
        assert!(pin_from_deny(&condition("Null", "aws:SourceVpce", &["true"]), apigw).is_none());
    }

    #[test]
    fn confused_deputy_guards_need_a_fixed_source_account() {
        for (operator, key, value, guards) in [
            (
                "ArnLike",
                "AWS:SourceArn",
                "arn:aws:sns:us-east-1:111122223333:orders",
                true,
            ),
            ("StringEquals", "aws:SourceAccount", "111122223333", true),
            ("StringEquals", "aws:SourceOrgID", "o-a1b2c3d4e5", true),
            // An ARN with no account (S3) does not fix the caller's account.
            ("ArnLike", "aws:SourceArn", "arn:aws:s3:::bucket", false),
            ("StringLike", "aws:SourceAccount", "1111*", false),
            (
                "StringNotEquals",
                "aws:SourceAccount",
                "111122223333",
                false,
            ),
            ("Null", "aws:SourceArn", "false", false),
            // IfExists passes a request that carries no source at all.
            (
                "ArnLikeIfExists",
                "aws:SourceArn",
                "arn:aws:sns:us-east-1:111122223333:t",
                false,
            ),
        ] {
            assert_eq!(
                is_confused_deputy_guard(&condition(operator, key, &[value])),
                guards,
                "{operator} {key} {value}"
            );
        }
    }

    #[test]
    fn pins_bind_to_the_owner_only_when_every_value_is_trusted() {
        let values = vec!["111122223333".to_owned(), "444455556666".to_owned()];
        let pin = Pin {
            kind: KeyKind::Account,
            key: "aws:SourceAccount",
            values: &values,
        };
        assert!(!pin.binds_to(|a| a == "111122223333", |_| false, |_| false));
        let both = |a: &str| a == "111122223333" || a == "444455556666";
        assert!(pin.binds_to(both, |_| false, |_| false));
        let vpce = vec!["vpce-1".to_owned()];
        let network = Pin {
            kind: KeyKind::Network,
            key: "aws:SourceVpce",
            values: &vpce,
        };
        assert!(!network.binds_to(|_| true, |_| true, |_| true));
    }
}
