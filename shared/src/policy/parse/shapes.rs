//! The raw shapes of a policy, read straight from JSON: one value or many, strings or scalars,
//! and every key checked for duplicates.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::policy::arn::is_account_id;
use crate::policy::condition::{Condition, Operator};
use crate::policy::document::Principals;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    #[serde(rename = "Version")]
    pub(super) version: Option<String>,
    #[serde(rename = "Id")]
    pub(super) id: Option<String>,
    #[serde(rename = "Statement")]
    pub(super) statement: Option<OneOrMany<RawStatement>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStatement {
    #[serde(rename = "Sid")]
    pub(super) sid: Option<String>,
    #[serde(rename = "Effect")]
    pub(super) effect: Option<String>,
    #[serde(rename = "Principal")]
    pub(super) principal: Option<Principals>,
    #[serde(rename = "NotPrincipal")]
    pub(super) not_principal: Option<Principals>,
    #[serde(rename = "Action")]
    pub(super) action: Option<StringList>,
    #[serde(rename = "NotAction")]
    pub(super) not_action: Option<StringList>,
    #[serde(rename = "Resource")]
    pub(super) resource: Option<StringList>,
    #[serde(rename = "NotResource")]
    pub(super) not_resource: Option<StringList>,
    #[serde(rename = "Condition")]
    pub(super) condition: Option<ConditionBlock>,
}

/// An element that takes one value or an array of them.
pub(super) struct OneOrMany<T>(pub(super) Vec<T>);

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
pub(super) struct StringList(pub(super) Vec<String>);

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
                } else if is_account_id(value) {
                    // IAM only accepts `*` here, but the emulator and older tooling render a Lambda
                    // permission for an account as the bare id: it is that account.
                    Ok(Principals {
                        aws: vec![value.to_owned()],
                        ..Principals::default()
                    })
                } else {
                    Err(E::custom(format!(
                        "a principal given as a string must be `*` or an account id, not `{value}`; write {{\"AWS\": \"{value}\"}}"
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
pub(super) struct ConditionBlock(pub(super) Vec<Condition>);

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
pub(super) struct KeysSeed<'a> {
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
pub(super) struct ConditionValues(pub(super) Vec<String>);

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

pub(super) struct ScalarValue(pub(super) String);

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
