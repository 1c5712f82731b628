//! Rule parameters (the rule's `InputParameters`), read into typed values.
//!
//! AWS Config passes parameters as a JSON object whose values are usually strings. A parameter
//! we do not know is an error rather than ignored: a misspelt `AllowedAccountIds` must not
//! silently change a verdict.

use serde_json::{Map, Value};

use super::error::EventError;
use crate::policy::is_account_id;

/// Parameters every rule accepts: the engine's own.
pub const ENGINE_PARAMETERS: &[&str] =
    &["ExecutionRoleName", super::exemption::EXEMPTIONS_PARAMETER];

/// The raw parameters, checked against the names a rule knows.
#[derive(Debug, Clone, Copy)]
pub struct RuleParameters<'a> {
    values: &'a Map<String, Value>,
}

/// A rule's typed parameters.
pub trait FromRuleParameters: Sized {
    /// The names the rule reads.
    const NAMES: &'static [&'static str];
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError>;
}

/// Reads a rule's typed parameters from an invocation's `ruleParameters`.
pub fn parse_parameters<P: FromRuleParameters>(
    values: &Map<String, Value>,
) -> Result<P, EventError> {
    for name in values.keys() {
        if !P::NAMES.contains(&name.as_str()) && !ENGINE_PARAMETERS.contains(&name.as_str()) {
            let known: Vec<&str> = P::NAMES.iter().chain(ENGINE_PARAMETERS).copied().collect();
            return Err(parameter_error(
                name,
                format!("unknown parameter; this rule takes {}", known.join(", ")),
            ));
        }
    }
    P::from_parameters(&RuleParameters { values })
}

fn parameter_error(name: &str, problem: String) -> EventError {
    EventError::Parameter {
        name: name.to_owned(),
        problem,
    }
}

