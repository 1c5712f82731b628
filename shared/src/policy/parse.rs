//! From policy text, in any encoding AWS hands it out in, to a validated [`Policy`].
//!
//! The JSON is read straight into typed values rather than through `serde_json::Value`, so a
//! key that appears twice is an error instead of a silent last-one-wins.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use percent_encoding::percent_decode_str;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::arn::{classify_aws_principal, PrincipalProblem};
use super::condition::{Condition, Family, Operator};
use super::document::{
    Effect, Names, Policy, PrincipalClause, Principals, Statement, StatementLabel,
};
use super::error::PolicyError;

/// The largest policy we read, after decoding. AWS's largest resource policies (S3, Lambda,
/// DynamoDB) stop at 20 KB and SNS at 30 KB, so anything larger is not a real policy.
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// How many layers of string-in-string or URL encoding we peel before giving up.
const MAX_ENCODING_LAYERS: usize = 4;

impl Policy {
    /// Parses policy text given as JSON, as JSON stringified again, or URL-encoded (as IAM
    /// policies appear in AWS Config), and validates it against the IAM grammar.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        if text.len() > MAX_POLICY_BYTES * 3 {
            return Err(PolicyError::TooLarge {
                bytes: text.len(),
                limit: MAX_POLICY_BYTES,
            });
        }
        let json = decode_layers(text)?;
        if json.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge {
                bytes: json.len(),
                limit: MAX_POLICY_BYTES,
            });
        }
        let mut deserializer = serde_json::Deserializer::from_str(&json);
        let raw: RawPolicy = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|err| PolicyError::Syntax(located(&err)))?;
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

/// The error, after the path of the element at fault when it is inside the document.
fn located(err: &serde_path_to_error::Error<serde_json::Error>) -> String {
    match err.path().to_string().as_str() {
        "." | "" => err.inner().to_string(),
        path => format!("{path}: {}", err.inner()),
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Peels JSON-string and URL encodings until the text is a JSON object.
fn decode_layers(text: &str) -> Result<Cow<'_, str>, PolicyError> {
    let mut current = Cow::Borrowed(text);
    for _ in 0..MAX_ENCODING_LAYERS {
        let trimmed = current.trim();
        let next = match trimmed.as_bytes().first() {
            None => return Err(PolicyError::Empty),
            // API Gateway may hand out the policy with its quotes backslash-escaped.
            Some(b'{') if trimmed.starts_with("{\\\"") => unquote(&format!("\"{trimmed}\""))?,
            Some(b'{') => {
                return Ok(match current {
                    Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
                    Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
                })
            }
            Some(b'"') => unquote(trimmed)?,
            Some(b'%') => percent_decode_str(trimmed)
                .decode_utf8()
                .map_err(|_| PolicyError::Encoding("URL-decoded policy is not UTF-8".to_owned()))?
                .into_owned(),
            Some(_) => {
                let start: String = trimmed.chars().take(12).collect();
                return Err(PolicyError::Encoding(format!(
                    "it starts with `{start}`; expected a JSON object, a JSON string or URL-encoded JSON"
                )));
            }
        };
        current = Cow::Owned(next);
    }
    Err(PolicyError::Encoding(format!(
        "more than {MAX_ENCODING_LAYERS} layers of encoding"
    )))
}

fn unquote(text: &str) -> Result<String, PolicyError> {
    serde_json::from_str::<String>(text).map_err(|err| {
        PolicyError::Encoding(format!(
            "the JSON string around the policy is not valid: {err}"
        ))
    })
}

// ---- raw shapes, straight from JSON ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(rename = "Version")]
    version: Option<String>,
    #[serde(rename = "Id")]
    id: Option<String>,
    #[serde(rename = "Statement")]
    statement: Option<OneOrMany<RawStatement>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatement {
    #[serde(rename = "Sid")]
    sid: Option<String>,
    #[serde(rename = "Effect")]
    effect: Option<String>,
    #[serde(rename = "Principal")]
    principal: Option<Principals>,
    #[serde(rename = "NotPrincipal")]
    not_principal: Option<Principals>,
    #[serde(rename = "Action")]
    action: Option<StringList>,
    #[serde(rename = "NotAction")]
    not_action: Option<StringList>,
    #[serde(rename = "Resource")]
    resource: Option<StringList>,
    #[serde(rename = "NotResource")]
    not_resource: Option<StringList>,
    #[serde(rename = "Condition")]
    condition: Option<ConditionBlock>,
}

/// An element that takes one value or an array of them.
struct OneOrMany<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a statement object or an array of statements")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|one| OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(64));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor(std::marker::PhantomData))
    }
}

/// A string or an array of strings (`Action`, `Resource`, principal values).
struct StringList(Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringListVisitor;
        impl<'de> Visitor<'de> for StringListVisitor {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(StringList(vec![value.to_owned()]))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
                Ok(StringList(vec![value]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(64));
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(StringList(items))
            }
        }
        deserializer.deserialize_any(StringListVisitor)
    }
}

