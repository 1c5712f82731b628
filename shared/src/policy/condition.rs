//! Condition operators and condition entries, as the IAM grammar defines them.

use std::fmt;

/// The operator without its set qualifier and `IfExists` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// What kind of value an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

const BASE_OPERATORS: &[(&str, BaseOperator)] = &[
    ("StringEquals", BaseOperator::StringEquals),
    ("StringNotEquals", BaseOperator::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        BaseOperator::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        BaseOperator::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", BaseOperator::StringLike),
    ("StringNotLike", BaseOperator::StringNotLike),
    ("NumericEquals", BaseOperator::NumericEquals),
    ("NumericNotEquals", BaseOperator::NumericNotEquals),
    ("NumericLessThan", BaseOperator::NumericLessThan),
    ("NumericLessThanEquals", BaseOperator::NumericLessThanEquals),
    ("NumericGreaterThan", BaseOperator::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        BaseOperator::NumericGreaterThanEquals,
    ),
    ("DateEquals", BaseOperator::DateEquals),
    ("DateNotEquals", BaseOperator::DateNotEquals),
    ("DateLessThan", BaseOperator::DateLessThan),
    ("DateLessThanEquals", BaseOperator::DateLessThanEquals),
    ("DateGreaterThan", BaseOperator::DateGreaterThan),
    ("DateGreaterThanEquals", BaseOperator::DateGreaterThanEquals),
    ("Bool", BaseOperator::Bool),
    ("BinaryEquals", BaseOperator::BinaryEquals),
    ("IpAddress", BaseOperator::IpAddress),
    ("NotIpAddress", BaseOperator::NotIpAddress),
    ("ArnEquals", BaseOperator::ArnEquals),
    ("ArnLike", BaseOperator::ArnLike),
    ("ArnNotEquals", BaseOperator::ArnNotEquals),
    ("ArnNotLike", BaseOperator::ArnNotLike),
    ("Null", BaseOperator::Null),
];

impl BaseOperator {
    pub fn name(self) -> &'static str {
        BASE_OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("", |(name, _)| name)
    }

    pub fn family(self) -> Family {
        use BaseOperator::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => Family::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => Family::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => Family::Date,
            Bool => Family::Bool,
            BinaryEquals => Family::Binary,
            IpAddress | NotIpAddress => Family::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Family::Arn,
            Null => Family::Null,
        }
    }

    /// Negated operators are true when the key is missing and AND their values.
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Positive string and ARN comparisons: the operators that can pin a key to values.
    pub fn is_positive_match(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringEquals | StringEqualsIgnoreCase | StringLike | ArnEquals | ArnLike
        )
    }

    /// The negated string and ARN comparisons: the operators of a "Deny unless" guard.
    pub fn is_negated_match(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals | StringNotEqualsIgnoreCase | StringNotLike | ArnNotEquals | ArnNotLike
        )
    }
}

/// `ForAnyValue:` or `ForAllValues:`, for multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// A whole operator as written: `ForAnyValue:StringLikeIfExists` and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub set: Option<SetQualifier>,
    pub base: BaseOperator,
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name; names are canonical (IAM spells them one way).
    pub fn parse(name: &str) -> Option<Self> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        let (if_exists, base_name) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let base = BASE_OPERATORS
            .iter()
            .find(|(known, _)| *known == base_name)
            .map(|(_, op)| *op)?;
        if base == BaseOperator::Null && (if_exists || set.is_some()) {
            return None;
        }
        Some(Operator {
            set,
            base,
            if_exists,
        })
    }

    /// True for an unqualified (or `ForAnyValue:`) positive match without `IfExists`: the only
    /// shape that fails closed when the key is missing.
    pub fn requires_key_to_match(&self) -> bool {
        self.base.is_positive_match()
            && !self.if_exists
            && self.set != Some(SetQualifier::ForAllValues)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.set {
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// One `operator: { key: values }` entry of a Condition block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: Operator,
    /// The key as written.
    pub key: String,
    /// The key lowercased: IAM compares condition key names case-insensitively.
    pub key_lower: String,
    /// Values as strings (numbers and booleans in their JSON spelling).
    pub values: Vec<String>,
}

impl Condition {
    pub fn new(operator: Operator, key: String, values: Vec<String>) -> Self {
        let key_lower = key.to_ascii_lowercase();
        Condition {
            operator,
            key,
            key_lower,
            values,
        }
    }
}

/// Whether a condition value is a fixed value: no wildcard and no policy variable.
pub fn is_fixed_value(value: &str) -> bool {
    !value.contains(['*', '?']) && !value.contains("${")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_parse_with_set_qualifiers_and_if_exists() {
        let op = Operator::parse("ForAnyValue:StringLikeIfExists").unwrap();
        assert_eq!(op.set, Some(SetQualifier::ForAnyValue));
        assert_eq!(op.base, BaseOperator::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.to_string(), "ForAnyValue:StringLikeIfExists");
        assert_eq!(
            Operator::parse("NotIpAddress").unwrap().base.family(),
            Family::Ip
        );
        assert_eq!(
            Operator::parse("DateGreaterThanEquals")
                .unwrap()
                .base
                .family(),
            Family::Date
        );
        assert_eq!(
            Operator::parse("NumericLessThanIfExists")
                .unwrap()
                .base
                .family(),
            Family::Numeric
        );
    }

    #[test]
    fn unknown_or_misspelled_operators_are_refused() {
        assert!(Operator::parse("StringEqualz").is_none());
        assert!(Operator::parse("stringequals").is_none());
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("ForAllValues:Null").is_none());
        assert!(Operator::parse("ForSomeValues:StringEquals").is_none());
    }

    #[test]
    fn only_unqualified_positive_matches_fail_closed_on_a_missing_key() {
        assert!(Operator::parse("StringEquals")
            .unwrap()
            .requires_key_to_match());
        assert!(Operator::parse("ForAnyValue:StringEquals")
            .unwrap()
            .requires_key_to_match());
        assert!(!Operator::parse("StringEqualsIfExists")
            .unwrap()
            .requires_key_to_match());
        assert!(!Operator::parse("ForAllValues:StringEquals")
            .unwrap()
            .requires_key_to_match());
        assert!(!Operator::parse("StringNotEquals")
            .unwrap()
            .requires_key_to_match());
        assert!(!Operator::parse("Null").unwrap().requires_key_to_match());
    }

    #[test]
    fn fixed_values_hold_no_wildcard_and_no_variable() {
        assert!(is_fixed_value("vpce-1a2b3c4d"));
        assert!(!is_fixed_value("vpce-*"));
        assert!(!is_fixed_value("o-?bc"));
        assert!(!is_fixed_value("${aws:PrincipalAccount}"));
    }
}
