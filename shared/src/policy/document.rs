//! The policy model: what a parsed and validated IAM policy document holds.

use std::fmt;

use super::condition::Condition;
use super::glob;

/// A validated IAM policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: a list, or everything except a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    Only(Vec<String>),
    AllExcept(Vec<String>),
}

impl Names {
    /// Whether this is a list that holds nothing (it then grants nothing).
    pub fn is_empty_list(&self) -> bool {
        matches!(self, Names::Only(names) if names.is_empty())
    }

    /// `NotAction: "*"` or `NotResource: "*"`: everything excluded, so nothing reached.
    pub fn excludes_everything(&self) -> bool {
        matches!(self, Names::AllExcept(names) if names.iter().any(|name| name == "*"))
    }

    /// Whether every name `self` reaches is also reached by `wider`. Sound, not complete: a
    /// `Not…` form on the wider side is never trusted to cover.
    pub fn is_covered_by(&self, wider: &Names) -> bool {
        match (wider, self) {
            (Names::Only(wide), Names::Only(narrow)) => narrow
                .iter()
                .all(|name| wide.iter().any(|pattern| glob::covers(pattern, name))),
            (Names::Only(wide), Names::AllExcept(_)) => wide.iter().any(|pattern| pattern == "*"),
            (Names::AllExcept(_), _) => false,
        }
    }

    /// Whether the clause reaches every name: `*` listed, or a `Not…` form that excludes nothing
    /// we can rule out. `NotResource` counts as every resource because it almost always does.
    pub fn reaches_everything(&self) -> bool {
        match self {
            Names::Only(names) => names.iter().any(|name| name == "*"),
            Names::AllExcept(_) => true,
        }
    }
}

/// The principals of a `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"Principal": "*"`.
    pub wildcard: bool,
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
    pub canonical_user: Vec<String>,
}

impl Principals {
    /// `"*"` or `{"AWS": "*"}` (also inside an array): every principal, anonymous included.
    pub fn includes_anyone(&self) -> bool {
        self.wildcard || self.aws.iter().any(|value| value == "*")
    }

    /// `{}` or only empty arrays: AWS reads this as no principal at all.
    pub fn is_empty(&self) -> bool {
        !self.wildcard
            && self.aws.is_empty()
            && self.service.is_empty()
            && self.federated.is_empty()
            && self.canonical_user.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalClause {
    Principal(Principals),
    NotPrincipal(Principals),
}

/// One statement, with its position so findings can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    /// Absent in identity policies.
    pub principal: Option<PrincipalClause>,
    pub action: Names,
    /// Absent in trust policies.
    pub resource: Option<Names>,
    /// ANDed condition entries; empty when the statement is unconditional.
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// How findings and errors name this statement: `Statement[2] (Sid "AllowSns")`.
    pub fn label(&self) -> StatementLabel<'_> {
        StatementLabel {
            index: self.index,
            sid: self.sid.as_deref(),
        }
    }

    /// Whether this statement's resources include every resource `other` names. A statement
    /// without a resource element applies to the resource the policy is attached to.
    pub fn resources_cover(&self, other: &Statement) -> bool {
        match (&self.resource, &other.resource) {
            (None, _) => true,
            (Some(wide), Some(narrow)) => narrow.is_covered_by(wide),
            (Some(wide @ Names::Only(_)), None) => wide.reaches_everything(),
            (Some(Names::AllExcept(_)), None) => false,
        }
    }

    /// Whether the statement can grant or deny anything: an empty action or resource list or
    /// an empty principal makes it inert.
    pub fn is_inert(&self) -> bool {
        let empty_principal =
            matches!(&self.principal, Some(PrincipalClause::Principal(p)) if p.is_empty());
        self.action.is_empty_list()
            || self.action.excludes_everything()
            || self.resource.as_ref().is_some_and(Names::is_empty_list)
            || self
                .resource
                .as_ref()
                .is_some_and(Names::excludes_everything)
            || empty_principal
    }
}

/// `Statement[INDEX]`, followed by the Sid when there is one.
#[derive(Debug, Clone, Copy)]
pub struct StatementLabel<'a> {
    pub index: usize,
    pub sid: Option<&'a str>,
}

impl fmt::Display for StatementLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Statement[{}]", self.index)?;
        match self.sid {
            Some(sid) if !sid.is_empty() => write!(f, " (Sid {sid:?})"),
            _ => Ok(()),
        }
    }
}
