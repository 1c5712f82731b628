//! From policy text, in any encoding AWS hands it out in, to a validated [`Policy`].
//!
//! The JSON is read straight into typed values rather than through `serde_json::Value`, so a
//! key that appears twice is an error instead of a silent last-one-wins.

mod decode;
mod shapes;
mod validate;

use super::document::Policy;
use super::error::PolicyError;
use decode::{decode_layers, json_kind, located};
use shapes::RawPolicy;

pub use validate::parse_ip_block;

/// The largest resource policy we read, after decoding. AWS's largest resource policies (S3,
/// Lambda, DynamoDB) stop at 20 KB and SNS at 30 KB, so anything larger is not a real policy.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// The largest identity policy we read, counted without whitespace (as IAM counts). Customer
/// managed policies stop at 6,144 characters and a role's inline policies at 10,240 together,
/// but AWS managed policies are larger: ReadOnlyAccess and AWSSupportServiceRolePolicy reach
/// about 150 KB. Twice the largest leaves room for their growth.
pub const MAX_IDENTITY_POLICY_CHARS: usize = 320 * 1024;

/// What a policy is attached to, which decides how large it can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A resource's own policy (and a role's trust policy).
    Resource,
    /// A role's inline or managed policy, or a permissions boundary.
    Identity,
}

/// How many bytes of encoded text we look at before decoding: URL encoding triples a byte, and
/// pretty-printing adds whitespace.
const ENCODED_FACTOR: usize = 8;

