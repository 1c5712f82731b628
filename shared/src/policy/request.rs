//! One concrete request judged against a policy's statements as IAM evaluates it, with three
//! answers: a statement applies to it, does not, or may (a condition turns on a key the request
//! does not settle). The guardrails rule asks it whether the organization's service control
//! policies surely deny an unsafe call; "may" is never taken for "does".

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::condition::{BaseOperator, Condition, SetQualifier};
use super::document::{Names, Statement};
use super::glob;
use super::parse::parse_ip_block;

/// Whether a statement applies to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applies {
    Yes,
    No,
    /// It depends on something the request leaves open: the condition key (or policy
    /// variable) named.
    Maybe(String),
}

impl Applies {
    /// Both must hold: `No` wins, then `Maybe`.
    fn and(self, other: Applies) -> Applies {
        match (self, other) {
            (Applies::No, _) | (_, Applies::No) => Applies::No,
            (Applies::Maybe(key), _) | (_, Applies::Maybe(key)) => Applies::Maybe(key),
            (Applies::Yes, Applies::Yes) => Applies::Yes,
        }
    }

    fn from_bool(holds: bool) -> Applies {
        if holds {
            Applies::Yes
        } else {
            Applies::No
        }
    }
}

/// What the request says about one condition key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Setting {
    Present(Vec<String>),
    Absent,
}

/// A request: an action on a resource, and the condition keys it settles. A key it does not
/// settle may hold anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub action: String,
    pub resource: String,
    /// Lowercased key names (IAM compares them case-insensitively).
    keys: BTreeMap<String, Setting>,
    /// Lowercased prefixes of keys the request does not carry, `aws:principaltag/`.
    absent_prefixes: Vec<String>,
}

impl Request {
    pub fn new(action: &str, resource: &str) -> Request {
        Request {
            action: action.to_owned(),
            resource: resource.to_owned(),
            keys: BTreeMap::new(),
            absent_prefixes: Vec::new(),
        }
    }

    /// The request carries `key` with these values (one for a single-valued key).
    pub fn with(mut self, key: &str, values: &[&str]) -> Request {
        let values = values.iter().map(|value| (*value).to_owned()).collect();
        self.keys
            .insert(key.to_ascii_lowercase(), Setting::Present(values));
        self
    }

    /// The request does not carry `key`.
    pub fn without(mut self, key: &str) -> Request {
        self.keys.insert(key.to_ascii_lowercase(), Setting::Absent);
        self
    }

    /// The request carries no key starting with `prefix` (`aws:PrincipalTag/`), unless one is
    /// set with `with`.
    pub fn without_any(mut self, prefix: &str) -> Request {
        self.absent_prefixes.push(prefix.to_ascii_lowercase());
        self
    }

    fn setting(&self, key_lower: &str) -> Option<Setting> {
        match self.keys.get(key_lower) {
            Some(setting) => Some(setting.clone()),
            None if self
                .absent_prefixes
                .iter()
                .any(|prefix| key_lower.starts_with(prefix.as_str())) =>
            {
                Some(Setting::Absent)
            }
            None => None,
        }
    }

    /// `text` with its policy variables (`${aws:PrincipalAccount}`) replaced by the request's
    /// single values; the first variable the request does not settle, when there is one.
    fn substitute(&self, text: &str) -> Result<String, String> {
        super::interpolate(text, |name| match name {
            "*" | "?" | "$" => Ok(name.to_owned()),
            _ => match self.setting(&name.to_ascii_lowercase()) {
                Some(Setting::Present(values)) if values.len() == 1 => {
                    Ok(values.first().cloned().unwrap_or_default())
                }
                _ => Err(name.to_owned()),
            },
        })
    }
}

/// Whether `statement` (of an identity policy or SCP: its principal is not looked at) applies
/// to `request`.
pub fn statement_applies(statement: &Statement, request: &Request) -> Applies {
    let action = names_match(&statement.action, &request.action, request);
    if action == Applies::No {
        return Applies::No;
    }
    let resource = match &statement.resource {
        None => Applies::Yes,
        Some(names) => names_match(names, &request.resource, request),
    };
    statement
        .conditions
        .iter()
        .fold(action.and(resource), |applies, condition| {
            applies.and(condition_holds(condition, request))
        })
}

/// An Action/Resource element against a name (names and patterns compared case-insensitively,
/// as IAM compares actions).
fn names_match(names: &Names, name: &str, request: &Request) -> Applies {
    let (patterns, listed_means) = match names {
        Names::Only(patterns) => (patterns, true),
        Names::AllExcept(patterns) => (patterns, false),
    };
    let mut undecided = None;
    for pattern in patterns {
        match request.substitute(pattern) {
            Ok(pattern) if glob::matches(&pattern, name) => {
                return Applies::from_bool(listed_means)
            }
            Ok(_) => {}
            Err(variable) => undecided = Some(variable),
        }
    }
    match undecided {
        Some(variable) => Applies::Maybe(variable),
        None => Applies::from_bool(!listed_means),
    }
}

