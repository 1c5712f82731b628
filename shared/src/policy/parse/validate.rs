//! The IAM grammar rules serde cannot express: from raw shapes to a valid `Policy`.

use std::net::IpAddr;

use super::shapes::{OneOrMany, RawPolicy, RawStatement};
use crate::policy::arn::{classify_aws_principal, PrincipalProblem};
use crate::policy::condition::{Condition, Family};
use crate::policy::document::{
    Effect, Names, Policy, PrincipalClause, Principals, Statement, StatementLabel,
};
use crate::policy::error::PolicyError;

impl RawPolicy {
    pub(super) fn validate(self) -> Result<Policy, PolicyError> {
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