impl<'a> RuleParameters<'a> {
    /// A scalar parameter as text, `None` when absent or blank.
    pub fn text(&self, name: &str) -> Result<Option<String>, EventError> {
        match self.values.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(parameter_error(
                name,
                format!("expected a string, found {other}"),
            )),
        }
    }

    /// A comma-separated list (or a JSON array of strings).
    pub fn list(&self, name: &str) -> Result<Vec<String>, EventError> {
        if let Some(Value::Array(items)) = self.values.get(name) {
            return items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.trim().to_owned()),
                    other => Err(parameter_error(
                        name,
                        format!("expected a list of strings, found {other}"),
                    )),
                })
                .filter(|item| item.as_ref().map_or(true, |s| !s.is_empty()))
                .collect();
        }
        Ok(self
            .text(name)?
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// A list of address ranges in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`); a bare
    /// address is a range of one.
    pub fn ip_ranges(&self, name: &str) -> Result<Vec<ipnet::IpNet>, EventError> {
        self.list(name)?
            .iter()
            .map(|range| {
                crate::policy::parse_ip_block(range).ok_or_else(|| {
                    parameter_error(name, format!("`{range}` is not an IP address range"))
                })
            })
            .collect()
    }

    /// A list of 12-digit account ids.
    pub fn account_ids(&self, name: &str) -> Result<Vec<String>, EventError> {
        let ids = self.list(name)?;
        match ids.iter().find(|id| !is_account_id(id)) {
            Some(bad) => Err(parameter_error(
                name,
                format!("`{bad}` is not a 12-digit AWS account id"),
            )),
            None => Ok(ids),
        }
    }

    /// A list of organization ids (`o-` followed by 10 to 32 lowercase letters or digits).
    pub fn organization_ids(&self, name: &str) -> Result<Vec<String>, EventError> {
        let ids = self.list(name)?;
        let valid = |id: &str| {
            id.strip_prefix("o-").is_some_and(|rest| {
                (10..=32).contains(&rest.len())
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
        };
        match ids.iter().find(|id| !valid(id)) {
            Some(bad) => Err(parameter_error(
                name,
                format!("`{bad}` is not an AWS Organizations id (o-…)"),
            )),
            None => Ok(ids),
        }
    }

    /// `true` or `false` (any case), or the default when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, EventError> {
        match self.text(name)? {
            None => Ok(default),
            Some(text) if text.eq_ignore_ascii_case("true") => Ok(true),
            Some(text) if text.eq_ignore_ascii_case("false") => Ok(false),
            Some(text) => Err(parameter_error(
                name,
                format!("`{text}` is not `true` or `false`"),
            )),
        }
    }

    /// A list of TCP/UDP port numbers (1 to 65535).
    pub fn ports(&self, name: &str) -> Result<Vec<u16>, EventError> {
        self.list(name)?
            .iter()
            .map(|text| match text.parse::<u16>() {
                Ok(port) if port > 0 => Ok(port),
                _ => Err(parameter_error(
                    name,
                    format!("`{text}` is not a port number from 1 to 65535"),
                )),
            })
            .collect()
    }

    /// A whole number within bounds, or the default when absent.
    pub fn number(
        &self,
        name: &str,
        default: u32,
        bounds: std::ops::RangeInclusive<u32>,
    ) -> Result<u32, EventError> {
        match self.text(name)? {
            None => Ok(default),
            Some(text) => match text.parse::<u32>() {
                Ok(value) if bounds.contains(&value) => Ok(value),
                _ => Err(parameter_error(
                    name,
                    format!(
                        "`{text}` is not a whole number from {} to {}",
                        bounds.start(),
                        bounds.end()
                    ),
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assert_starts_with;
    use serde_json::json;

    #[derive(Debug)]
    struct Example {
        accounts: Vec<String>,
        strict: bool,
        days: u32,
    }

    impl FromRuleParameters for Example {
        const NAMES: &'static [&'static str] = &["AllowedAccountIds", "Strict", "UnusedDays"];
        fn from_parameters(p: &RuleParameters<'_>) -> Result<Self, EventError> {
            Ok(Example {
                accounts: p.account_ids("AllowedAccountIds")?,
                strict: p.flag("Strict", false)?,
                days: p.number("UnusedDays", 90, 1..=3650)?,
            })
        }
    }

    fn parse(value: Value) -> Result<Example, EventError> {
        parse_parameters(value.as_object().unwrap())
    }

    #[test]
    fn parameters_are_typed_with_defaults() {
        let example = parse(json!({"AllowedAccountIds": " 444455556666, 777788889999 ", "Strict": "TRUE", "ExecutionRoleName": "sec2"})).unwrap();
        assert_eq!(example.accounts, vec!["444455556666", "777788889999"]);
        assert!(example.strict);
        assert_eq!(example.days, 90);
        let defaults = parse(json!({})).unwrap();
        assert!(defaults.accounts.is_empty() && !defaults.strict);
        assert_eq!(
            parse(json!({"AllowedAccountIds": ["444455556666"], "UnusedDays": 30}))
                .unwrap()
                .days,
            30
        );
    }

    #[test]
    fn a_bad_value_names_the_parameter() {
        assert_eq!(
            parse(json!({"AllowedAccountIds": "4444"}))
                .unwrap_err()
                .to_string(),
            "rule parameter `AllowedAccountIds`: `4444` is not a 12-digit AWS account id"
        );
        assert!(parse(json!({"Strict": "yes"}))
            .unwrap_err()
            .to_string()
            .starts_with("rule parameter `Strict`"));
        assert!(parse(json!({"UnusedDays": "0"}))
            .unwrap_err()
            .to_string()
            .contains("from 1 to 3650"));
        assert!(parse(json!({"Strict": {"a": 1}})).is_err());
    }

    #[test]
    fn an_unknown_parameter_is_refused() {
        let error = parse(json!({"AllowedAccountId": "444455556666"}))
            .unwrap_err()
            .to_string();
        assert_starts_with(
            &error,
            "rule parameter `AllowedAccountId`: unknown parameter",
        );
    }
}