impl Policy {
    /// Parses a resource policy given as JSON, as JSON stringified again, or URL-encoded (as
    /// IAM policies appear in AWS Config), and validates it against the IAM grammar.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse_as(text, PolicyKind::Resource)
    }

    /// Parses an identity policy (inline, managed or a boundary), as `parse` does, with the
    /// bound of identity policies.
    pub fn parse_identity(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse_as(text, PolicyKind::Identity)
    }

    /// Parses a policy of `kind`, refusing one larger than any AWS policy of that kind can be.
    pub fn parse_as(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let too_large = |size: usize| match kind {
            PolicyKind::Resource => PolicyError::TooLarge {
                bytes: size,
                limit: MAX_POLICY_BYTES,
            },
            PolicyKind::Identity => PolicyError::IdentityTooLarge {
                chars: size,
                limit: MAX_IDENTITY_POLICY_CHARS,
            },
        };
        let limit = match kind {
            PolicyKind::Resource => MAX_POLICY_BYTES,
            PolicyKind::Identity => MAX_IDENTITY_POLICY_CHARS,
        };
        if text.len() > limit * ENCODED_FACTOR {
            return Err(too_large(text.len()));
        }
        let json = decode_layers(text)?;
        let size = match kind {
            PolicyKind::Resource => json.len(),
            PolicyKind::Identity => json.bytes().filter(|b| !b.is_ascii_whitespace()).count(),
        };
        if size > limit {
            return Err(too_large(size));
        }
        // Most policies read cleanly: read them directly, and only a refused one again to say
        // where it went wrong (tracking the path costs on every field).
        let raw: RawPolicy = match serde_json::from_str(&json) {
            Ok(raw) => raw,
            Err(_) => {
                let mut deserializer = serde_json::Deserializer::from_str(&json);
                serde_path_to_error::deserialize(&mut deserializer)
                    .map_err(|err| PolicyError::Syntax(located(&err)))?
            }
        };
        raw.validate()
    }

    /// Parses a policy that arrived inside a JSON document: an object, or a string holding one.
    pub fn from_json_value(value: &serde_json::Value) -> Result<Policy, PolicyError> {
        match value {
            serde_json::Value::String(text) => Policy::parse(text),
            serde_json::Value::Object(_) => Policy::parse(&value.to_string()),
            other => Err(PolicyError::Syntax(format!(
                "expected a policy object or a string holding one, found {}",
                json_kind(other)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::condition::{BaseOperator, SetQualifier};
    use crate::policy::document::{Names, PrincipalClause};

    const ONE: &str = r#"{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}}"#;

    fn statement_error(policy: &str) -> String {
        Policy::parse(policy).unwrap_err().to_string()
    }

    #[test]
    fn statement_may_be_one_object_or_an_array() {
        let single = Policy::parse(ONE).unwrap();
        assert_eq!(single.statements.len(), 1);
        let many = Policy::parse(r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}"#).unwrap();
        assert_eq!(many.statements.len(), 2);
        assert_eq!(many.statements[1].index, 1);
        assert_eq!(
            many.statements[1].action,
            Names::Only(vec!["s3:GetObject".to_owned()])
        );
    }

    #[test]
    fn not_action_not_resource_and_not_principal_are_kept_apart_from_their_positive_forms() {
        let policy = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"NotAction":"iam:*","NotResource":["arn:aws:s3:::b"]}}"#,
        )
        .unwrap();
        let statement = &policy.statements[0];
        assert!(matches!(
            statement.principal,
            Some(PrincipalClause::NotPrincipal(_))
        ));
        assert_eq!(statement.action, Names::AllExcept(vec!["iam:*".to_owned()]));
        assert_eq!(
            statement.resource,
            Some(Names::AllExcept(vec!["arn:aws:s3:::b".to_owned()]))
        );
    }

    #[test]
    fn every_principal_type_is_read() {
        let policy = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":{
              "AWS":["*","111122223333","arn:aws:iam::444455556666:role/r"],
              "Service":"sns.amazonaws.com","Federated":"cognito-identity.amazonaws.com",
              "CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}}}"#,
        )
        .unwrap();
        let Some(PrincipalClause::Principal(principals)) = &policy.statements[0].principal else {
            panic!()
        };
        assert!(principals.includes_anyone());
        assert_eq!(principals.aws.len(), 3);
        assert_eq!(principals.service, vec!["sns.amazonaws.com".to_owned()]);
        assert_eq!(principals.federated.len(), 1);
        assert_eq!(principals.canonical_user.len(), 1);
    }

    #[test]
    fn conditions_are_flattened_with_their_operators_and_scalar_values() {
        let policy = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
              "ForAnyValue:StringLikeIfExists":{"aws:PrincipalOrgPaths":["o-a/r-b/*"]},
              "Bool":{"aws:SecureTransport":true},
              "NumericLessThan":{"s3:max-keys":10},
              "IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32","198.51.100.7"]},
              "DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},
              "Null":{"aws:TokenIssueTime":"true"},
              "ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}}}"#,
        )
        .unwrap();
        let conditions = &policy.statements[0].conditions;
        assert_eq!(conditions.len(), 7);
        let org = &conditions[0];
        assert_eq!(org.operator.set, Some(SetQualifier::ForAnyValue));
        assert!(org.operator.if_exists);
        assert_eq!(org.key_lower, "aws:principalorgpaths");
        assert_eq!(conditions[1].values, vec!["true".to_owned()]);
        assert_eq!(conditions[2].values, vec!["10".to_owned()]);
        assert_eq!(conditions[6].operator.base, BaseOperator::ArnLike);
    }

    #[test]
    fn stringified_and_url_encoded_policies_read_like_plain_json() {
        let plain = Policy::parse(ONE).unwrap();
        let stringified = serde_json::to_string(ONE).unwrap();
        assert_eq!(Policy::parse(&stringified).unwrap(), plain);
        let twice = serde_json::to_string(&stringified).unwrap();
        assert_eq!(Policy::parse(&twice).unwrap(), plain);
        let encoded: String =
            percent_encoding::utf8_percent_encode(ONE, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        assert_eq!(Policy::parse(&encoded).unwrap(), plain);
        let escaped = ONE.replace('"', "\\\"");
        assert_eq!(Policy::parse(&escaped).unwrap(), plain);
        let value: serde_json::Value = serde_json::from_str(ONE).unwrap();
        assert_eq!(Policy::from_json_value(&value).unwrap(), plain);
    }

    #[test]
    fn a_plus_in_url_encoded_policy_stays_a_plus() {
        let encoded = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Aa+b%22%7D%7D";
        let policy = Policy::parse(encoded).unwrap();
        assert_eq!(
            policy.statements[0].resource,
            Some(Names::Only(vec!["arn:aws:s3:::a+b".to_owned()]))
        );
    }

    #[test]
    fn malformed_policies_get_errors_that_say_what_and_where() {
        assert_eq!(Policy::parse("  "), Err(PolicyError::Empty));
        assert!(statement_error("not json").contains("starts with `not json`"));
        assert!(statement_error("{\"Statement\": [").contains("line 1"));
        assert!(statement_error(r#"{"Statement":[]}"#).contains("`Statement` is empty"));
        assert!(statement_error(r#"{"Version":"2012-10-17"}"#).contains("no `Statement`"));
        assert!(statement_error(r#"{"Statement":[{}]}"#).contains("Statement[0] has no `Effect`"));
        assert!(
            statement_error(r#"{"Statement":{"Sid":"S","Effect":"allow","Action":"*"}}"#).contains(
                "Statement[0] (Sid \"S\") `Effect` must be `Allow` or `Deny`, not `allow`"
            )
        );
        assert!(
            statement_error(r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#)
                .contains("neither `Action` nor `NotAction`")
        );
        assert!(statement_error(
            r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*"}}"#
        )
        .contains("both `Action` and `NotAction`"));
        assert!(
            statement_error(r#"{"Statement":{"Effect":"Allow","Action":"GetObject"}}"#)
                .contains("not `*` or `service:ActionName`")
        );
        assert!(
            statement_error(r#"{"Statement":{"Effect":"Allow","Action":5}}"#)
                .contains("expected a string or an array of strings")
        );
        assert!(statement_error(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Colour":"red"}}"#
        )
        .contains("unknown field `Colour`"));
    }

    #[test]
    fn duplicate_keys_are_refused_rather_than_silently_resolved() {
        assert!(statement_error(
            r#"{"Statement":{"Effect":"Deny","Effect":"Allow","Action":"*"}}"#
        )
        .contains("duplicate field `Effect`"));
        assert!(statement_error(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Principal":{"AWS":"1","AWS":"*"}}}"#
        )
        .contains("appears twice"));
        assert!(statement_error(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"aws:SourceVpce":"a","aws:SourceVpce":"b"}}}}"#
        )
        .contains("appears twice"));
    }

    #[test]
    fn unknown_operators_and_bad_condition_values_are_refused() {
        assert!(statement_error(r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"StringEqualz":{"k":"v"}}}}"#)
            .contains("unknown condition operator `StringEqualz`"));
        assert!(statement_error(r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"IpAddress":{"aws:SourceIp":"nowhere"}}}}"#)
            .contains("`nowhere` is not an IP address or CIDR block"));
        assert!(statement_error(r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}}"#)
            .contains("`true` or `false`"));
        assert!(statement_error(r#"{"Statement":{"Effect":"Allow","Action":"*","Condition":{"StringEquals":{"k":{"nested":1}}}}}"#)
            .contains("expected a condition value"));
    }

    #[test]
    fn partial_wildcard_principals_are_refused() {
        assert!(statement_error(r#"{"Statement":{"Effect":"Allow","Action":"*","Principal":{"AWS":"arn:aws:iam::*:root"}}}"#)
            .contains("unsupported wildcard in principal"));
        assert!(statement_error(r#"{"Statement":{"Effect":"Allow","Action":"*","Principal":"arn:aws:iam::111122223333:root"}}"#)
            .contains("must be `*`"));
        assert!(statement_error(
            r#"{"Statement":{"Effect":"Allow","Action":"*","Principal":{"Robot":"x"}}}"#
        )
        .contains("unknown principal type `Robot`"));
    }

    #[test]
    fn identity_policies_are_bounded_by_what_aws_managed_policies_reach_without_whitespace() {
        let statements = |count: usize| {
            let one = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/key"}"#;
            format!("{{\"Statement\":[{}]}}", vec![one; count].join(","))
        };
        // About 150 KB, as ReadOnlyAccess is: too large for a resource policy, read as identity.
        let managed_sized = statements(1_900);
        assert!(managed_sized.len() > 140_000);
        assert!(matches!(
            Policy::parse(&managed_sized),
            Err(PolicyError::TooLarge { .. })
        ));
        assert_eq!(
            Policy::parse_identity(&managed_sized)
                .unwrap()
                .statements
                .len(),
            1_900
        );
        // Whitespace does not count against an identity policy.
        let pretty = managed_sized.replace(',', ",\n      ");
        assert!(Policy::parse_identity(&pretty).is_ok());
        let beyond = statements(5_000);
        let refusal = Policy::parse_identity(&beyond).unwrap_err();
        assert!(matches!(refusal, PolicyError::IdentityTooLarge { .. }));
        assert!(
            refusal
                .to_string()
                .contains("characters without whitespace"),
            "{refusal}"
        );
    }

    #[test]
    fn oversized_and_deeply_nested_input_is_refused_without_panicking() {
        let huge = format!(
            "{{\"Statement\":[{}]}}",
            vec![r#"{"Effect":"Allow","Action":"*"}"#; 3000].join(",")
        );
        assert!(matches!(
            Policy::parse(&huge),
            Err(PolicyError::TooLarge { .. })
        ));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(Policy::parse(&format!("{{\"Statement\":{deep}}}")).is_err());
    }
}