/// One condition entry, as IAM evaluates it: a missing key fails a positive match, passes a
/// negated one, an `IfExists` one and a `ForAllValues` one.
fn condition_holds(condition: &Condition, request: &Request) -> Applies {
    let operator = condition.operator;
    let Some(setting) = request.setting(&condition.key_lower) else {
        return Applies::Maybe(condition.key.clone());
    };
    if operator.base == BaseOperator::Null {
        let absent = matches!(&setting, Setting::Absent)
            || matches!(&setting, Setting::Present(values) if values.is_empty());
        let wants_absent = condition
            .values
            .iter()
            .any(|value| value.eq_ignore_ascii_case("true"));
        return Applies::from_bool(absent == wants_absent);
    }
    let values = match setting {
        Setting::Present(values) if !values.is_empty() => values,
        _ => {
            return Applies::from_bool(
                operator.if_exists
                    || operator.set == Some(SetQualifier::ForAllValues)
                    || (operator.set.is_none() && operator.base.is_negated()),
            )
        }
    };
    let mut patterns = Vec::with_capacity(condition.values.len());
    for value in &condition.values {
        match request.substitute(value) {
            Ok(pattern) => patterns.push(pattern),
            Err(variable) => return Applies::Maybe(variable),
        }
    }
    let negated = operator.base.is_negated();
    let positive = positive_of(operator.base);
    let mut undecided = false;
    let mut matches_one = |value: &str| -> bool {
        patterns
            .iter()
            .any(|pattern| match value_matches(positive, pattern, value) {
                Some(matched) => matched,
                None => {
                    undecided = true;
                    false
                }
            })
    };
    let matched: Vec<bool> = values.iter().map(|value| matches_one(value)).collect();
    if undecided {
        return Applies::Maybe(condition.key.clone());
    }
    let holds = match (operator.set, negated) {
        (Some(SetQualifier::ForAllValues), false) => matched.iter().all(|m| *m),
        (Some(SetQualifier::ForAllValues), true) => matched.iter().all(|m| !*m),
        (Some(SetQualifier::ForAnyValue), false) => matched.iter().any(|m| *m),
        (Some(SetQualifier::ForAnyValue), true) => matched.iter().any(|m| !*m),
        (None, false) => matched.iter().any(|m| *m),
        (None, true) => !matched.iter().any(|m| *m),
    };
    Applies::from_bool(holds)
}

/// The positive comparison a negated operator negates.
fn positive_of(base: BaseOperator) -> BaseOperator {
    use BaseOperator::*;
    match base {
        StringNotEquals => StringEquals,
        StringNotEqualsIgnoreCase => StringEqualsIgnoreCase,
        StringNotLike => StringLike,
        NumericNotEquals => NumericEquals,
        DateNotEquals => DateEquals,
        NotIpAddress => IpAddress,
        ArnNotEquals => ArnEquals,
        ArnNotLike => ArnLike,
        other => other,
    }
}