impl<'de> Deserialize<'de> for Principals {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PrincipalVisitor;
        impl<'de> Visitor<'de> for PrincipalVisitor {
            type Value = Principals;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`*` or an object with AWS, Service, Federated or CanonicalUser")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                if value == "*" {
                    Ok(Principals {
                        wildcard: true,
                        ..Principals::default()
                    })
                } else {
                    Err(E::custom(format!(
                        "a principal given as a string must be `*`, not `{value}`; write {{\"AWS\": \"{value}\"}}"
                    )))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut principals = Principals::default();
                let mut seen: Vec<String> = Vec::new();
                while let Some(kind) = map.next_key::<String>()? {
                    if seen.contains(&kind) {
                        return Err(de::Error::custom(format!(
                            "principal type `{kind}` appears twice"
                        )));
                    }
                    let values = map.next_value::<StringList>()?.0;
                    let slot = match kind.as_str() {
                        "AWS" => &mut principals.aws,
                        "Service" => &mut principals.service,
                        "Federated" => &mut principals.federated,
                        "CanonicalUser" => &mut principals.canonical_user,
                        _ => {
                            return Err(de::Error::custom(format!(
                                "unknown principal type `{kind}`, expected AWS, Service, Federated or CanonicalUser"
                            )))
                        }
                    };
                    *slot = values;
                    seen.push(kind);
                }
                Ok(principals)
            }
        }
        deserializer.deserialize_any(PrincipalVisitor)
    }
}

/// A Condition block, flattened into its ANDed entries.
struct ConditionBlock(Vec<Condition>);

impl<'de> Deserialize<'de> for ConditionBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlockVisitor;
        impl<'de> Visitor<'de> for BlockVisitor {
            type Value = ConditionBlock;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of condition operators")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut conditions = Vec::new();
                let mut operators_seen: Vec<String> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let Some(operator) = Operator::parse(&name) else {
                        return Err(de::Error::custom(format!(
                            "unknown condition operator `{name}`"
                        )));
                    };
                    if operators_seen.contains(&name) {
                        return Err(de::Error::custom(format!(
                            "condition operator `{name}` appears twice"
                        )));
                    }
                    map.next_value_seed(KeysSeed {
                        operator,
                        out: &mut conditions,
                    })?;
                    operators_seen.push(name);
                }
                Ok(ConditionBlock(conditions))
            }
        }
        deserializer.deserialize_map(BlockVisitor)
    }
}

/// The `{ key: values }` object under one operator.
struct KeysSeed<'a> {
    operator: Operator,
    out: &'a mut Vec<Condition>,
}

impl<'de> DeserializeSeed<'de> for KeysSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeysSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object of condition keys under `{}`", self.operator)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let first_new = self.out.len();
        while let Some(key) = map.next_key::<String>()? {
            let duplicate = self
                .out
                .get(first_new..)
                .is_some_and(|added| added.iter().any(|c| c.key == key));
            if duplicate {
                return Err(de::Error::custom(format!(
                    "condition key `{key}` appears twice under `{}`",
                    self.operator
                )));
            }
            let values = map.next_value::<ConditionValues>()?.0;
            self.out.push(Condition::new(self.operator, key, values));
        }
        Ok(())
    }
}

/// Condition values: strings, numbers or booleans, alone or in an array.
struct ConditionValues(Vec<String>);

impl<'de> Deserialize<'de> for ConditionValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = ConditionValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a condition value (string, number or boolean) or an array of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ConditionValues(vec![v.to_owned()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ConditionValues(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ConditionValues(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ConditionValues(vec![v.to_string()]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(ConditionValues(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut values = Vec::new();
                while let Some(ScalarValue(value)) = seq.next_element()? {
                    values.push(value);
                }
                Ok(ConditionValues(values))
            }
        }
        deserializer.deserialize_any(ValuesVisitor)
    }
}

struct ScalarValue(String);

impl<'de> Deserialize<'de> for ScalarValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = ScalarValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(ScalarValue(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Err(de::Error::custom(
                    "a condition value cannot be a nested array",
                ))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

// ---- validation: the grammar rules serde cannot express ----

impl RawPolicy {
    fn validate(self) -> Result<Policy, PolicyError> {
        if let Some(version) = &self.version {
            if version != "2012-10-17" && version != "2008-10-17" {
                return Err(PolicyError::Syntax(format!(
                    "`Version` must be `2012-10-17` or `2008-10-17`, not `{version}`"
                )));
            }
        }
        let raw_statements = match self.statement {
            Some(OneOrMany(statements)) if !statements.is_empty() => statements,
            Some(_) => return Err(PolicyError::Syntax("`Statement` is empty".to_owned())),
            None => return Err(PolicyError::Syntax("policy has no `Statement`".to_owned())),
        };
        let statements = raw_statements
            .into_iter()
            .enumerate()
            .map(|(index, raw)| raw.validate(index))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            version: self.version,
            id: self.id,
            statements,
        })
    }
}

fn statement_error(index: usize, sid: Option<&str>, problem: String) -> PolicyError {
    let location = StatementLabel { index, sid }.to_string();
    PolicyError::Statement { location, problem }
}

fn exclusive<T>(
    plain: Option<T>,
    negated: Option<T>,
    names: (&str, &str),
) -> Result<Option<(T, bool)>, String> {
    match (plain, negated) {
        (Some(_), Some(_)) => Err(format!("has both `{}` and `{}`", names.0, names.1)),
        (Some(value), None) => Ok(Some((value, false))),
        (None, Some(value)) => Ok(Some((value, true))),
        (None, None) => Ok(None),
    }
}

impl RawStatement {
    fn validate(self, index: usize) -> Result<Statement, PolicyError> {
        let sid = self.sid;
        let fail = |problem: String| statement_error(index, sid.as_deref(), problem);
        let effect = match self.effect.as_deref() {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            Some(other) => {
                return Err(fail(format!(
                    "`Effect` must be `Allow` or `Deny`, not `{other}`"
                )))
            }
            None => return Err(fail("has no `Effect`".to_owned())),
        };
        let action = match exclusive(self.action, self.not_action, ("Action", "NotAction"))
            .map_err(&fail)?
        {
            Some((list, false)) => Names::Only(list.0),
            Some((list, true)) => Names::AllExcept(list.0),
            None => return Err(fail("has neither `Action` nor `NotAction`".to_owned())),
        };
        let action_names = match &action {
            Names::Only(names) | Names::AllExcept(names) => names,
        };
        if let Some(bad) = action_names.iter().find(|name| !is_action_shape(name)) {
            return Err(fail(format!(
                "action `{bad}` is not `*` or `service:ActionName`"
            )));
        }
        let resource = exclusive(
            self.resource,
            self.not_resource,
            ("Resource", "NotResource"),
        )
        .map_err(&fail)?
        .map(|(list, negated)| {
            if negated {
                Names::AllExcept(list.0)
            } else {
                Names::Only(list.0)
            }
        });
        let principal = exclusive(
            self.principal,
            self.not_principal,
            ("Principal", "NotPrincipal"),
        )
        .map_err(&fail)?
        .map(|(principals, negated)| {
            check_principals(&principals).map_err(&fail)?;
            Ok(if negated {
                PrincipalClause::NotPrincipal(principals)
            } else {
                PrincipalClause::Principal(principals)
            })
        })
        .transpose()?;
        let conditions = self.condition.map(|block| block.0).unwrap_or_default();
        for condition in &conditions {
            check_condition_values(condition).map_err(&fail)?;
        }
        Ok(Statement {
            index,
            sid,
            effect,
            principal,
            action,
            resource,
            conditions,
        })
    }
}

fn is_action_shape(name: &str) -> bool {
    if name == "*" {
        return true;
    }
    match name.split_once(':') {
        Some((service, action)) => {
            !service.is_empty() && !action.is_empty() && !action.contains(':')
        }
        None => false,
    }
}

fn check_principals(principals: &Principals) -> Result<(), String> {
    for value in &principals.aws {
        match classify_aws_principal(value) {
            Ok(_) => {}
            Err(PrincipalProblem::PartialWildcard) => {
                return Err(format!(
                    "unsupported wildcard in principal `{value}`: IAM matches principals only by `*` or in full"
                ))
            }
            Err(PrincipalProblem::Unrecognized) => {
                return Err(format!(
                    "AWS principal `{value}` is not an account id, an IAM or STS ARN, or `*`"
                ))
            }
        }
    }
    for value in principals
        .service
        .iter()
        .chain(&principals.federated)
        .chain(&principals.canonical_user)
    {
        if value.is_empty() {
            return Err("a principal value is empty".to_owned());
        }
        if value.contains(['*', '?']) {
            return Err(format!(
                "unsupported wildcard in principal `{value}`: only `\"Principal\": \"*\"` or `{{\"AWS\": \"*\"}}` may be a wildcard"
            ));
        }
    }
    Ok(())
}

fn check_condition_values(condition: &Condition) -> Result<(), String> {
    let operator = condition.operator;
    let bad = |value: &str, what: &str| {
        format!(
            "condition `{operator}` on `{}`: `{value}` is not {what}",
            condition.key
        )
    };
    for value in &condition.values {
        match operator.base.family() {
            Family::Ip if parse_ip_block(value).is_none() => {
                return Err(bad(value, "an IP address or CIDR block"))
            }
            Family::Bool | Family::Null
                if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") =>
            {
                return Err(bad(value, "`true` or `false`"))
            }
            Family::Numeric if value.trim().parse::<f64>().is_err() => {
                return Err(bad(value, "a number"))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parses a CIDR block, or a bare address as a single-address block.
pub fn parse_ip_block(value: &str) -> Option<ipnet::IpNet> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| value.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::condition::{BaseOperator, SetQualifier};

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