/// Whether a request value matches a policy value under a positive operator; `None` where
/// this evaluator does not decide (dates and binary values).
fn value_matches(base: BaseOperator, pattern: &str, value: &str) -> Option<bool> {
    use BaseOperator::*;
    let number = |text: &str| text.trim().parse::<f64>().ok();
    let numbers = || Some((number(value)?, number(pattern)?));
    match base {
        StringEquals => Some(pattern == value),
        StringEqualsIgnoreCase => Some(pattern.eq_ignore_ascii_case(value)),
        // ArnEquals takes wildcards as ArnLike does.
        StringLike | ArnEquals | ArnLike => Some(glob::matches_case_sensitive(pattern, value)),
        Bool => Some(pattern.eq_ignore_ascii_case(value)),
        NumericEquals => numbers().map(|(v, p)| v == p),
        NumericLessThan => numbers().map(|(v, p)| v < p),
        NumericLessThanEquals => numbers().map(|(v, p)| v <= p),
        NumericGreaterThan => numbers().map(|(v, p)| v > p),
        NumericGreaterThanEquals => numbers().map(|(v, p)| v >= p),
        IpAddress => {
            let block = parse_ip_block(pattern)?;
            let address = value.trim().parse::<IpAddr>().ok()?;
            Some(block.contains(&address))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn first_statement(json: &str) -> Statement {
        let policy = Policy::parse_identity(json).unwrap();
        policy.statements.into_iter().next().unwrap()
    }

    fn deny(condition: &str) -> Statement {
        first_statement(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"lambda:AddPermission","Resource":"*","Condition":{condition}}}]}}"#
        ))
    }

    fn add_permission(principal: &str) -> Request {
        Request::new(
            "lambda:AddPermission",
            "arn:aws:lambda:us-east-1:111122223333:function:f",
        )
        .with("lambda:Principal", &[principal])
        .with(
            "aws:PrincipalArn",
            &["arn:aws:iam::111122223333:role/developer"],
        )
        .without_any("aws:PrincipalTag/")
    }

    #[test]
    fn a_deny_on_the_principal_key_applies_to_a_public_grant_only() {
        let statement = deny(r#"{"StringEquals":{"lambda:Principal":"*"}}"#);
        assert_eq!(
            statement_applies(&statement, &add_permission("*")),
            Applies::Yes
        );
        assert_eq!(
            statement_applies(&statement, &add_permission("s3.amazonaws.com")),
            Applies::No
        );
    }

    #[test]
    fn a_condition_on_a_key_the_request_leaves_open_may_apply_and_never_surely_does() {
        let statement = deny(r#"{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}"#);
        assert_eq!(
            statement_applies(&statement, &add_permission("*")),
            Applies::Maybe("aws:RequestedRegion".to_owned())
        );
    }

    #[test]
    fn negated_operators_ifexists_and_null_follow_iam_on_a_missing_key() {
        let request = add_permission("*").without("lambda:FunctionUrlAuthType");
        for (condition, expected) in [
            (
                r#"{"StringNotEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"}}"#,
                Applies::Yes,
            ),
            (
                r#"{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}"#,
                Applies::No,
            ),
            (
                r#"{"StringEqualsIfExists":{"lambda:FunctionUrlAuthType":"NONE"}}"#,
                Applies::Yes,
            ),
            (
                r#"{"Null":{"lambda:FunctionUrlAuthType":"true"}}"#,
                Applies::Yes,
            ),
            (
                r#"{"Null":{"lambda:FunctionUrlAuthType":"false"}}"#,
                Applies::No,
            ),
            (
                r#"{"ForAllValues:StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}"#,
                Applies::Yes,
            ),
            (
                r#"{"ForAnyValue:StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}"#,
                Applies::No,
            ),
            (
                r#"{"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}"#,
                Applies::Yes,
            ),
        ] {
            assert_eq!(
                statement_applies(&deny(condition), &request),
                expected,
                "{condition}"
            );
        }
    }

    #[test]
    fn an_administrator_exemption_spares_only_the_roles_it_names() {
        let narrow = deny(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/OrgAdmin"}}"#);
        assert_eq!(
            statement_applies(&narrow, &add_permission("*")),
            Applies::Yes
        );
        let broad = deny(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}"#);
        assert_eq!(statement_applies(&broad, &add_permission("*")), Applies::No);
        // ArnLike compares case-sensitively: `Developer` is not `developer`.
        let other_case =
            deny(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Developer"}}"#);
        assert_eq!(
            statement_applies(&other_case, &add_permission("*")),
            Applies::Yes
        );
    }

    #[test]
    fn multivalued_keys_follow_the_set_qualifiers() {
        let request = Request::new(
            "lambda:CreateFunction",
            "arn:aws:lambda:us-east-1:1:function:f",
        )
        .with("lambda:VpcIds", &["vpc-1", "vpc-9"]);
        let statement = |condition: &str| {
            first_statement(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"lambda:CreateFunction","Resource":"*","Condition":{condition}}}]}}"#
            ))
        };
        let any_outside =
            statement(r#"{"ForAnyValue:StringNotEquals":{"lambda:VpcIds":["vpc-1","vpc-2"]}}"#);
        assert_eq!(statement_applies(&any_outside, &request), Applies::Yes);
        let all_outside =
            statement(r#"{"ForAllValues:StringNotEquals":{"lambda:VpcIds":["vpc-1","vpc-2"]}}"#);
        assert_eq!(statement_applies(&all_outside, &request), Applies::No);
    }

    #[test]
    fn actions_resources_and_variables() {
        let statement = first_statement(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::${aws:PrincipalAccount}:user/*"}]}"#,
        );
        let request = Request::new(
            "iam:CreateAccessKey",
            "arn:aws:iam::111122223333:user/probe",
        );
        assert_eq!(
            statement_applies(&statement, &request),
            Applies::Maybe("aws:PrincipalAccount".to_owned())
        );
        let request = request.with("aws:PrincipalAccount", &["111122223333"]);
        assert_eq!(statement_applies(&statement, &request), Applies::Yes);
        let get = Request::new("iam:GetUser", "arn:aws:iam::111122223333:user/probe")
            .with("aws:PrincipalAccount", &["111122223333"]);
        assert_eq!(statement_applies(&statement, &get), Applies::No);
    }
}
